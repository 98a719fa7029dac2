/// Encodes `Encodable` configs as a `ConfigValue`: the inverse of `ConfigDecoder`, so that
/// `decode(encode(x)) == x` for every config (tested over every golden module). dlc's
/// emitter prints the result as a literal into emitted trainers, which decode it as
/// `dlc train` decodes the module's attributes.
public enum ConfigEncoder {
  /// `value` as plain data.
  public static func encode<T: Encodable>(_ value: T) -> ConfigValue {
    let root = Node()
    // The writers below never throw; a config whose `encode(to:)` throws is a bug.
    do { try value.encode(to: Writer(node: root, codingPath: [])) } catch { preconditionFailure("encoding a config failed: \(error)") }
    return root.value
  }

  /// A value under construction; containers nest nodes so that a nested container's
  /// writes land in its parent.
  final class Node {
    enum Content { case empty, scalar(ConfigValue), list([Node]), dict([String: Node]) }
    var content = Content.empty

    var value: ConfigValue {
      switch content {
      case .empty: return .dict([:])
      case .scalar(let v): return v
      case .list(let items): return .list(items.map(\.value))
      case .dict(let d): return .dict(d.mapValues(\.value))
      }
    }

    /// The child at `key`, made a dict entry.
    func child(_ key: String) -> Node {
      var d: [String: Node] = [:]
      if case .dict(let existing) = content { d = existing }
      if let c = d[key] { return c }
      let c = Node()
      d[key] = c
      content = .dict(d)
      return c
    }

    /// A new last list item.
    func append() -> Node {
      var items: [Node] = []
      if case .list(let existing) = content { items = existing }
      let c = Node()
      items.append(c)
      content = .list(items)
      return c
    }
  }

  struct Writer: Encoder {
    let node: Node
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
      if case .empty = node.content { node.content = .dict([:]) }
      return KeyedEncodingContainer(Keyed(node: node, codingPath: codingPath))
    }
    func unkeyedContainer() -> any UnkeyedEncodingContainer {
      if case .empty = node.content { node.content = .list([]) }
      return Unkeyed(node: node, codingPath: codingPath)
    }
    func singleValueContainer() -> any SingleValueEncodingContainer { Single(node: node, codingPath: codingPath) }
  }

  struct Single: SingleValueEncodingContainer {
    let node: Node
    let codingPath: [any CodingKey]

    mutating func encodeNil() {}
    mutating func encode(_ value: Bool) { node.content = .scalar(.bool(value)) }
    mutating func encode(_ value: String) { node.content = .scalar(.string(value)) }
    mutating func encode(_ value: Double) { node.content = .scalar(.float(value)) }
    mutating func encode(_ value: Float) { node.content = .scalar(.float(Double(value))) }
    mutating func encode(_ value: Int) { node.content = .scalar(.int(value)) }
    mutating func encode(_ value: Int8) { encode(Int(value)) }
    mutating func encode(_ value: Int16) { encode(Int(value)) }
    mutating func encode(_ value: Int32) { encode(Int(value)) }
    mutating func encode(_ value: Int64) { encode(Int(value)) }
    mutating func encode(_ value: UInt) { encode(Int(value)) }
    mutating func encode(_ value: UInt8) { encode(Int(value)) }
    mutating func encode(_ value: UInt16) { encode(Int(value)) }
    mutating func encode(_ value: UInt32) { encode(Int(value)) }
    mutating func encode(_ value: UInt64) { encode(Int(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws { try value.encode(to: Writer(node: node, codingPath: codingPath)) }
  }

  struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: Node
    let codingPath: [any CodingKey]

    mutating func encodeNil(forKey key: Key) {}
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
      var single = Single(node: node.child(key.stringValue), codingPath: codingPath + [key])
      try single.encode(value)
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
      Writer(node: node.child(key.stringValue), codingPath: codingPath + [key]).container(keyedBy: keyType)
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
      Writer(node: node.child(key.stringValue), codingPath: codingPath + [key]).unkeyedContainer()
    }
    mutating func superEncoder() -> any Encoder { Writer(node: node, codingPath: codingPath) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { Writer(node: node.child(key.stringValue), codingPath: codingPath + [key]) }
  }

  struct Unkeyed: UnkeyedEncodingContainer {
    let node: Node
    let codingPath: [any CodingKey]
    var count: Int {
      if case .list(let items) = node.content { return items.count }
      return 0
    }

    mutating func encodeNil() {}
    mutating func encode<T: Encodable>(_ value: T) throws {
      let key = IndexKey(intValue: count)
      var single = Single(node: node.append(), codingPath: codingPath + [key])
      try single.encode(value)
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
      Writer(node: node.append(), codingPath: codingPath + [IndexKey(intValue: count)]).container(keyedBy: keyType)
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
      Writer(node: node.append(), codingPath: codingPath + [IndexKey(intValue: count)]).unkeyedContainer()
    }
    mutating func superEncoder() -> any Encoder { Writer(node: node.append(), codingPath: codingPath + [IndexKey(intValue: count)]) }
  }
}
