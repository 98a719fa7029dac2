/// Decodes `Decodable` configs from a `ConfigValue`. A missing entry or one of the wrong
/// type is a `TrainConfigError` naming its dotted path (`'train.epochs' is missing or not
/// an integer`); integers widen to numbers, nothing else converts.
public enum ConfigDecoder {
  /// `T` from `value`; `path` names `value` in messages (`data`), none for the root.
  public static func decode<T: Decodable>(_ type: T.Type, from value: ConfigValue, at path: String? = nil) throws(TrainConfigError) -> T {
    do {
      return try T(from: Reader(value: value, codingPath: path.map { [NameKey(stringValue: $0)] } ?? []))
    } catch let error as TrainConfigError {
      throw error
    } catch let DecodingError.dataCorrupted(context) {
      throw .invalid(configPath(context.codingPath), "not a known value", context.debugDescription)
    } catch {
      throw TrainConfigError("\(error)")
    }
  }

  /// The `Decoder` over one value.
  struct Reader: Decoder {
    let value: ConfigValue
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
      guard case .dict(let d) = value else { throw TrainConfigError.missing(configPath(codingPath), "a dict") }
      return KeyedDecodingContainer(Keyed(dict: d, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
      guard case .list(let items) = value else { throw TrainConfigError.missing(configPath(codingPath), "a list") }
      return Unkeyed(items: items, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { Single(value: value, codingPath: codingPath) }
  }

  /// Scalars: the one place where values are checked against the type asked for.
  struct Single: SingleValueDecodingContainer {
    let value: ConfigValue
    let codingPath: [any CodingKey]

    private func mismatch(_ expected: String) -> TrainConfigError { .missing(configPath(codingPath), expected) }

    func decodeNil() -> Bool { false }
    func decode(_ type: Bool.Type) throws -> Bool {
      guard case .bool(let b) = value else { throw mismatch("a boolean") }
      return b
    }
    func decode(_ type: String.Type) throws -> String {
      guard case .string(let s) = value else { throw mismatch("a string") }
      return s
    }
    func decode(_ type: Double.Type) throws -> Double {
      switch value {
      case .float(let f): return f
      case .int(let i): return Double(i)
      default: throw mismatch("a number")
      }
    }
    func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }
    func decode(_ type: Int.Type) throws -> Int {
      guard case .int(let i) = value else { throw mismatch("an integer") }
      return i
    }
    func decode<T: FixedWidthInteger & Decodable>(integer type: T.Type) throws -> T {
      guard let v = T(exactly: try decode(Int.self)) else {
        throw TrainConfigError.invalid(configPath(codingPath), "\(value)", "an integer in \(T.min)...\(T.max)")
      }
      return v
    }
    func decode(_ type: Int8.Type) throws -> Int8 { try decode(integer: type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try decode(integer: type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try decode(integer: type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try decode(integer: type) }
    func decode(_ type: UInt.Type) throws -> UInt { try decode(integer: type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try decode(integer: type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try decode(integer: type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try decode(integer: type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try decode(integer: type) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try T(from: Reader(value: value, codingPath: codingPath)) }
  }

  /// A dict's entries by key; absent keys are errors unless decoded with `IfPresent`.
  struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let dict: [String: ConfigValue]
    let codingPath: [any CodingKey]
    var allKeys: [Key] { dict.keys.sorted().compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { dict[key.stringValue] != nil }

    private func reader(_ key: Key, _ expected: String) throws -> Reader {
      guard let v = dict[key.stringValue] else { throw TrainConfigError.missing(configPath(codingPath, appending: key), expected) }
      return Reader(value: v, codingPath: codingPath + [key])
    }

    func decodeNil(forKey key: Key) throws -> Bool { dict[key.stringValue] == nil }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
      let r = try reader(key, Self.expected(type))
      return try Single(value: r.value, codingPath: r.codingPath).decode(type)
    }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try decodeScalar(type, key) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try decodeScalar(type, key) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try decodeScalar(type, key) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try decodeScalar(type, key) }

    private func decodeScalar<T: Decodable>(_ type: T.Type, _ key: Key) throws -> T {
      guard let v = dict[key.stringValue] else { throw TrainConfigError.missing(configPath(codingPath, appending: key), Self.expected(type)) }
      return try Single(value: v, codingPath: codingPath + [key]).decode(type)
    }

    /// How a missing entry of type `T` is described.
    static func expected<T>(_ type: T.Type) -> String {
      switch type {
      case is Bool.Type: return "a boolean"
      case is String.Type: return "a string"
      case is Double.Type, is Float.Type: return "a number"
      case is Int.Type, is UInt64.Type, is Int64.Type, is Int32.Type: return "an integer"
      case is any Collection.Type: return "a list"
      default: return "a dict"
      }
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
      try reader(key, "a dict").container(keyedBy: type)
    }
    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer { try reader(key, "a list").unkeyedContainer() }
    func superDecoder() throws -> any Decoder { Reader(value: .dict(dict), codingPath: codingPath) }
    func superDecoder(forKey key: Key) throws -> any Decoder { try reader(key, "given") }
  }

  /// A list's items in order.
  struct Unkeyed: UnkeyedDecodingContainer {
    let items: [ConfigValue]
    let codingPath: [any CodingKey]
    var currentIndex = 0
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    private mutating func next() throws -> Reader {
      guard !isAtEnd else { throw TrainConfigError.missing(configPath(codingPath, appending: IndexKey(intValue: currentIndex)), "given") }
      defer { currentIndex += 1 }
      return Reader(value: items[currentIndex], codingPath: codingPath + [IndexKey(intValue: currentIndex)])
    }

    mutating func decodeNil() throws -> Bool { false }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
      let r = try next()
      return try Single(value: r.value, codingPath: r.codingPath).decode(type)
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
      try next().container(keyedBy: type)
    }
    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next().unkeyedContainer() }
    mutating func superDecoder() throws -> any Decoder { try next() }
  }
}
