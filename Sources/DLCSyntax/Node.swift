/// The YAML node tree: what the spec decoder reads. Every node carries its source range.
///
/// Only the core schema is represented: scalars (with their style, so that `"128"` is a
/// string and `128` an integer), mappings with scalar keys in source order, and sequences.
/// Aliases are expanded by the composer (within a budget); merge keys are refused.

/// A YAML node with its place in the source.
public struct Node: Sendable {
  public enum Kind: Sendable {
    case scalar(Scalar)
    case mapping([Pair])
    case sequence([Node])
  }

  public var kind: Kind
  /// Covers the whole node (for a mapping or sequence, all its entries).
  public var range: SourceRange
  /// True when the source wrote it in flow style (`[a, b]`, `{a: b}`).
  public var isFlow: Bool

  public init(_ kind: Kind, range: SourceRange, isFlow: Bool = false) {
    self.kind = kind
    self.range = range
    self.isFlow = isFlow
  }

  /// The scalar, if this node is one.
  public var scalar: Scalar? {
    if case .scalar(let s) = kind { return s }
    return nil
  }

  /// The mapping entries, if this node is a mapping.
  public var pairs: [Pair]? {
    if case .mapping(let p) = kind { return p }
    return nil
  }

  /// The items, if this node is a sequence.
  public var items: [Node]? {
    if case .sequence(let i) = kind { return i }
    return nil
  }

  /// A word for messages: "a mapping", "a list", "the string 'x'", "the number 3".
  public var kindDescription: String {
    switch kind {
    case .mapping: return "a mapping"
    case .sequence: return "a list"
    case .scalar(let s):
      switch s.resolved {
      case .null: return "an empty value"
      case .bool(let b): return "the boolean '\(b)'"
      case .int: return "the integer '\(s.text)'"
      case .float: return "the number '\(s.text)'"
      case .string: return "the string '\(s.text)'"
      }
    }
  }
}

/// A mapping entry. Keys are scalars; the composer refuses complex keys.
public struct Pair: Sendable {
  public var key: String
  public var keyRange: SourceRange
  public var value: Node

  public init(key: String, keyRange: SourceRange, value: Node) {
    self.key = key
    self.keyRange = keyRange
    self.value = value
  }
}

/// A scalar: its text as written (after unescaping) and how it was written.
public struct Scalar: Sendable {
  public enum Style: Sendable {
    case plain, singleQuoted, doubleQuoted, literal, folded
  }

  public var text: String
  public var style: Style
  /// The explicit tag (`!!str`, `!!int`, …) in its long form, if one was written.
  public var tag: String?

  public init(text: String, style: Style, tag: String? = nil) {
    self.text = text
    self.style = style
    self.tag = tag
  }

  /// The value under the YAML 1.2 core schema (plain scalars only are resolved;
  /// quoted and block scalars are strings unless tagged).
  public var resolved: ScalarValue { ScalarValue.resolve(self) }
}

/// A scalar's value under the YAML 1.2 core schema.
public enum ScalarValue: Sendable, Equatable {
  case null
  case bool(Bool)
  case int(Int)
  case float(Double)
  case string(String)

  static func resolve(_ s: Scalar) -> ScalarValue {
    let t = s.text
    switch s.tag {
    case "tag:yaml.org,2002:str": return .string(t)
    case "tag:yaml.org,2002:null": return .null
    case "tag:yaml.org,2002:bool": return bool(t).map(ScalarValue.bool) ?? .string(t)
    case "tag:yaml.org,2002:int": return int(t).map(ScalarValue.int) ?? .string(t)
    case "tag:yaml.org,2002:float": return float(t).map(ScalarValue.float) ?? int(t).map { .float(Double($0)) } ?? .string(t)
    default: break
    }
    guard s.style == .plain else { return .string(t) }
    if t.isEmpty || t == "~" || t == "null" || t == "Null" || t == "NULL" { return .null }
    if let b = bool(t) { return .bool(b) }
    if let i = int(t) { return .int(i) }
    if let f = float(t) { return .float(f) }
    return .string(t)
  }

  private static func bool(_ t: String) -> Bool? {
    switch t {
    case "true", "True", "TRUE": return true
    case "false", "False", "FALSE": return false
    default: return nil
    }
  }

  private static func int(_ t: String) -> Int? {
    var body = Substring(t)
    var sign = 1
    if body.first == "-" || body.first == "+" {
      if body.first == "-" { sign = -1 }
      body = body.dropFirst()
    }
    guard !body.isEmpty else { return nil }
    if body.hasPrefix("0x") { return Int(body.dropFirst(2), radix: 16).map { $0 * sign } }
    if body.hasPrefix("0o") { return Int(body.dropFirst(2), radix: 8).map { $0 * sign } }
    guard body.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
    return Int(body).map { $0 * sign }
  }

  private static func float(_ t: String) -> Double? {
    switch t {
    case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .infinity
    case "-.inf", "-.Inf", "-.INF": return -.infinity
    case ".nan", ".NaN", ".NAN": return .nan
    default: break
    }
    // Core schema float: [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
    let scalars = Array(t.unicodeScalars)
    var i = 0
    if i < scalars.count, scalars[i] == "-" || scalars[i] == "+" { i += 1 }
    var digits = 0
    while i < scalars.count, ("0"..."9").contains(scalars[i]) { i += 1; digits += 1 }
    if i < scalars.count, scalars[i] == "." {
      i += 1
      while i < scalars.count, ("0"..."9").contains(scalars[i]) { i += 1; digits += 1 }
    }
    guard digits > 0 else { return nil }
    if i < scalars.count, scalars[i] == "e" || scalars[i] == "E" {
      i += 1
      if i < scalars.count, scalars[i] == "-" || scalars[i] == "+" { i += 1 }
      var expDigits = 0
      while i < scalars.count, ("0"..."9").contains(scalars[i]) { i += 1; expDigits += 1 }
      guard expDigits > 0 else { return nil }
    }
    guard i == scalars.count else { return nil }
    return Double(t)
  }
}
