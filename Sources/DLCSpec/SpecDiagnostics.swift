/// Every message of the spec decoder, sorted by ID. Messages start lowercase, have no
/// trailing period and quote names in single quotes; fixes go in `help:`.
import DLCSyntax

/// Every diagnostic ID of the spec decoder, sorted: the module's registry (`allCases`), which
/// the error-case goldens must cover one by one.
public enum SpecDiagnosticID: String, DiagnosticID {
  case duplicateParameter = "spec.duplicateParameter"
  case emptyDocument = "spec.emptyDocument"
  case expectedEntry = "spec.expectedEntry"
  case expectedLayer = "spec.expectedLayer"
  case expectedMapping = "spec.expectedMapping"
  case expectedType = "spec.expectedType"
  case expressionArity = "spec.expressionArity"
  case expressionComparison = "spec.expressionComparison"
  case expressionExponent = "spec.expressionExponent"
  case expressionNotFinite = "spec.expressionNotFinite"
  case expressionSyntax = "spec.expressionSyntax"
  case expressionTooComplex = "spec.expressionTooComplex"
  case expressionUnknownFunction = "spec.expressionUnknownFunction"
  case expressionUnknownName = "spec.expressionUnknownName"
  case expressionWithoutX = "spec.expressionWithoutX"
  case fileUnreadable = "spec.fileUnreadable"
  case invalidName = "spec.invalidName"
  case missingKey = "spec.missingKey"
  case missingParameter = "spec.missingParameter"
  case noPrimaryParameter = "spec.noPrimaryParameter"
  case nonFiniteNumber = "spec.nonFiniteNumber"
  case notSupportedYet = "spec.notSupportedYet"
  case notSupportedYetKey = "spec.notSupportedYetKey"
  case outOfRange = "spec.outOfRange"
  case tooFewItems = "spec.tooFewItems"
  case unknownChoice = "spec.unknownChoice"
  case unknownEntry = "spec.unknownEntry"
  case unknownKey = "spec.unknownKey"
  case unknownParameter = "spec.unknownParameter"
  case unsupportedVersion = "spec.unsupportedVersion"
}

extension DiagnosticMessage {
  static func duplicateParameter(_ name: String) -> Self {
    .error(SpecDiagnosticID.duplicateParameter, "parameter '\(name)' is set twice")
  }
  static func emptyDocument() -> Self { .error(SpecDiagnosticID.emptyDocument, "the spec is empty") }
  static func expectedEntry(_ kind: EntryKind, found: String) -> Self {
    .error(SpecDiagnosticID.expectedEntry, "expected \(kind.nounWithArticle), found \(found)")
  }
  static func expectedLayer(found: String) -> Self {
    .error(SpecDiagnosticID.expectedLayer, "expected a layer, found \(found)")
  }
  static func expectedMapping(_ what: String, found: String) -> Self {
    .error(SpecDiagnosticID.expectedMapping, "expected a mapping for \(what), found \(found)")
  }
  static func expectedType(_ type: String, found: String) -> Self {
    .error(SpecDiagnosticID.expectedType, "expected \(type), found \(found)")
  }
  static func expressionArity(_ function: String, _ expected: Int, found: Int) -> Self {
    .error(SpecDiagnosticID.expressionArity, "'\(function)' takes \(expected) argument\(expected == 1 ? "" : "s"), found \(found)")
  }
  static func expressionComparison(_ why: String) -> Self { .error(SpecDiagnosticID.expressionComparison, why) }
  static func expressionExponent() -> Self {
    .error(SpecDiagnosticID.expressionExponent, "the exponent of '^' must be a constant")
  }
  static func expressionNotFinite(_ why: String) -> Self { .error(SpecDiagnosticID.expressionNotFinite, why) }
  static func expressionSyntax(expected: String, found: String) -> Self {
    .error(SpecDiagnosticID.expressionSyntax, "expected \(expected), found \(found)")
  }
  static func expressionTooComplex(_ why: String) -> Self {
    .error(SpecDiagnosticID.expressionTooComplex, "the expression is too complex: \(why)")
  }
  static func expressionUnknownFunction(_ name: String) -> Self {
    .error(SpecDiagnosticID.expressionUnknownFunction, "unknown function '\(name)'")
  }
  static func expressionUnknownName(_ name: String) -> Self {
    .error(SpecDiagnosticID.expressionUnknownName, "unknown name '\(name)' in the expression")
  }
  static func expressionWithoutX() -> Self {
    .error(SpecDiagnosticID.expressionWithoutX, "the expression does not depend on 'x'")
  }
  static func fileUnreadable(_ path: String, _ why: String) -> Self {
    .error(SpecDiagnosticID.fileUnreadable, "cannot read '\(path)': \(why)")
  }
  static func invalidName(_ name: String) -> Self {
    .error(SpecDiagnosticID.invalidName, "'\(name)' is not a valid name")
  }
  static func missingKey(_ key: String, in section: String) -> Self {
    .error(SpecDiagnosticID.missingKey, "missing key '\(key)' in \(section)")
  }
  static func missingParameter(_ name: String, of entry: String) -> Self {
    .error(SpecDiagnosticID.missingParameter, "\(entry) needs parameter '\(name)'")
  }
  static func noPrimaryParameter(_ kind: EntryKind, _ name: String) -> Self {
    .error(SpecDiagnosticID.noPrimaryParameter, "\(kind.noun) '\(name)' takes no single value")
  }
  static func nonFiniteNumber(_ text: String) -> Self {
    .error(SpecDiagnosticID.nonFiniteNumber, "'\(text)' is not a finite number")
  }
  static func notSupportedYet(_ kind: EntryKind, _ name: String) -> Self {
    .error(SpecDiagnosticID.notSupportedYet, "\(kind.noun) '\(name)' is not supported yet")
  }
  static func notSupportedYetKey(_ key: String) -> Self {
    .error(SpecDiagnosticID.notSupportedYetKey, "key '\(key)' is not supported yet")
  }
  static func outOfRange(_ name: String, _ value: String, _ bounds: String) -> Self {
    .error(SpecDiagnosticID.outOfRange, "'\(name)' must be \(bounds), found \(value)")
  }
  static func tooFewItems(_ name: String, _ count: Int, found: Int) -> Self {
    .error(SpecDiagnosticID.tooFewItems, "'\(name)' needs at least \(count) items, found \(found)")
  }
  static func unknownChoice(_ name: String, _ value: String) -> Self {
    .error(SpecDiagnosticID.unknownChoice, "'\(value)' is not a valid value for '\(name)'")
  }
  static func unknownEntry(_ kind: EntryKind, _ name: String) -> Self {
    .error(SpecDiagnosticID.unknownEntry, "unknown \(kind.noun) '\(name)'")
  }
  static func unknownKey(_ key: String, in section: String) -> Self {
    .error(SpecDiagnosticID.unknownKey, "unknown key '\(key)' in \(section)")
  }
  static func unknownParameter(_ name: String, of entry: String) -> Self {
    .error(SpecDiagnosticID.unknownParameter, "\(entry) has no parameter '\(name)'")
  }
  static func unsupportedVersion(_ v: String) -> Self {
    .error(SpecDiagnosticID.unsupportedVersion, "unsupported spec language version \(v)")
  }
}
