/// The training configuration, decoded from the module's attributes.
///
/// In: the module attributes `train`, `seed` and `data` as Sema writes them, with every
/// default spelled out (`train = {batch_size = 64, epochs = 30, optimizer = {kind = "adam",
/// lr = 0.001, ...}, schedule = {kind = "cosine", ...}, ...}`), as a `ConfigValue`. Out:
/// `TrainConfig`, the typed form the training loop reads, through `Codable` and the one
/// `ConfigDecoder`. Defaults live only in the catalog: an entry missing here is an error,
/// never a fallback. Sema has already checked every name and range; the errors here guard
/// against hand-written or stale IR.

/// Everything the training loop needs to know about a run, in typed form.
public struct TrainConfig: Sendable, Hashable {
  /// The seed of every random choice (`seed`, default 0).
  public var seed: UInt64
  /// What is learned (`data.task`; the data loader's own enum).
  public var task: DataTask
  /// The number of classes of a classification task (`data.classes`).
  public var classes: Int?
  /// Samples per optimizer step.
  public var batchSize: Int
  /// Passes over the train split (the spec's value, or the override).
  public var epochs: Int
  /// The most epochs a run may have (the spec language's limit, `Limits.epochs`): every
  /// step count of a run stays far inside `Int`.
  public static let maxEpochs = 1_000_000
  /// The metrics recorded each epoch, `loss` first and no repeats.
  public var metrics: [Metric]
  /// The update rule and its parameters.
  public var optimizer: Optimizer
  /// The learning-rate schedule and its parameters (in epochs).
  public var schedule: LearningRateSchedule.Kind
  /// When to stop early; nil when the spec has no `early_stopping`.
  public var earlyStopping: EarlyStopping.Config?
  /// Layers whose parameters are not trained.
  public var freeze: [String]

  /// A configuration from its parts.
  public init(
    seed: UInt64, task: DataTask, classes: Int?, batchSize: Int, epochs: Int, metrics: [Metric],
    optimizer: Optimizer, schedule: LearningRateSchedule.Kind, earlyStopping: EarlyStopping.Config?, freeze: [String]
  ) {
    self.seed = seed
    self.task = task
    self.classes = classes
    self.batchSize = batchSize
    self.epochs = epochs
    self.metrics = metrics
    self.optimizer = optimizer
    self.schedule = schedule
    self.earlyStopping = earlyStopping
    self.freeze = freeze
  }

}

extension TrainConfig {
  /// The optimizer of a run as the training loop sees it: its catalog name and the base
  /// learning rate the schedule scales. The update rule's own parameters do not pass
  /// through here: autodiff writes them into the update ops of `@train_step`, which the
  /// interpreter and emitted trainers run (docs/training-ir.md, "Optimizer updates").
  public struct Optimizer: Sendable, Hashable, Codable {
    /// The catalog name (`sgd`, `adam`, `adamw`, …).
    public var kind: String
    /// The base learning rate, which the schedule scales (one_cycle ignores it).
    public var lr: Double

    public init(kind: String, lr: Double) {
      self.kind = kind
      self.lr = lr
    }
  }
}

extension TrainConfig: Codable {
  private enum RootKeys: String, CodingKey { case seed, data, train }
  private enum DataKeys: String, CodingKey { case task, classes }
  private enum TrainKeys: String, CodingKey {
    case batchSize = "batch_size", epochs, metrics, optimizer, schedule, earlyStopping = "early_stopping", freeze
  }

  /// Reads module attributes (`seed`, `data`, `train`; every value spelled out, as Sema
  /// writes them), checking the ranges a hand-written IR could break.
  public init(from decoder: any Decoder) throws {
    let root = try decoder.container(keyedBy: RootKeys.self)
    let data = try root.nestedContainer(keyedBy: DataKeys.self, forKey: .data)
    let train = try root.nestedContainer(keyedBy: TrainKeys.self, forKey: .train)
    let seed = try root.decode(Int.self, forKey: .seed)
    guard seed >= 0 else { throw TrainConfigError.invalid("seed", "\(seed)", "an integer ≥ 0") }
    let taskName = try data.decode(String.self, forKey: .task)
    guard let task = DataTask(rawValue: taskName) else { throw TrainConfigError.unknown("task", taskName, in: "data.task") }
    let batchSize = try train.decode(Int.self, forKey: .batchSize)
    guard batchSize >= 1 else { throw TrainConfigError.invalid("train.batch_size", "\(batchSize)", "an integer ≥ 1") }
    let epochs = try train.decode(Int.self, forKey: .epochs)
    try Self.checkEpochs(epochs, path: "train.epochs")
    var metrics: [Metric] = [.loss]
    for (i, name) in try train.decode([String].self, forKey: .metrics).enumerated() {
      guard let m = Metric(rawValue: name) else { throw TrainConfigError.unknown("metric", name, in: "train.metrics[\(i)]") }
      if !metrics.contains(m) { metrics.append(m) }
    }
    self.init(
      seed: UInt64(seed), task: task, classes: try data.decodeIfPresent(Int.self, forKey: .classes), batchSize: batchSize,
      epochs: epochs, metrics: metrics, optimizer: try train.decode(Optimizer.self, forKey: .optimizer),
      schedule: try train.decode(LearningRateSchedule.Kind.self, forKey: .schedule),
      earlyStopping: try train.decodeIfPresent(EarlyStopping.Config.self, forKey: .earlyStopping),
      freeze: try train.decode([String].self, forKey: .freeze))
    if schedule.warmupEpochs >= self.epochs { throw TrainConfigError.warmupTooLong(schedule.warmupEpochs, epochs: self.epochs) }
  }

  /// Writes what `init(from:)` reads: `seed`, `data.task`, `data.classes`, `train`.
  public func encode(to encoder: any Encoder) throws {
    var root = encoder.container(keyedBy: RootKeys.self)
    try root.encode(Int(seed), forKey: .seed)
    var data = root.nestedContainer(keyedBy: DataKeys.self, forKey: .data)
    try data.encode(task.rawValue, forKey: .task)
    try data.encodeIfPresent(classes, forKey: .classes)
    var train = root.nestedContainer(keyedBy: TrainKeys.self, forKey: .train)
    try train.encode(batchSize, forKey: .batchSize)
    try train.encode(epochs, forKey: .epochs)
    try train.encode(metrics.map(\.rawValue), forKey: .metrics)
    try train.encode(optimizer, forKey: .optimizer)
    try train.encode(schedule, forKey: .schedule)
    try train.encodeIfPresent(earlyStopping, forKey: .earlyStopping)
    try train.encode(freeze, forKey: .freeze)
  }

  /// The configuration in `config` (module attributes); `epochs` replaces the spec's
  /// epoch count, checked against the warm-up as Sema checks the spec's own.
  public init(config: ConfigValue, epochs: Int? = nil) throws(TrainConfigError) {
    self = try ConfigDecoder.decode(TrainConfig.self, from: config)
    guard let epochs else { return }
    try Self.checkEpochs(epochs, path: "the epochs override")
    if schedule.warmupEpochs >= epochs { throw .warmupTooLong(schedule.warmupEpochs, epochs: epochs) }
    self.epochs = epochs
  }

  private static func checkEpochs(_ epochs: Int, path: String) throws(TrainConfigError) {
    guard epochs >= 1, epochs <= TrainConfig.maxEpochs else {
      throw .invalid(path, "\(epochs)", "an integer from 1 to \(TrainConfig.maxEpochs)")
    }
  }
}

/// A malformed training configuration in the IR.
public struct TrainConfigError: Error, Sendable, Hashable, CustomStringConvertible {
  /// What is wrong: lowercase, names in single quotes.
  public var message: String
  /// How to fix it, when there is a fix to suggest.
  public var help: String?

  public init(_ message: String, help: String? = nil) {
    self.message = message
    self.help = help
  }

  /// `error: <message>`, then `help: <help>` on its own line.
  public var description: String { "error: " + message + (help.map { "\n  = help: " + $0 } ?? "") }

  /// A name that is not in the catalog.
  public static func unknown(_ what: String, _ name: String, in path: String) -> Self {
    Self("unknown \(what) '\(name)' at '\(path)'", help: "the IR should come from 'dlc compile' of a checked spec")
  }

  /// A value of the right type outside its range.
  public static func invalid(_ path: String, _ value: String, _ expected: String) -> Self {
    Self("'\(path)' is \(value), expected \(expected)")
  }

  /// A warm-up that does not end before the run does.
  public static func warmupTooLong(_ warmup: Int, epochs: Int) -> Self {
    Self("a warm-up of \(warmup) epochs needs a run of more than \(warmup) epochs, not \(epochs)",
         help: "run at least \(warmup + 1) epochs, or shorten the warm-up")
  }

  /// A required entry that is absent or of the wrong type.
  public static func missing(_ path: String, _ expected: String) -> Self {
    Self("'\(path)' is missing or not \(expected)", help: "the IR should come from 'dlc compile' of a checked spec")
  }
}

