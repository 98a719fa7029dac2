/// Every message of the spec decoder, sorted by ID. Messages start lowercase, have no
/// trailing period and quote names in single quotes; fixes go in `help:`.
import DLCSyntax

extension DiagnosticMessage {
  static func duplicateParameter(_ name: String) -> Self {
    .error("spec.duplicateParameter", "parameter '\(name)' is set twice")
  }
  static func emptyDocument() -> Self { .error("spec.emptyDocument", "the spec is empty") }
  static func expectedEntry(_ kind: EntryKind, found: String) -> Self {
    .error("spec.expectedEntry", "expected a \(kind.noun), found \(found)")
  }
  static func expectedLayer(found: String) -> Self {
    .error("spec.expectedLayer", "expected a layer, found \(found)")
  }
  static func expectedMapping(_ what: String, found: String) -> Self {
    .error("spec.expectedMapping", "expected a mapping for \(what), found \(found)")
  }
  static func expectedType(_ type: String, found: String) -> Self {
    .error("spec.expectedType", "expected \(type), found \(found)")
  }
  static func fileUnreadable(_ path: String, _ why: String) -> Self {
    .error("spec.fileUnreadable", "cannot read '\(path)': \(why)")
  }
  static func invalidName(_ name: String) -> Self {
    .error("spec.invalidName", "'\(name)' is not a valid name")
  }
  static func missingKey(_ key: String, in section: String) -> Self {
    .error("spec.missingKey", "missing key '\(key)' in \(section)")
  }
  static func missingParameter(_ name: String, of entry: String) -> Self {
    .error("spec.missingParameter", "\(entry) needs parameter '\(name)'")
  }
  static func noPrimaryParameter(_ kind: EntryKind, _ name: String) -> Self {
    .error("spec.noPrimaryParameter", "\(kind.noun) '\(name)' takes no single value")
  }
  static func nonFiniteNumber(_ text: String) -> Self {
    .error("spec.nonFiniteNumber", "'\(text)' is not a finite number")
  }
  static func notSupportedYet(_ kind: EntryKind, _ name: String) -> Self {
    .error("spec.notSupportedYet", "\(kind.noun) '\(name)' is not supported yet")
  }
  static func notSupportedYetKey(_ key: String) -> Self {
    .error("spec.notSupportedYetKey", "key '\(key)' is not supported yet")
  }
  static func outOfRange(_ name: String, _ value: String, _ bounds: String) -> Self {
    .error("spec.outOfRange", "'\(name)' must be \(bounds), found \(value)")
  }
  static func tooFewItems(_ name: String, _ count: Int, found: Int) -> Self {
    .error("spec.tooFewItems", "'\(name)' needs at least \(count) items, found \(found)")
  }
  static func unknownChoice(_ name: String, _ value: String) -> Self {
    .error("spec.unknownChoice", "'\(value)' is not a valid value for '\(name)'")
  }
  static func unknownEntry(_ kind: EntryKind, _ name: String) -> Self {
    .error("spec.unknownEntry", "unknown \(kind.noun) '\(name)'")
  }
  static func unknownKey(_ key: String, in section: String) -> Self {
    .error("spec.unknownKey", "unknown key '\(key)' in \(section)")
  }
  static func unknownParameter(_ name: String, of entry: String) -> Self {
    .error("spec.unknownParameter", "\(entry) has no parameter '\(name)'")
  }
  static func unsupportedVersion(_ v: String) -> Self {
    .error("spec.unsupportedVersion", "unsupported spec language version \(v)")
  }
}
