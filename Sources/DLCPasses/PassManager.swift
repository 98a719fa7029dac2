/// The pass manager: runs passes in order, verifies the IR after each, and dumps the IR
/// after the passes asked for (MLIR's `--print-ir-after-all`).
import DLCIR

/// Why a pipeline stopped.
public enum PassManagerError: Error, CustomStringConvertible {
  /// The module was invalid before the first pass ran.
  case invalidInput([VerifierError])
  /// A pass left the module invalid.
  case verifierFailed(pass: String, errors: [VerifierError])
  /// A pass threw.
  case passFailed(pass: String, error: any Error)

  /// The pass that failed, or nil for invalid input.
  public var pass: String? {
    switch self {
    case .invalidInput: return nil
    case .verifierFailed(let pass, _), .passFailed(let pass, _): return pass
    }
  }

  public var description: String {
    switch self {
    case .invalidInput(let errors):
      return "the IR is invalid before any pass ran:" + Self.list(errors)
    case .verifierFailed(let pass, let errors):
      return "pass '\(pass)' produced invalid IR:" + Self.list(errors)
    case .passFailed(let pass, let error):
      return "pass '\(pass)' failed: \(error)"
    }
  }

  private static func list(_ errors: [VerifierError]) -> String {
    errors.map { "\n  " + $0.description }.joined()
  }
}

/// Runs a list of passes over a module.
public struct PassManager {
  public var passes: [any Pass]
  /// Run the verifier on the input and after every pass.
  public var verifyEach: Bool
  /// Also verify the input (with `verifyEach`); a caller that has just verified the
  /// module turns this off rather than pay for it twice.
  public var verifyInput: Bool
  /// Dump the IR after every pass.
  public var printAfterAll: Bool
  /// Dump the IR after the passes with these names.
  public var printAfter: Set<String>
  /// Receives each dump: a banner line and the printed module.
  public var sink: (String) -> Void
  /// Weights and services for `ModelPass`es, which also log their remarks here.
  public var context: PassContext

  public init(
    passes: [any Pass], verifyEach: Bool = true, printAfterAll: Bool = false, printAfter: Set<String> = [],
    sink: @escaping (String) -> Void = { print($0, terminator: "") }, context: PassContext = PassContext()
  ) {
    self.context = context
    self.passes = passes
    self.verifyEach = verifyEach
    self.verifyInput = true
    self.printAfterAll = printAfterAll
    self.printAfter = printAfter
    self.sink = sink
  }

  /// The banner before a dump: `// -----// IR after <name> //----- //`.
  public static func banner(after pass: String) -> String { "// -----// IR after \(pass) //----- //\n" }

  /// Runs every pass in order; stops at the first failure, leaving `module` as the failing
  /// pass left it (so it can be printed for debugging).
  public func run(on module: inout Module) throws(PassManagerError) {
    if verifyEach, verifyInput {
      let errors = verify(module)
      guard errors.isEmpty else { throw .invalidInput(errors) }
    }
    for pass in passes {
      do {
        if let pass = pass as? any ModelPass {
          try pass.run(on: &module, context: context)
        } else {
          try pass.run(on: &module)
        }
      } catch {
        throw .passFailed(pass: pass.name, error: error)
      }
      if printAfterAll || printAfter.contains(pass.name) {
        sink(Self.banner(after: pass.name) + printModule(module))
      }
      if verifyEach {
        let errors = verify(module)
        guard errors.isEmpty else { throw .verifierFailed(pass: pass.name, errors: errors) }
      }
    }
  }

  /// Runs the passes over a copy of `module` and returns the result.
  public func running(_ module: Module) throws(PassManagerError) -> Module {
    var m = module
    try run(on: &m)
    return m
  }
}
