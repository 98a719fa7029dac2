/// Every message of the YAML layer, sorted by ID.

extension DiagnosticMessage {
  static func aliasBudget(_ limit: Int) -> Self {
    .error("yaml.aliasBudget", "alias expansion exceeds \(limit) nodes")
  }
  static func complexKey() -> Self { .error("yaml.complexKey", "mapping keys must be plain strings") }
  static func duplicateKey(_ key: String) -> Self { .error("yaml.duplicateKey", "duplicate key '\(key)'") }
  static func fileTooLarge(_ size: Int, _ limit: Int) -> Self {
    .error("yaml.fileTooLarge", "the file is \(size) bytes; specs are limited to \(limit) bytes")
  }
  static func invalidTaggedValue(_ tag: String, _ text: String) -> Self {
    .error("yaml.invalidTaggedValue", "'\(text)' is not a valid \(tag)")
  }
  static func invalidUTF8() -> Self { .error("yaml.invalidUTF8", "the file is not valid UTF-8") }
  static func mergeKey() -> Self { .error("yaml.mergeKey", "merge keys ('<<') are not supported") }
  static func multipleDocuments() -> Self { .error("yaml.multipleDocuments", "a spec holds one YAML document, found a second") }
  static func nestingTooDeep(_ limit: Int) -> Self { .error("yaml.nestingTooDeep", "nesting is deeper than \(limit) levels") }
  static func nulByte() -> Self { .error("yaml.nulByte", "the file contains a NUL byte") }
  static func scalarTooLong(_ size: Int, _ limit: Int) -> Self {
    .error("yaml.scalarTooLong", "a value of \(size) bytes is longer than the limit of \(limit)")
  }
  static func syntax(_ problem: String) -> Self { .error("yaml.syntax", problem) }
  static func tooManyNodes(_ limit: Int) -> Self { .error("yaml.tooManyNodes", "the document has more than \(limit) nodes") }
  static func undefinedAlias(_ name: String) -> Self { .error("yaml.undefinedAlias", "alias '*\(name)' names no anchor") }
  static func unsupportedEncoding(_ name: String) -> Self {
    .error("yaml.unsupportedEncoding", "the file is \(name); only UTF-8 is supported")
  }
  static func unsupportedTag(_ tag: String) -> Self {
    .error("yaml.unsupportedTag", "tag '\(tag)' is not part of the YAML core schema")
  }
}
