/// The driver: runs the pipeline's stages for one invocation of `dlc`.
///
/// In: a command (check, compile) and its options. Out: a `DriverResult` with the exit
/// status and what goes to standard output and standard error. Nothing here prints or
/// exits, so every command is testable in-process; the `dlc` executable only parses
/// arguments and forwards.
import DLCIR
import DLCPasses
import DLCSema
import DLCSpec
import DLCSyntax
import Foundation

/// What one invocation produced.
public struct DriverResult: Sendable {
  public var status: Int32
  public var stdout: String
  public var stderr: String
  /// The diagnostics rendered into `stderr`, as values (their IDs, for tests and tools).
  public var diagnostics: [Diagnostic]

  public init(status: Int32 = 0, stdout: String = "", stderr: String = "", diagnostics: [Diagnostic] = []) {
    self.status = status
    self.stdout = stdout
    self.stderr = stderr
    self.diagnostics = diagnostics
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
  /// The most bytes a run may plan to use (`--max-memory`); the machine's available
  /// memory limits it in any case (see `MemoryBudget`).
  public var maxMemory: Int?

  public init(path: String, diagnostics: DiagnosticsFormat = .text, color: Bool = false, maxMemory: Int? = nil) {
    self.path = path
    self.diagnostics = diagnostics
    self.color = color
    self.maxMemory = maxMemory
  }
}

/// Stages a `dlc compile --emit` can print.
public enum EmitStage: String, Sendable, CaseIterable {
  case ast, ir
  /// The IR after `autodiff`: `@train_step` and the optimizer state beside the model.
  case trainIR = "train-ir"
  /// The deployed model's IR after the spec's `optimize:` passes (or `--passes`).
  case optIR = "opt-ir"
}

/// Which passes' output IR a command prints (to standard output, before its result):
/// `--print-ir-after-all`, `--print-ir-after=<pass>`.
public struct IRDumps: Sendable, Equatable {
  /// After every pass.
  public var all: Bool
  /// After the passes of these names (kebab-case, `PassPipeline.pass(named:)`).
  public var after: Set<String>

  public init(all: Bool = false, after: Set<String> = []) {
    self.all = all
    self.after = after
  }

  /// The names in `after` that no pass has, sorted.
  public var unknownPasses: [String] { after.filter { PassPipeline.pass(named: $0) == nil }.sorted() }

  /// Every pass name `after` may hold.
  public static var passNames: [String] { PassPipeline.all.map(\.name) }
}

/// How `dlc compile` runs and shows passes.
public struct PassOptions: Sendable {
  /// Pass names replacing the spec's `optimize:` list.
  public var passes: [String]?
  /// Which passes' IR to print.
  public var dumps: IRDumps
  /// Print what each pass did and skipped (to standard error).
  public var statistics: Bool

  public init(passes: [String]? = nil, dumps: IRDumps = IRDumps(), statistics: Bool = false) {
    self.passes = passes
    self.dumps = dumps
    self.statistics = statistics
  }
}

/// Exit statuses: 0 clean, 1 errors in the spec or its data, 2 an internal error of dlc.
public enum ExitStatus {
  public static let ok: Int32 = 0
  public static let specError: Int32 = 1
  public static let internalError: Int32 = 2
}

public enum Driver {
  /// `dlc check`: diagnostics, or on success the model summary.
  public static func check(_ options: SpecOptions) -> DriverResult {
    let diags = DiagnosticEngine()
    let front = frontEnd(options.path, diags)
    var result = DriverResult()
    if let (spec, module) = front, let module, let training = trainingModule(module, spec, diags) {
      // The plans are made once: the memory check and the summary both report them.
      let batch = module.attributes["train"]?["batch_size"]?.intValue ?? 1
      let plans = MemoryBudget.plans(training, batch: batch)
      guard MemoryBudget.check(training, spec: spec, maxMemory: options.maxMemory, training: true, plans: plans, diags) else {
        return finish(result, diags, options)
      }
      var optimized: Module?
      if !OptimizePipeline.entries(of: module).filter({ !$0.runsAtTraining }).isEmpty {
        guard let (m, _) = optimizedModule(module, spec: spec, diags) else { return finish(result, diags, options) }
        optimized = m
      }
      result.stdout = Summary.render(module, training: training, optimized: optimized, trainingPlans: plans)
    }
    return finish(result, diags, options)
  }

  /// `dlc compile --emit STAGE`: prints that stage of the pipeline.
  public static func compile(_ options: SpecOptions, emit: EmitStage, passOptions: PassOptions = PassOptions()) -> DriverResult {
    let diags = DiagnosticEngine()
    var result = DriverResult()
    var dumps = ""
    let sink: (String) -> Void = { dumps += $0 }
    switch emit {
    case .ast:
      if let (spec, _) = SpecLoader.load(options.path, diagnostics: diags), !diags.hasErrors {
        result.stdout = SpecPrinter.print(spec)
      }
    case .ir:
      if let (_, module) = frontEnd(options.path, diags), let module {
        result.stdout = printModule(module)
      }
    case .trainIR:
      if let (spec, module) = frontEnd(options.path, diags), let module,
         let trained = trainingModule(module, spec, diags, dumps: passOptions.dumps, sink: sink) {
        result.stdout = dumps + printModule(trained)
      }
    case .optIR:
      if let (spec, module) = frontEnd(options.path, diags), let module,
         let (optimized, remarks) = optimizedModule(module, spec: spec, override: passOptions.passes,
                                                    dumps: passOptions.dumps, sink: sink, diags) {
        result.stdout = dumps + printModule(optimized)
        if passOptions.statistics { result.stderr = remarkLines(remarks) }
      }
    }
    let rendered = finish(result, diags, options)
    result.stderr += rendered.stderr
    result.status = rendered.status
    result.diagnostics = rendered.diagnostics
    if rendered.status != 0 { result.stdout = "" }
    return result
  }

  /// The diagnostics `dlc check` reports for a spec, as values (for tests and tools).
  public static func diagnostics(forSpecAt path: String) -> [Diagnostic] {
    let diags = DiagnosticEngine()
    // As `check`: a spec that checks must also give a training step (and pass the
    // training-time passes, which report at the op's place).
    if let (spec, module) = frontEnd(path, diags), let module { _ = trainingModule(module, spec, diags) }
    return diags.sorted
  }

  /// The checked IR of a spec, or nil with its diagnostics.
  public static func module(forSpecAt path: String) -> (Module?, [Diagnostic]) {
    let diags = DiagnosticEngine()
    let module = frontEnd(path, diags)?.1
    return (diags.hasErrors ? nil : module, diags.sorted)
  }

  /// Load, decode, check and verify. The module is nil when the spec has errors.
  static func frontEnd(_ path: String, _ diags: DiagnosticEngine) -> (Spec, Module?)? {
    guard let (spec, _) = SpecLoader.load(path, diagnostics: diags) else { return nil }
    let module = Sema.check(spec, diagnostics: diags)
    if let module {
      let problems = verify(module)
      if !problems.isEmpty {
        // A checked spec that lowers to invalid IR is a bug in dlc, not in the spec.
        diags.emit(Diagnostic(.internalError("the IR failed verification: " + problems.map { "\($0)" }.joined(separator: "; ")), at: nil, path: path))
        return (spec, nil)
      }
    }
    return (spec, module)
  }

  /// The module as training runs it, verified: the spec's training-time passes
  /// (`precompute_frozen`) then `autodiff`; nil with a diagnostic when one fails, at the
  /// op's place in the spec (or in the base spec it came from) when the pass names one.
  static func trainingModule(
    _ module: Module, _ spec: Spec, _ diags: DiagnosticEngine, dumps: IRDumps = IRDumps(),
    sink: @escaping (String) -> Void = { _ in }
  ) -> Module? {
    let path = spec.file.path
    do {
      let passes = try PassPipeline.training(OptimizePipeline.entries(of: module))
      var manager = PassManager(passes: passes, printAfterAll: dumps.all, printAfter: dumps.after, sink: sink)
      manager.verifyInput = false  // the front end verified `module` already
      return try manager.running(module)
    } catch let error as PassManagerError {
      let message: DiagnosticMessage
      switch error {
      case .passFailed(let pass, let why as PassError) where pass != Autodiff().name:
        diags.emit(Diagnostic(.passFailed(pass, why.message), at: passErrorRange(why.location, spec: spec))
          .help(why.help))
        return nil
      case .passFailed(_, let why): message = .internalError("cannot derive the training step: \(why)")
      default: message = .internalError("the IR failed verification: \(error)")
      }
      diags.emit(Diagnostic(message, at: nil, path: path))
    } catch {
      diags.emit(Diagnostic(.passFailed("optimize", "\(error)"), at: nil, path: path))
    }
    return nil
  }

  /// The word at a pass error's IR location: in the spec, or in another spec file it
  /// names (a base model's layer); nil when neither can be read.
  static func passErrorRange(_ location: IRLocation?, spec: Spec) -> SourceRange? {
    guard let location else { return nil }
    if location.file == spec.file.path { return sourceRange(location, in: spec.file) }
    guard let bytes = FileManager.default.contents(atPath: location.file) else { return nil }
    return sourceRange(location, in: SourceFile(path: location.file, bytes: [UInt8](bytes)))
  }

  /// Renders diagnostics to stderr and sets the exit status.
  static func finish(_ result: DriverResult, _ diags: DiagnosticEngine, _ options: SpecOptions) -> DriverResult {
    var result = result
    let sorted = diags.sorted
    result.diagnostics = sorted
    switch options.diagnostics {
    case .text: result.stderr = DiagnosticRenderer(color: options.color).render(sorted)
    case .json: result.stderr = DiagnosticJSON.render(sorted)
    }
    if diags.hasErrors {
      result.stdout = ""
      let isInternal = sorted.contains { $0.id == DiagnosticMessage.internalErrorID }
      result.status = isInternal ? ExitStatus.internalError : ExitStatus.specError
    }
    return result
  }
}
