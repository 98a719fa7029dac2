import DLCKernels
import Foundation

/// The training loop: a run description and a backend (the interpreter, or an emitted
/// model) in; trained parameters, a JSON-lines log and `best`/`last` checkpoints out.
///
/// Steps: load and split the data, fit the preprocessing on the train split, initialize
/// (or resume, or take a base model's weights), map the data through the model's frozen
/// prefix if it has one (`FrozenPrefix`), then per epoch run `@train_step` over the
/// shuffled batches, evaluate the validation split, log, checkpoint, and ask early
/// stopping whether to go on. Everything random is addressed by (seed, epoch, step), so a
/// resumed run repeats the uninterrupted one exactly.
public final class Trainer {
  /// What the command line can change about a run.
  public struct Options {
    /// Overrides the spec's seed.
    public var seed: UInt64?
    /// Where run folders go (`<runs>/<name>/`).
    public var runsDirectory = "runs"
    /// Continue from `<runs>/<name>/last.safetensors`.
    public var resume = false
    /// Replace an earlier run in `<runs>/<name>/` (a fresh run refuses one otherwise).
    public var overwrite = false
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
    /// The metric `best.safetensors` was chosen by (`valid_loss`, or `train_loss` without a validation split).
    public var bestMonitor: String
    /// The run folder, still locked while the report is kept (deploying writes into it).
    public var folder: RunFolder
    public var lastCheckpoint: String
    public var bestCheckpoint: String
    public var records: [EpochRecord]
  }

  let description: RunDescription
  let options: Options
  let config: TrainConfig
  let seed: UInt64
  let runDirectory: String
  let makeBackend: (UInt64) throws -> TrainingBackend

  /// Prepares a run; `makeBackend` builds the backend for a seed (dropout streams).
  /// An epoch count given on the command line goes into `run.train` (where its warm-up
  /// is checked), not here.
  public init(run: RunDescription, options: Options, makeBackend: @escaping (UInt64) throws -> TrainingBackend) {
    self.description = run
    self.options = options
    var config = run.train
    if let seed = options.seed { config.seed = seed }
    self.config = config
    seed = config.seed
    runDirectory = options.runsDirectory + "/" + run.name
    self.makeBackend = makeBackend
  }

  /// Trains, writing the log and checkpoints as it goes.
  public func run() throws -> Report {
    try PathCheck.check(options.runsDirectory, option: "--out", as: .outputFolder)
    if options.resume, PathCheck.kind(of: runDirectory + "/last.safetensors") == .none {
      throw TrainingError("cannot resume: there is no checkpoint '\(runDirectory)/last.safetensors'; train without '--resume' first, or give the '--out' folder of the run to continue")
    }
    var data = try PreparedData(run: description, seed: seed)
    let backend = try makeBackend(seed)
    backend.balancedClassWeights = data.balancedClassWeights
    let batches = config.batchSize
    let stepsPerEpoch = data.train.count / batches + (data.train.count % batches == 0 ? 0 : 1)  // ⌈count / batches⌉, no overflow
    let folder = try RunFolder(runs: options.runsDirectory, name: description.name, resume: options.resume, overwrite: options.overwrite)
    var state = try startingState(backend: backend, data: data, stepsPerEpoch: stepsPerEpoch)
    // With a frozen prefix, every split goes through it once; the head trains on the results.
    if let prefix = backend.frozenPrefix { try precompute(&data, prefix: prefix, backend: backend) }
    let schedule = try LearningRateSchedule(config: config, stepsPerEpoch: stepsPerEpoch)
    let log = try RunLogWriter(directory: runDirectory, keepingEpochs: state.epoch, resume: options.resume)
    var replaced = false
    var progress = ProgressReporter(epochs: config.epochs, interactive: options.interactive, write: options.write)
    var records: [EpochRecord] = []
    let evaluator = Evaluator(backend: backend, batchSize: batches)

    while state.epoch < config.epochs {
      let started = Date()
      let order = EpochBatches(count: data.train.count, batchSize: batches, seed: seed, epoch: state.epoch)
      progress.beginEpoch(state.epoch + 1, batches: order.count)
      var metrics = MetricSet(config.metrics)
      var recorder = data.metricRecorder(description)
      var lr = 0.0
      for b in 0..<order.count {
        let indices = order[b]
        let buffers = try backend.trainBuffers(batch: indices.count)
        try data.train.gather(indices, x: buffers.x, target: buffers.target, as: backend.targetLayout)
        lr = schedule.lr(step: state.step)
        state.step += 1
        let (batchLoss, output) = try backend.trainStep(batch: indices.count, lr: Float(lr), step: Int64(state.step))
        let loss = Double(batchLoss)
        guard loss.isFinite else {
          throw TrainingDiverged(epoch: state.epoch + 1, batch: b + 1, lr: lr, what: "the training loss is \(loss)", best: state.best.state)
        }
        recorder.record(&metrics, loss: loss, output: output, outputCount: indices.count * backend.outputWidth,
                        target: backend.targetLayout.metricTarget(buffers.target), batchSize: indices.count)
        progress.batchDone(samples: indices.count, loss: loss)
      }
      let trainSeconds = Date().timeIntervalSince(started)
      // The log gets the metrics per target too (multi-target regression); the progress line the totals.
      let targets = description.data.targetNames(width: backend.outputWidth)
      var values = metrics.values(prefix: "train_"), perTarget = metrics.targetValues(prefix: "train_", targets: targets)
      if data.valid.count > 0 {
        let valid = try evaluator.evaluate(data.valid, metrics: config.metrics, recorder: data.metricRecorder(description))
        values += valid.values(prefix: "valid_")
        perTarget += valid.targetValues(prefix: "valid_", targets: targets)
      }
      // A non-finite monitored value (the validation loss) means the weights diverged: stop before saving them.
      if let monitored = values.first(where: { $0.name == state.best.config.monitor }), !monitored.value.isFinite {
        throw TrainingDiverged(epoch: state.epoch + 1, batch: nil, lr: lr, what: "'\(monitored.name)' is \(monitored.value)", best: state.best.state)
      }
      state.epoch += 1
      let record = EpochRecord.make(epoch: state.epoch, lr: lr, values: values + perTarget, seconds: Date().timeIntervalSince(started),
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
      // best.safetensors: the best epoch by the monitored metric, with or without early stopping.
      let monitored = values.first { $0.name == state.best.config.monitor }?.value ?? .nan
      let improved = state.best.update(epoch: state.epoch, value: monitored) == .improved
      let checkpoint = makeCheckpoint(backend: backend, data: data, state: state)
      if !replaced {
        try folder.replaceEarlierRun(resume: options.resume)
        replaced = true
      }
      if improved {
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
    return Report(epochsRun: state.epoch, bestEpoch: state.best.state.bestEpoch, bestMonitor: state.best.config.monitor, folder: folder,
                  lastCheckpoint: runDirectory + "/last.safetensors", bestCheckpoint: runDirectory + "/best.safetensors", records: records)
  }

  // MARK: state

  /// Where a run stands between epochs; all of it goes into the checkpoint.
  struct State {
    var epoch = 0
    var step = 0
    var earlyStopping: EarlyStopping?
    /// Which epoch `best.safetensors` holds: early stopping's monitor, else `valid_loss`,
    /// else (no validation split) `train_loss`; never stops the run.
    var best: EarlyStopping
  }

  /// The metric `best.safetensors` is chosen by (see `State.best`).
  func bestMonitor(validSamples: Int) -> String {
    config.earlyStopping?.monitor ?? (validSamples > 0 ? "valid_loss" : "train_loss")
  }

  /// A fresh state with initialized (or base-model) parameters, or the state of `last`.
  func startingState(backend: TrainingBackend, data: PreparedData, stepsPerEpoch: Int) throws -> State {
    let bestConfig = EarlyStopping.Config(monitor: bestMonitor(validSamples: data.valid.count), patience: .max,
                                          minDelta: config.earlyStopping?.minDelta ?? 0, restoreBest: true)
    var state = State(best: try EarlyStopping(bestConfig))
    if let es = config.earlyStopping { state.earlyStopping = try EarlyStopping(es) }
    guard options.resume else {
      try backend.parameters.initialize(seed: seed)
      if let base = description.base { try base.load(into: backend.parameters) }
      return state
    }
    let path = runDirectory + "/last.safetensors"
    guard FileManager.default.fileExists(atPath: path) else {
      throw TrainingError("cannot resume: there is no checkpoint '\(path)'; train without '--resume' first, or give the '--out' folder of the run to continue")
    }
    // A run killed while writing a file leaves the temporary file of its atomic write.
    for name in (try? FileManager.default.contentsOfDirectory(atPath: runDirectory)) ?? [] where name.hasPrefix(".") && name.contains(".tmp-") {
      try? FileManager.default.removeItem(atPath: runDirectory + "/" + name)
    }
    let checkpoint = try Checkpoint(contentsOf: path)
    let facts = try CheckpointCheck.check(checkpoint, path: path, run: description, use: .resume)
    try backend.parameters.restore(from: checkpoint, path: path)
    state.epoch = facts.epoch!
    state.step = facts.step!
    if let saved = facts.seed, saved != seed { throw DataError.runSeed(path, saved: saved, given: seed) }
    // Checked arithmetic: a forged 'dlc.step' must not overflow the schedule.
    let (expected, overflow) = state.epoch.multipliedReportingOverflow(by: stepsPerEpoch)
    guard !overflow, expected == state.step else {
      throw DataError.runStep(path, step: state.step, epoch: state.epoch, expected: overflow ? "more than \(Int.max)" : "\(expected)")
    }
    if let es = config.earlyStopping, let saved = checkpoint.metadata[Checkpoint.Key.earlyStopping] {
      state.earlyStopping = try EarlyStopping(es, restoring: saved)
    }
    if let saved = checkpoint.metadata[Checkpoint.Key.best] {
      do { state.best = try EarlyStopping(bestConfig, restoring: saved) } catch {
        throw DataError.checkpointMetadata(path, Checkpoint.Key.best, "is '\(excerpt(saved))', not the state of '\(bestConfig.monitor)' this run keeps its best by",
                                           help: "resume with the spec the run was trained with, or start a new run with '--overwrite'")
      }
    } else if let es = state.earlyStopping {
      // A checkpoint from before 'dlc.best': early stopping's state names the best epoch.
      state.best = try EarlyStopping(bestConfig, restoring: es.serialized())
    }
    if let stopped = state.earlyStopping?.state.stoppedEpoch {
      throw DataError.runFinished(path, "early stopping ended it after epoch \(stopped)",
                                  help: "start a new run with '--overwrite', or change 'train.early_stopping' and start again")
    }
    guard state.epoch < config.epochs else {
      throw DataError.runFinished(path, "it trained \(state.epoch) of \(config.epochs) epochs",
                                  help: "give '--epochs N' with N above \(state.epoch) to train longer")
    }
    return state
  }

  /// The checkpoint of the current state: every parameter (optimizer state included),
  /// the preprocessing statistics and the run's facts.
  func makeCheckpoint(backend: TrainingBackend, data: PreparedData, state: State) -> Checkpoint {
    var checkpoint = Checkpoint(tensors: backend.parameters.tensors(), metadata: [:])
    checkpoint.tensors.merge(data.preprocessingTensors) { a, _ in a }
    checkpoint.metadata = [
      Checkpoint.Key.spec: description.specText,
      Checkpoint.Key.ir: description.irText,
      Checkpoint.Key.epoch: String(state.epoch),
      Checkpoint.Key.step: String(state.step),
      Checkpoint.Key.seed: String(seed),
      Checkpoint.Key.rngPosition: "{\"epoch\":\(state.epoch),\"step\":\(state.step)}",
      Checkpoint.Key.version: DLCVersion.current,
    ]
    if let es = state.earlyStopping { checkpoint.metadata[Checkpoint.Key.earlyStopping] = es.serialized() }
    checkpoint.metadata[Checkpoint.Key.best] = state.best.serialized()
    return checkpoint
  }
}

/// The loss stopped being a finite number.
public struct TrainingDiverged: Error, CustomStringConvertible {
  public var epoch: Int
  /// The batch whose training loss was not finite; nil when the epoch's validation was not.
  public var batch: Int?
  public var lr: Double
  /// What was not finite (`the training loss is nan`).
  public var what: String
  /// What `best.safetensors` holds, if anything.
  public var best: EarlyStopping.State

  public init(epoch: Int, batch: Int?, lr: Double, what: String, best: EarlyStopping.State) {
    self.epoch = epoch
    self.batch = batch
    self.lr = lr
    self.what = what
    self.best = best
  }

  public var description: String {
    let place = batch.map { "epoch \(epoch), batch \($0)" } ?? "the end of epoch \(epoch)"
    var text = "training diverged: \(what) at \(place) (learning rate \(lr)); the run stopped without saving this epoch"
    if let epoch = best.bestEpoch, let value = best.bestValue {
      text += "; best.safetensors holds epoch \(epoch) ('\(best.monitor)' \(value))"
    }
    return text + "; a lower learning rate may help"
  }
}

/// The version string written into checkpoints.
public enum DLCVersion {
  public static let current = "0.3.0"
}
