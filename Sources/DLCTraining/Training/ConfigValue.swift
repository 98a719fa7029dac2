/// The run configuration as plain data, and the one coder between it and the typed configs.
///
/// In: the module attributes Sema writes (`seed`, `data`, `train`; every default spelled
/// out from the catalog), converted one to one from IR attributes by the runtime, or a
/// literal compiled into an emitted trainer. Out: `TrainConfig`, `DataConfig` and their
/// parts, through their `Codable` conformances and `ConfigDecoder` / `ConfigEncoder`.
/// Neither side has a per-optimizer or per-schedule decoder or printer: a new entry is a
/// `Codable` type (or none, when the runtime does not read it), never a new reader.

/// A configuration value: the shapes an IR attribute can take, without the IR.
public indirect enum ConfigValue: Sendable, Hashable {
  case int(Int)
  case float(Double)
  case bool(Bool)
  case string(String)
  case list([ConfigValue])
  case dict([String: ConfigValue])

  /// Entry `key` of a dict, nil otherwise.
  public subscript(key: String) -> ConfigValue? {
    if case .dict(let d) = self { return d[key] }
    return nil
  }

  /// How messages name the value's type.
  var typeName: String {
    switch self {
    case .int: return "an integer"
    case .float: return "a number"
    case .bool: return "a boolean"
    case .string: return "a string"
    case .list: return "a list"
    case .dict: return "a dict"
    }
  }
}

/// The dotted path of a coding path: `train.metrics[1]`.
func configPath(_ codingPath: [any CodingKey], appending key: (any CodingKey)? = nil) -> String {
  var out = ""
  for k in codingPath + (key.map { [$0] } ?? []) {
    if let i = k.intValue { out += "[\(i)]" } else { out += (out.isEmpty ? "" : ".") + k.stringValue }
  }
  return out
}

/// A list index as a coding key.
struct IndexKey: CodingKey {
  let intValue: Int?
  var stringValue: String { "\(intValue ?? 0)" }
  init(intValue: Int) { self.intValue = intValue }
  init?(stringValue: String) { nil }
}

/// A dict key as a coding key (for dictionaries of configs).
struct NameKey: CodingKey {
  let stringValue: String
  var intValue: Int? { nil }
  init(stringValue: String) { self.stringValue = stringValue }
  init?(intValue: Int) { nil }
}
