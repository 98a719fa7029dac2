/// The driver: runs the pipeline's stages for one invocation of `dlc`.
///
/// In: a command (check, compile) and its options. Out: a `DriverResult` with the exit
/// status and what goes to standard output and standard error. Nothing here prints or
/// exits, so every command is testable in-process; the `dlc` executable only parses
/// arguments and forwards.
import DLCSyntax

/// What one invocation produced.
public struct DriverResult: Sendable {
  public var status: Int32
  public var stdout: String
  public var stderr: String

  public init(status: Int32 = 0, stdout: String = "", stderr: String = "") {
    self.status = status
    self.stdout = stdout
    self.stderr = stderr
  }
}

/// How diagnostics are rendered.
public enum DiagnosticsFormat: String, Sendable, CaseIterable {
  case text, json
}

/// Options shared by every command that reads a spec.
public struct SpecOptions: Sendable {
  public var path: String
  public var diagnostics: DiagnosticsFormat
  public var color: Bool

  public init(path: String, diagnostics: DiagnosticsFormat = .text, color: Bool = false) {
    self.path = path
    self.diagnostics = diagnostics
    self.color = color
  }
}

/// Stages a `dlc compile --emit` can print.
public enum EmitStage: String, Sendable, CaseIterable {
  case ast, ir
}

public enum Driver {
  /// `dlc check`: diagnostics, or on success the model summary. Exit 0 clean, 1 on errors.
  public static func check(_ options: SpecOptions) -> DriverResult {
    DriverResult(status: 2, stderr: "not yet implemented\n")
  }

  /// `dlc compile --emit STAGE`: prints that stage of the pipeline.
  public static func compile(_ options: SpecOptions, emit: EmitStage) -> DriverResult {
    DriverResult(status: 2, stderr: "not yet implemented\n")
  }
}
