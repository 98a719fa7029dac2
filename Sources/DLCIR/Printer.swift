/// The IR's text form.
///
/// In: a `Module`. Out: text that `parseModule` reads back to an equal module. The output
/// is deterministic: attributes sorted by key, one float formatter, parameters and
/// functions in module order, one blank line between sections.

/// Prints a module.
public func printModule(_ m: Module) -> String {
  var out = "module @\(m.name)"
  if !m.attributes.isEmpty { out += " attributes " + IRFormat.dict(m.attributes) }
  out += " {\n"
  var sections: [String] = []
  if !m.parameters.isEmpty {
    sections.append(m.parameters.map { "  " + printParameter($0) + "\n" }.joined())
  }
  for f in m.functions { sections.append(printFunction(f, indent: "  ")) }
  return out + sections.joined(separator: "\n") + "}\n"
}

extension Module: CustomStringConvertible {
  /// The module's text form, as `printModule` gives it.
  public var printed: String { printModule(self) }
  public var description: String { printModule(self) }
}

/// Prints one parameter: `param @name : type {attrs} loc(...)`.
public func printParameter(_ p: Parameter) -> String {
  var out = "param @\(p.name) : \(p.type)"
  if !p.attributes.isEmpty { out += " " + IRFormat.dict(p.attributes) }
  return out + IRFormat.location(p.location)
}

/// Prints one function.
public func printFunction(_ f: Function, indent: String = "") -> String {
  let args = f.arguments.map { "%\($0.name): \($0.type)" }.joined(separator: ", ")
  let results = f.results.map(\.description).joined(separator: ", ")
  var out = "\(indent)func @\(f.name)(\(args)) -> (\(results)) {\n"
  for op in f.body { out += indent + "  " + printOperation(op) + "\n" }
  out += "\(indent)  return" + f.returns.map { " %" + $0 }.joined(separator: ",") + "\n"
  return out + "\(indent)}\n"
}

/// Prints one op: `%r = opcode(%a, @p) {attrs} : type loc(...)`; an op without results
/// (an optimizer update) prints as `opcode(@p, %g) {attrs} loc(...)`.
public func printOperation(_ op: Operation) -> String {
  var out = op.results.isEmpty ? "" : op.results.map { "%" + $0.name }.joined(separator: ", ") + " = "
  out += op.opcode + "("
  out += op.operands.map { o -> String in
    switch o {
    case .value(let n): return "%" + n
    case .param(let n): return "@" + n
    }
  }.joined(separator: ", ") + ")"
  if !op.attributes.isEmpty { out += " " + IRFormat.dict(op.attributes) }
  if !op.results.isEmpty { out += " : " + op.results.map(\.type.description).joined(separator: ", ") }
  return out + IRFormat.location(op.location)
}

/// Formatting of attribute values, shared by the printer and tests.
public enum IRFormat {
  /// `{a = 1, b = "x"}` sorted by key.
  public static func dict(_ d: [String: Attribute]) -> String {
    "{" + d.keys.sorted().map { "\(key($0)) = \(attribute(d[$0]!))" }.joined(separator: ", ") + "}"
  }

  /// One attribute value: `1`, `0.5`, `true`, `"text"`, `[1, 2]`, `{a = 1}`.
  public static func attribute(_ a: Attribute) -> String {
    switch a {
    case .int(let i): return String(i)
    case .float(let f): return float(f)
    case .bool(let b): return b ? "true" : "false"
    case .string(let s): return quote(s)
    case .list(let items): return "[" + items.map(attribute).joined(separator: ", ") + "]"
    case .dict(let d): return dict(d)
    }
  }

  /// The one float formatter: shortest text that reads back to the same Double and
  /// always looks like a float (`1.0`, `0.001`, `1e-05`, `inf`, `nan`).
  public static func float(_ f: Double) -> String {
    if f.isNaN { return "nan" }
    if f.isInfinite { return f < 0 ? "-inf" : "inf" }
    let s = f.description
    if s.contains(".") || s.contains("e") { return s }
    return s + ".0"
  }

  /// Keys that are identifiers print bare; others are quoted.
  static func key(_ k: String) -> String {
    let ok = !k.isEmpty && k.unicodeScalars.allSatisfy { isNameScalar($0) } && !("0"..."9").contains(k.unicodeScalars.first!)
    return ok ? k : quote(k)
  }

  /// A double-quoted string with `\"`, `\\`, `\n`, `\t`, `\r` and `\u{…}` escapes.
  public static func quote(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
      switch u {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\t": out += "\\t"
      case "\r": out += "\\r"
      default:
        if u.value < 0x20 || u.value == 0x7F {
          let hex = String(u.value, radix: 16)
          out += "\\u{" + hex + "}"
        } else {
          out.unicodeScalars.append(u)
        }
      }
    }
    return out + "\""
  }

  /// ` loc("file":line:column)`, or nothing.
  static func location(_ l: IRLocation?) -> String {
    guard let l else { return "" }
    return " loc(\(quote(l.file)):\(l.line):\(l.column))"
  }

  /// Characters allowed in `%`/`@` names and bare keys.
  static func isNameScalar(_ u: Unicode.Scalar) -> Bool {
    ("a"..."z").contains(u) || ("A"..."Z").contains(u) || ("0"..."9").contains(u) || u == "_" || u == "." || u == "$" || u == "-"
  }
}
