/// What an op's attributes may hold: kinds, and the named, documented slots of a schema.

/// The kinds of values an attribute may hold. A `float` also accepts an int (a number is
/// a number); everything else is exact.
public indirect enum AttributeKind: Sendable, Hashable, CustomStringConvertible {
  case int, float, bool, string, dict, any
  /// One of a few strings.
  case choice([String])
  /// A list of `element`s, of exactly `count` items when given.
  case list(AttributeKind, count: Int? = nil)
  /// Any of several kinds.
  case either([AttributeKind])

  /// Whether `value` is of this kind.
  public func accepts(_ value: Attribute) -> Bool {
    switch (self, value) {
    case (.any, _), (.int, .int), (.float, .float), (.float, .int), (.bool, .bool), (.string, .string), (.dict, .dict):
      return true
    case (.choice(let options), .string(let s)):
      return options.contains(s)
    case (.list(let element, let count), .list(let items)):
      return (count == nil || items.count == count) && items.allSatisfy(element.accepts)
    case (.either(let kinds), _):
      return kinds.contains { $0.accepts(value) }
    default:
      return false
    }
  }

  /// `an integer`, `a list of 2 integers`, `one of "none", "tanh"`.
  public var description: String {
    switch self {
    case .int: return "an integer"
    case .float: return "a number"
    case .bool: return "true or false"
    case .string: return "a string"
    case .dict: return "a dictionary"
    case .any: return "any value"
    case .choice(let options): return "one of " + options.map(IRFormat.quote).joined(separator: ", ")
    case .list(let element, let count): return "a list of " + (count.map { "\($0) " } ?? "") + element.plural
    case .either(let kinds): return kinds.map(\.description).joined(separator: " or ")
    }
  }

  private var plural: String {
    switch self {
    case .int: return "integers"
    case .float: return "numbers"
    case .bool: return "booleans"
    case .string: return "strings"
    case .dict: return "dictionaries"
    default: return "values"
    }
  }
}

/// One attribute slot of an op: its name, kind, whether it must be present, and what it means.
public struct AttributeSpec: Sendable, Hashable {
  public var name: String
  public var kind: AttributeKind
  public var isRequired: Bool
  public var summary: String

  public init(name: String, kind: AttributeKind, isRequired: Bool, summary: String) {
    self.name = name
    self.kind = kind
    self.isRequired = isRequired
    self.summary = summary
  }

  /// An attribute every instance carries.
  public static func required(_ name: String, _ kind: AttributeKind, _ summary: String) -> AttributeSpec {
    AttributeSpec(name: name, kind: kind, isRequired: true, summary: summary)
  }

  /// An attribute that may be left out.
  public static func optional(_ name: String, _ kind: AttributeKind, _ summary: String) -> AttributeSpec {
    AttributeSpec(name: name, kind: kind, isRequired: false, summary: summary)
  }
}

extension AttributeKind {
  /// `[a, b]` of integers: strides, paddings, window sizes.
  static let intPair = AttributeKind.list(.int, count: 2)
}
