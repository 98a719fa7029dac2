/// Text helpers of the model emitter: indented lines, calls wrapped at a line width,
/// Swift identifiers from IR names, and Float literals that read back as the same Float.
struct SwiftText {
  /// The lines so far, each with its indentation.
  private(set) var lines: [String] = []
  /// The current indentation in levels of two spaces.
  var depth = 0
  /// Lines longer than this are wrapped where the writer knows how (calls).
  static let width = 120

  /// One line at the current indentation (an empty string gives an empty line).
  mutating func line(_ text: String = "") {
    lines.append(text.isEmpty ? "" : String(repeating: "  ", count: depth) + text)
  }

  /// `open`, the lines `body` writes one level deeper, then `close`.
  mutating func block(_ open: String, close: String = "}", _ body: (inout SwiftText) -> Void) {
    line(open)
    depth += 1
    body(&self)
    depth -= 1
    line(close)
  }

  /// A comment line per paragraph line (`// …`).
  mutating func comment(_ text: String) {
    for part in text.split(separator: "\n", omittingEmptySubsequences: false) { line(part.isEmpty ? "//" : "// " + part) }
  }

  /// `callee(a, b, …)` on one line when it fits, else with the arguments wrapped onto
  /// continuation lines one level deeper (as swift-format does). `prefix` goes before the
  /// callee (`let x = `), `suffix` after the closing parenthesis.
  mutating func call(_ callee: String, _ arguments: [String], prefix: String = "", suffix: String = "") {
    let indent = String(repeating: "  ", count: depth)
    let flat = prefix + callee + "(" + arguments.joined(separator: ", ") + ")" + suffix
    if indent.count + flat.count <= Self.width {
      line(flat)
      return
    }
    line(prefix + callee + "(")
    let inner = indent + "  "
    var current = ""
    for (i, argument) in arguments.enumerated() {
      let piece = argument + (i == arguments.count - 1 ? ")" + suffix : ",")
      if current.isEmpty {
        current = piece
      } else if inner.count + current.count + 1 + piece.count <= Self.width {
        current += " " + piece
      } else {
        lines.append(inner + current)
        current = piece
      }
    }
    lines.append(inner + current)
  }

  /// The text, one newline after each line.
  var text: String { lines.map { $0 + "\n" }.joined() }
}

/// Names and literals in emitted Swift.
enum SwiftName {
  /// Swift's reserved words that an IR name could spell.
  static let keywords: Set<String> = [
    "as", "associatedtype", "break", "case", "catch", "class", "continue", "default", "defer", "deinit", "do", "else",
    "enum", "extension", "fallthrough", "false", "fileprivate", "for", "func", "guard", "if", "import", "in", "init",
    "inout", "internal", "is", "let", "nil", "operator", "private", "protocol", "public", "repeat", "rethrows",
    "return", "self", "Self", "static", "struct", "subscript", "super", "switch", "throw", "throws", "true", "try",
    "typealias", "var", "where", "while", "Any", "some", "any",
  ]

  /// An IR name as a Swift identifier: `dense_1.weight` → `dense_1_weight`; any other
  /// character becomes `_`, a leading digit gets a `_` before it.
  static func identifier(_ irName: String) -> String {
    var out = ""
    for scalar in irName.unicodeScalars {
      let ok = scalar.properties.isAlphabetic && scalar.isASCII || ("0"..."9").contains(scalar) || scalar == "_"
      out.unicodeScalars.append(ok ? scalar : "_")
    }
    if out.isEmpty || out.first!.isNumber { out = "_" + out }
    return out
  }

  /// `UpperCamelCase` of a spec name: `digits_mlp` → `DigitsMlp`.
  static func typeName(_ specName: String) -> String {
    var out = ""
    for part in identifier(specName).split(separator: "_") {
      out += part.prefix(1).uppercased() + part.dropFirst()
    }
    if out.isEmpty || out.first!.isNumber { out = "Spec" + out }
    return out
  }

  /// A Float literal that the Swift compiler reads back as exactly `value` (the shortest
  /// round-trip decimal, which Swift converts to the nearest Float).
  static func float(_ value: Float) -> String {
    if value.isNaN { return "Float.nan" }
    if value.isInfinite { return value < 0 ? "-Float.infinity" : "Float.infinity" }
    if value == 0 { return value.sign == .minus ? "-0.0" : "0" }
    let text = "\(value)"
    return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
  }

  /// A Swift string literal.
  static func string(_ value: String) -> String {
    var out = "\""
    for c in value.unicodeScalars {
      switch c {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\t": out += "\\t"
      default:
        if c.value < 0x20 { out += "\\u{\(String(c.value, radix: 16))}" } else { out.unicodeScalars.append(c) }
      }
    }
    return out + "\""
  }

  /// An Int literal with `_` between groups of three digits past 9 999 (`65_536`).
  static func int(_ value: Int) -> String {
    let digits = String(value.magnitude)
    guard digits.count > 4 else { return String(value) }
    var out = ""
    for (i, c) in digits.enumerated() {
      if i > 0, (digits.count - i) % 3 == 0 { out += "_" }
      out.append(c)
    }
    return (value < 0 ? "-" : "") + out
  }
}
