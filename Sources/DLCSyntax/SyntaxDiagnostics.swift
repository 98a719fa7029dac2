/// Every message of the YAML layer, sorted by ID. Texts start lowercase, have no trailing
/// period and quote names; the fix, when there is one, goes in a `help:` at the call site.

/// Every diagnostic ID of the YAML layer, sorted: the module's registry (`allCases`), which
/// the error-case goldens must cover one by one.
public enum SyntaxDiagnosticID: String, DiagnosticID {
  case aliasBudget = "yaml.aliasBudget"
  case complexKey = "yaml.complexKey"
  case controlCharacter = "yaml.controlCharacter"
  case duplicateKey = "yaml.duplicateKey"
  case fileTooLarge = "yaml.fileTooLarge"
  case invalidTaggedValue = "yaml.invalidTaggedValue"
  case invalidUTF8 = "yaml.invalidUTF8"
  case mergeKey = "yaml.mergeKey"
  case multipleDocuments = "yaml.multipleDocuments"
  case nestingTooDeep = "yaml.nestingTooDeep"
  case nulByte = "yaml.nulByte"
  case scalarTooLong = "yaml.scalarTooLong"
  case syntax = "yaml.syntax"
  case tagMismatch = "yaml.tagMismatch"
  case tooManyNodes = "yaml.tooManyNodes"
  case undefinedAlias = "yaml.undefinedAlias"
  case unsupportedEncoding = "yaml.unsupportedEncoding"
  case unsupportedTag = "yaml.unsupportedTag"
}

extension DiagnosticMessage {
  static func aliasBudget(_ limit: Int) -> Self {
    .error(SyntaxDiagnosticID.aliasBudget, "alias expansion exceeds \(limit) nodes")
  }
  static func complexKey(_ kind: String) -> Self {
    .error(SyntaxDiagnosticID.complexKey, "a mapping key must be a single value, not \(kind)")
  }
  static func controlCharacter(_ value: UInt32) -> Self {
    .error(SyntaxDiagnosticID.controlCharacter, "the file contains the control character \(codePoint(value))")
  }
  static func duplicateKey(_ key: String) -> Self { .error(SyntaxDiagnosticID.duplicateKey, "duplicate key '\(excerpt(key))'") }
  /// Also the spec loader's, which refuses an oversized file before reading it.
  public static func fileTooLarge(_ size: Int, _ limit: Int) -> Self {
    .error(SyntaxDiagnosticID.fileTooLarge, "the file is \(size) bytes; specs are limited to \(limit) bytes")
  }
  static func invalidTaggedValue(_ tag: String, _ text: String) -> Self {
    .error(SyntaxDiagnosticID.invalidTaggedValue, "value '\(excerpt(text))' does not match its tag '\(tag)'")
  }
  static func invalidUTF8() -> Self { .error(SyntaxDiagnosticID.invalidUTF8, "the file is not valid UTF-8") }
  static func mergeKey() -> Self { .error(SyntaxDiagnosticID.mergeKey, "merge keys ('<<') are not supported") }
  static func multipleDocuments() -> Self {
    .error(SyntaxDiagnosticID.multipleDocuments, "a spec holds one YAML document, found a second")
  }
  static func nestingTooDeep(_ limit: Int) -> Self { .error(SyntaxDiagnosticID.nestingTooDeep, "nesting is deeper than \(limit) levels") }
  static func nulByte() -> Self { .error(SyntaxDiagnosticID.nulByte, "the file contains a NUL byte") }
  static func scalarTooLong(_ size: Int, _ limit: Int) -> Self {
    .error(SyntaxDiagnosticID.scalarTooLong, "a value of \(size) bytes is longer than the limit of \(limit) bytes")
  }
  static func syntax(_ problem: String) -> Self { .error(SyntaxDiagnosticID.syntax, problem) }
  static func tagMismatch(_ tag: String, _ kind: String) -> Self {
    .error(SyntaxDiagnosticID.tagMismatch, "tag '\(tag)' cannot be applied to \(kind)")
  }
  static func tooManyNodes(_ limit: Int) -> Self { .error(SyntaxDiagnosticID.tooManyNodes, "the document has more than \(limit) nodes") }
  static func undefinedAlias(_ name: String) -> Self {
    .error(SyntaxDiagnosticID.undefinedAlias, "alias '*\(excerpt(name))' names no anchor")
  }
  static func unsupportedEncoding(_ name: String) -> Self {
    .error(SyntaxDiagnosticID.unsupportedEncoding, "the file is \(name); only UTF-8 is supported")
  }
  static func unsupportedTag(_ tag: String) -> Self {
    .error(SyntaxDiagnosticID.unsupportedTag, "tag '\(excerpt(tag))' is not part of the YAML core schema")
  }
}

/// `U+0001`: a code point the way Unicode writes it.
private func codePoint(_ value: UInt32) -> String {
  let hex = String(value, radix: 16, uppercase: true)
  return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
}

/// Source text quoted in a message: at most 40 characters, line breaks and control
/// characters escaped, so that a hostile key cannot flood or break the one-line message.
private func excerpt(_ text: String) -> String {
  var out = ""
  for (i, u) in text.unicodeScalars.enumerated() {
    if i == 40 { return out + "…" }
    switch u {
    case "\n": out += "\\n"
    case "\r": out += "\\r"
    case "\t": out += "\\t"
    default: out += u.value < 0x20 || u.value == 0x7F ? "\\u{\(String(u.value, radix: 16))}" : String(u)
    }
  }
  return out
}
