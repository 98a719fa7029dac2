import DLCIR
import DLCKernels
import Foundation

/// The training loop: a module with `@train_step` in, trained parameters, a JSON-lines
/// log and `best`/`last` checkpoints out.
///
/// Steps: load and split the data, fit the preprocessing on the train split, initialize
/// (or resume, or take a base model's weights), then per epoch run `@train_step` over the
/// shuffled batches, evaluate the validation split, log, checkpoint, and ask early
/// stopping whether to go on. Everything random is addressed by (seed, epoch, step), so a
/// resumed run repeats the uninterrupted one exactly.
public final class Trainer {
  /// What the command line can change about a run.
  public struct Options {
    /// Overrides `train.epochs`.
    public var epochs: Int?
    /// Overrides the spec's seed.
    public var seed: UInt64?
    /// Where run folders go (`<runs>/<name>/`).
    public var runsDirectory = "runs"
    /// Continue from `<runs>/<name>/last.safetensors`.
    public var resume = false
    /// The spec's text, stored in checkpoints.
    public var specText = ""
    /// Whether standard output is a terminal (live progress line).
    public var interactive = false
    /// Where progress and summaries are written.
    public var write: (String) -> Void = { print($0, terminator: "") }

    public init() {}
  }

  /// What a finished run reports.
  public struct Report {
    public var epochsRun: Int
    public var bestEpoch: Int?
    public var lastCheckpoint: String
    public var bestCheckpoint: String
    public var records: [EpochRecord]
  }

  let module: Module
  let options: Options
  let config: TrainConfig
  let seed: UInt64
  let runDirectory: String

  /// Prepares a run of `module`, which must hold `@train_step` (see `Autodiff`).
  public init(module: Module, options: Options) throws {
    self.module = module
    self.options = options
    var config = try TrainConfig(module: module, epochs: options.epochs)
    if let seed = options.seed { config.seed = seed }
    self.config = config
    seed = config.seed
    runDirectory = options.runsDirectory + "/" + module.name
    guard module.function(named: "train_step") != nil else {
      throw RuntimeError("the module has no '@train_step'; run the autodiff pass first")
    }
  }

  /// Trains, writing the log and checkpoints as it goes.
  public func run() throws -> Report {
    let data = try PreparedData(module: module, seed: seed)
    let executable = Executable(module: module, options: Program.Options(seed: seed, balancedClassWeights: data.balancedClassWeights))
    var state = try startingState(executable: executable, data: data)
    let batches = config.batchSize
    let stepsPerEpoch = (data.train.count + batches - 1) / batches
    let schedule = try LearningRateSchedule(config: config, stepsPerEpoch: stepsPerEpoch)
    var log = try RunLogWriter(directory: runDirectory, keepingEpochs: state.epoch, resume: options.resume)
    var progress = ProgressReporter(epochs: config.epochs, interactive: options.interactive, write: options.write)
    var records: [EpochRecord] = []
    let evaluator = Evaluator(executable: executable, batchSize: max(batches, 256))

    while state.epoch < config.epochs {
      let started = Date()
      let order = EpochBatches(count: data.train.count, batchSize: batches, seed: seed, epoch: state.epoch)
      progress.beginEpoch(state.epoch + 1, batches: order.count)
      var metrics = MetricSet(config.metrics)
      var recorder = MetricRecorder(scaler: data.targetScaler)
      var lr = 0.0
      for b in 0..<order.count {
        let indices = order[b]
        let program = try executable.program("train_step", batch: indices.count)
        data.train.gather(indices, x: program.floatArgument(0), target: program.argument(1))
        lr = schedule.lr(step: state.step)
        program.floatArgument(2).pointee = Float(lr)
        state.step += 1
        program.argument(3).assumingMemoryBound(to: Int64.self).pointee = Int64(state.step)
        program.run()
        let loss = Double(program.floatResult(0).pointee)
        guard loss.isFinite else {
          throw TrainingDiverged(epoch: state.epoch + 1, batch: b + 1, lr: lr)
        }
        recorder.record(&metrics, loss: loss, output: program.floatResult(1), outputCount: program.resultCount(1),
                        target: data.metricTarget(program.argument(1)), batchSize: indices.count)
        progress.batchDone(samples: indices.count, loss: loss)
      }
      let trainSeconds = Date().timeIntervalSince(started)
      executable.releasePrograms(keeping: [batches])
      var values = metrics.values(prefix: "train_")
      if data.valid.count > 0 {
        values += try evaluator.evaluate(data.valid, metrics: config.metrics, scaler: data.targetScaler).values(prefix: "valid_")
      }
      state.epoch += 1
      let record = EpochRecord.make(epoch: state.epoch, lr: lr, values: values, seconds: Date().timeIntervalSince(started),
                                    samplesPerSecond: Double(data.train.count) / max(trainSeconds, 1e-9))
      records.append(record)
      progress.endEpoch(metrics: values, lr: lr)

      let decision = state.earlyStopping.map { stopper -> EarlyStopping.Decision in
        var stopper = stopper
        let monitored = values.first { $0.name == stopper.config.monitor }?.value ?? .nan
        let decision = stopper.update(epoch: state.epoch, value: monitored)
        state.earlyStopping = stopper
        return decision
      }
      let checkpoint = makeCheckpoint(executable: executable, data: data, state: state)
      if decision == .improved || (decision == nil) {
        try checkpoint.write(to: runDirectory + "/best.safetensors")
      }
      // The log line goes first: a crash between the two leaves a line that resuming drops.
      try log.append(record)
      try checkpoint.write(to: runDirectory + "/last.safetensors")
      if decision == .stop {
        progress.line("early stopping after epoch \(state.epoch): '\(state.earlyStopping!.config.monitor)' did not improve for \(state.earlyStopping!.config.patience) epochs\n")
        break
      }
    }
    return Report(epochsRun: state.epoch, bestEpoch: state.earlyStopping?.state.bestEpoch, lastCheckpoint: runDirectory + "/last.safetensors",
                  bestCheckpoint: runDirectory + "/best.safetensors", records: records)
  }

  // MARK: state

  /// Where a run stands between epochs; all of it goes into the checkpoint.
  struct State {
    var epoch = 0
    var step = 0
    var earlyStopping: EarlyStopping?
  }

  /// A fresh state with initialized (or base-model) parameters, or the state of `last`.
  func startingState(executable: Executable, data: PreparedData) throws -> State {
    var state = State()
    if let es = config.earlyStopping { state.earlyStopping = try EarlyStopping(es) }
    guard options.resume else {
      try FileManager.default.createDirectory(atPath: runDirectory, withIntermediateDirectories: true)
      try executable.parameters.initialize(seed: seed)
      try BaseModel.load(into: executable.parameters, module: module)
      return state
    }
    let path = runDirectory + "/last.safetensors"
    guard FileManager.default.fileExists(atPath: path) else {
      throw RuntimeError("cannot resume: there is no checkpoint '\(path)'; train without '--resume' first, or give the '--out' folder of the run to continue")
    }
    // A run killed while writing a file leaves the temporary file of its atomic write.
    for name in (try? FileManager.default.contentsOfDirectory(atPath: runDirectory)) ?? [] where name.hasPrefix(".") && name.contains(".tmp-") {
      try? FileManager.default.removeItem(atPath: runDirectory + "/" + name)
    }
    let checkpoint = try Checkpoint(contentsOf: path)
    try executable.parameters.restore(from: checkpoint, path: path, requireAll: true)
    state.epoch = Int(checkpoint.metadata[Checkpoint.Key.epoch] ?? "") ?? 0
    state.step = Int(checkpoint.metadata[Checkpoint.Key.step] ?? "") ?? 0
    if let es = config.earlyStopping, let saved = checkpoint.metadata[Checkpoint.Key.earlyStopping] {
      state.earlyStopping = try EarlyStopping(es, restoring: saved)
    }
    return state
  }

  /// The checkpoint of the current state: every parameter (optimizer state included),
  /// the preprocessing statistics and the run's facts.
  func makeCheckpoint(executable: Executable, data: PreparedData, state: State) -> Checkpoint {
    var checkpoint = Checkpoint(tensors: executable.parameters.tensors(), metadata: [:])
    checkpoint.tensors.merge(data.preprocessingTensors) { a, _ in a }
    checkpoint.metadata = [
      Checkpoint.Key.spec: options.specText,
      Checkpoint.Key.ir: printModule(module),
      Checkpoint.Key.epoch: String(state.epoch),
      Checkpoint.Key.step: String(state.step),
      Checkpoint.Key.seed: String(seed),
      Checkpoint.Key.rngPosition: "{\"epoch\":\(state.epoch),\"step\":\(state.step)}",
      Checkpoint.Key.version: DLCVersion.current,
    ]
    if let es = state.earlyStopping { checkpoint.metadata[Checkpoint.Key.earlyStopping] = es.serialized() }
    return checkpoint
  }
}

/// The loss stopped being a finite number.
public struct TrainingDiverged: Error, CustomStringConvertible {
  public var epoch: Int
  public var batch: Int
  public var lr: Double
  public var description: String {
    "training diverged: the loss is not a finite number at epoch \(epoch), batch \(batch) (learning rate \(lr))"
  }
}

/// The version string written into checkpoints.
public enum DLCVersion {
  public static let current = "0.3.0"
}
