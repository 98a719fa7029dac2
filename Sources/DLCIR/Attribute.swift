/// Attribute values: the constants an op, a parameter or the module carries.

/// An attribute value. Dicts print sorted by key; floats print with the one IR float
/// formatter (`IRFormat.float`), so `.int(1)` and `.float(1)` stay distinct in text.
public indirect enum Attribute: Sendable, Hashable {
  case int(Int)
  case float(Double)
  case bool(Bool)
  case string(String)
  case list([Attribute])
  case dict([String: Attribute])

  /// The value of an `.int`.
  public var intValue: Int? { if case .int(let v) = self { return v } else { return nil } }

  /// The value of a `.float`, or of an `.int` as a number.
  public var floatValue: Double? {
    switch self {
    case .float(let v): return v
    case .int(let v): return Double(v)
    default: return nil
    }
  }

  /// The value of a `.bool`.
  public var boolValue: Bool? { if case .bool(let v) = self { return v } else { return nil } }

  /// The value of a `.string`.
  public var stringValue: String? { if case .string(let v) = self { return v } else { return nil } }

  /// The items of a `.list`.
  public var listValue: [Attribute]? { if case .list(let v) = self { return v } else { return nil } }

  /// The entries of a `.dict`.
  public var dictValue: [String: Attribute]? { if case .dict(let v) = self { return v } else { return nil } }

  /// A list whose items are all ints.
  public var intList: [Int]? {
    guard let items = listValue else { return nil }
    var out: [Int] = []
    for item in items {
      guard let v = item.intValue else { return nil }
      out.append(v)
    }
    return out
  }

  /// A list whose items are all numbers.
  public var floatList: [Double]? {
    guard let items = listValue else { return nil }
    var out: [Double] = []
    for item in items {
      guard let v = item.floatValue else { return nil }
      out.append(v)
    }
    return out
  }

  /// `dict["key"]` of a `.dict`, nil otherwise.
  public subscript(key: String) -> Attribute? { dictValue?[key] }
}

extension Attribute: CustomStringConvertible {
  /// The attribute as the IR prints it.
  public var description: String { IRFormat.attribute(self) }
}

extension Attribute: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral,
  ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
  public init(integerLiteral value: Int) { self = .int(value) }
  public init(floatLiteral value: Double) { self = .float(value) }
  public init(booleanLiteral value: Bool) { self = .bool(value) }
  public init(stringLiteral value: String) { self = .string(value) }
  public init(arrayLiteral elements: Attribute...) { self = .list(elements) }

  /// A dict literal; a repeated key keeps its last value.
  public init(dictionaryLiteral elements: (String, Attribute)...) {
    self = .dict(Dictionary(elements, uniquingKeysWith: { _, last in last }))
  }
}
