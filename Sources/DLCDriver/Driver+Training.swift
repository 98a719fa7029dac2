/// `dlc train`, `dlc eval`, `dlc predict`: the front end, `autodiff`, then the runtime.
import DLCIR
import DLCKernels
import DLCPasses
import DLCRuntime
import DLCSyntax
import DLCTraining
import Foundation

/// Options of `dlc train`.
public struct TrainOptions: Sendable {
  public var spec: SpecOptions
  public var epochs: Int?
  public var seed: UInt64?
  /// Where run folders go (`<out>/<name>/`).
  public var outputDirectory: String
  public var resume: Bool
  /// Replace an earlier run in the run folder (a fresh run refuses one otherwise).
  public var overwrite: Bool
  /// Whether standard output is a terminal (a live progress line).
  public var interactive: Bool

  public init(spec: SpecOptions, epochs: Int? = nil, seed: UInt64? = nil, outputDirectory: String = "runs",
              resume: Bool = false, overwrite: Bool = false, interactive: Bool = false) {
    self.spec = spec
    self.epochs = epochs
    self.seed = seed
    self.outputDirectory = outputDirectory
    self.resume = resume
    self.overwrite = overwrite
    self.interactive = interactive
  }
}

extension TrainOptions {
  /// The most epochs `--epochs` may ask for (the spec language's own limit).
  public static let maxEpochs = TrainConfig.maxEpochs
}

extension Driver {
  /// Makes sure GEMM runs on this CPU's fast kernels (see `BLASSetup`); the command line
  /// calls it before anything else, as it may restart the process.
  public static func prepareProcess() {
    BLASSetup.reexecWithFastKernelsIfNeeded()
  }

  /// `dlc train`: trains the spec's model; progress goes to `write` as it happens.
  public static func train(_ options: TrainOptions, write: @escaping (String) -> Void) -> DriverResult {
    runtimeCommand(options.spec, needsTraining: true) { module in
      var trainer = Trainer.Options()
      trainer.seed = options.seed
      trainer.runsDirectory = options.outputDirectory
      trainer.resume = options.resume
      trainer.overwrite = options.overwrite
      trainer.interactive = options.interactive
      trainer.write = write
      let specText = (try? String(contentsOfFile: options.spec.path, encoding: .utf8)) ?? ""
      let run = try RunDescription(module: module, specText: specText, epochs: options.epochs)
      let report = try Trainer(run: run, options: trainer) { seed in InterpreterBackend(module: module, seed: seed) }.run()
      var summary = "trained \(report.epochsRun) epoch\(report.epochsRun == 1 ? "" : "s")"
      if let best = report.bestEpoch { summary += "; best epoch \(best) by '\(report.bestMonitor)'" }
      summary += "\ncheckpoints: \(report.bestCheckpoint), \(report.lastCheckpoint)\n"
      // The deployed model: the spec's optimize passes over the checkpoint training kept.
      let entries = OptimizePipeline.entries(of: module).filter { !$0.runsAtTraining }
      if !entries.isEmpty {
        let kept = FileManager.default.fileExists(atPath: report.bestCheckpoint) ? report.bestCheckpoint : report.lastCheckpoint
        let output = (kept as NSString).deletingLastPathComponent + "/optimized.safetensors"
        // The run folder stays locked until the optimized model is written into it.
        summary += try withExtendedLifetime(report.folder) {
          try deploy(module: deployedModule(module), entries: entries, checkpoint: kept, output: output)
        }
      }
      return summary
    }
  }

  /// `dlc eval`: the metrics of one split under a checkpoint (`split` nil: test, or valid
  /// when the spec holds out no test split; the output names the split).
  public static func eval(_ options: SpecOptions, checkpoint: String, split: String?, json: Bool) -> DriverResult {
    runtimeCommand(options, needsTraining: false) { module in
      try PathCheck.check(checkpoint, option: "--checkpoint", as: .inputFile)
      let loaded = try Checkpoint(contentsOf: checkpoint)
      let (module, run) = try checkpointModule(loaded, path: checkpoint, spec: module)
      let evaluation = try Inference.evaluate(run: run, checkpoint: checkpoint, split: split, loaded: loaded) { seed in
        InterpreterBackend(module: module, seed: seed)
      }
      return json ? evaluation.json + "\n" : evaluation.text
    }
  }

  /// `dlc predict`: model outputs for an input file, as CSV (to `output`, or returned).
  public static func predict(_ options: SpecOptions, checkpoint: String, input: String, output: String?) -> DriverResult {
    runtimeCommand(options, needsTraining: false) { module in
      try PathCheck.check(checkpoint, option: "--checkpoint", as: .inputFile)
      try PathCheck.check(input, option: "--input", as: .inputFile)
      if let output { try PathCheck.check(output, option: "--output", as: .outputFile) }
      let loaded = try Checkpoint(contentsOf: checkpoint)
      let (module, run) = try checkpointModule(loaded, path: checkpoint, spec: module)
      let csv = try Inference.predict(run: run, checkpoint: checkpoint, input: input, loaded: loaded) { seed in
        InterpreterBackend(module: module, seed: seed)
      }
      guard let output else { return csv }
      try PathCheck.write(csv, to: output)
      return ""
    }
  }

  /// `dlc latency`: forward-pass time per batch size under a checkpoint (its optimized IR if it has one).
  public static func latency(_ options: SpecOptions, checkpoint: String, batches: String?, seconds: Double) -> DriverResult {
    runtimeCommand(options, needsTraining: false) { module in
      try PathCheck.check(checkpoint, option: "--checkpoint", as: .inputFile)
      let loaded = try Checkpoint(contentsOf: checkpoint)
      let (module, run) = try checkpointModule(loaded, path: checkpoint, spec: module)
      let batches = try Latency.batchList(batches ?? "1,\(run.train.batchSize)")
      let measured = try Latency.measure(run: run, checkpoint: checkpoint, batches: batches, seconds: seconds, loaded: loaded) { seed in
        InterpreterBackend(module: module, seed: seed)
      }
      return measured.map { $0.text + "\n" }.joined()
    }
  }

  /// The module a checkpoint runs (its own IR when passes rewrote it, else the spec's) and
  /// its run, reading the data files the spec names as resolved now: the IR in an
  /// optimized checkpoint holds them as resolved where it was made, relative to the
  /// working folder of that run of dlc.
  static func checkpointModule(_ loaded: Checkpoint, path: String, spec: Module) throws -> (Module, RunDescription) {
    let module = try ModelOptimizer.module(for: loaded, path: path, default: spec)
    var run = try RunDescription(module: module, specText: "")
    run.data.source = try RunDescription(module: spec, specText: "").data.source
    return (module, run)
  }

  /// The deployed form of a training module: `@predict` (whole again if
  /// `precompute-frozen` split it) and `@loss`, without the training step and optimizer state.
  static func deployedModule(_ module: Module) -> Module {
    var m = PrecomputeFrozen.rejoined(module)
    m.functions.removeAll { $0.name == "train_step" }
    m.parameters.removeAll { $0.attributes["state"]?.stringValue == "optimizer" }
    return m
  }

  /// Runs the front end (and `autodiff` when training), then `body`; spec errors,
  /// data errors and runtime failures become diagnostics with exit status 1.
  static func runtimeCommand(_ options: SpecOptions, needsTraining: Bool, _ body: (Module) throws -> String) -> DriverResult {
    let diags = DiagnosticEngine()
    var result = DriverResult()
    guard let (spec, checked) = frontEnd(options.path, diags), var module = checked else { return finish(result, diags, options) }
    if needsTraining {
      guard let trained = trainingModule(module, spec, diags) else { return finish(result, diags, options) }
      module = trained
    }
    // Refuse a model the machine cannot hold before anything is allocated.
    guard MemoryBudget.check(module, spec: spec, maxMemory: options.maxMemory, training: needsTraining, diags) else {
      return finish(result, diags, options)
    }
    do {
      result.stdout = try body(module)
    } catch let error as DataError {
      diags.emit(error.diagnostic)
    } catch let error as TrainConfigError {
      // Its description starts with "error: " itself; the diagnostic adds that.
      diags.emit(Diagnostic(.runtimeFailure(error.message), at: nil, help: error.help.map { [$0] } ?? [], path: options.path))
    } catch {
      diags.emit(Diagnostic(.runtimeFailure("\(error)"), at: nil, path: options.path))
    }
    return finish(result, diags, options)
  }
}
