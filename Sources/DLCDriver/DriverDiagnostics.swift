/// Every message of the driver, sorted by ID, and the registry of every diagnostic ID
/// dlc can report.
import DLCSema
import DLCSpec
import DLCSyntax
import DLCTraining

/// Every diagnostic ID of the driver, sorted: the module's registry (`allCases`), which
/// the error-case goldens must cover one by one.
public enum DriverDiagnosticID: String, DiagnosticID {
  case modelTooLarge = "driver.modelTooLarge"
  case passFailed = "driver.passFailed"
  case runtimeFailure = "driver.runtimeFailure"
}

extension DiagnosticMessage {
  static func modelTooLarge(_ verb: String, _ need: String, _ source: String, _ limit: String) -> Self {
    .error(DriverDiagnosticID.modelTooLarge, "the model needs \(need) of memory to \(verb), more than \(source) \(limit)")
  }
  static func passFailed(_ pass: String, _ why: String) -> Self { .error(DriverDiagnosticID.passFailed, "pass '\(pass)': \(why)") }
  static func runtimeFailure(_ what: String) -> Self { .error(DriverDiagnosticID.runtimeFailure, what) }
}

extension Driver {
  /// Every diagnostic ID a run of dlc can report, module by module: the YAML layer, the
  /// spec decoder, the type checker, the driver, and the data and persistence layer.
  public static var diagnosticIDs: [String] {
    SyntaxDiagnosticID.allCases.map(\.rawValue) + SpecDiagnosticID.allCases.map(\.rawValue)
      + SemaDiagnosticID.allCases.map(\.rawValue) + DriverDiagnosticID.allCases.map(\.rawValue)
      + DataErrorID.allCases.map(\.rawValue)
  }
}
