/// The training configuration, decoded from the module's attributes.
///
/// In: the module attributes `train`, `seed` and `data` as Sema writes them, with every
/// default spelled out (`train = {batch_size = 64, epochs = 30, optimizer = {kind = "adam",
/// lr = 0.001, ...}, schedule = {kind = "cosine", ...}, ...}`). Out: `TrainConfig`, the typed
/// form the training loop reads. Sema has already checked every name and range; the
/// errors here guard against hand-written or stale IR.
import DLCIR

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
    seed: UInt64 = 0, task: DataTask, classes: Int? = nil, batchSize: Int, epochs: Int, metrics: [Metric] = [.loss],
    optimizer: Optimizer, schedule: LearningRateSchedule.Kind = .constant(warmupEpochs: 0),
    earlyStopping: EarlyStopping.Config? = nil, freeze: [String] = []
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

  /// Decodes the configuration of `module`; `epochs` replaces the spec's epoch count.
  public init(module: Module, epochs: Int? = nil) throws(TrainConfigError) {
    try self.init(attributes: module.attributes, epochs: epochs)
  }

  /// Decodes module attributes (`train`, `seed`, `data`); `epochs` replaces the spec's
  /// epoch count, and is checked against the warm-up as Sema checks the spec's own.
  public init(attributes: [String: Attribute], epochs: Int? = nil) throws(TrainConfigError) {
    let root = AttributeReader(path: "", value: .dict(attributes))
    let train = try root.dict("train")
    let data = try root.dict("data")

    let seed = try root.optionalInt("seed") ?? 0
    guard seed >= 0 else { throw .invalid("seed", "\(seed)", "an integer ≥ 0") }
    self.seed = UInt64(seed)
    let taskName = try data.string("task")
    guard let task = DataTask(rawValue: taskName) else { throw .unknown("task", taskName, in: data.name("task")) }
    self.task = task
    classes = try data.optionalInt("classes")

    batchSize = try train.int("batch_size")
    guard batchSize >= 1 else { throw .invalid("train.batch_size", "\(batchSize)", "an integer ≥ 1") }
    let specEpochs = try train.int("epochs")
    self.epochs = epochs ?? specEpochs
    guard self.epochs >= 1 else {
      throw .invalid(epochs == nil ? "train.epochs" : "the epochs override", "\(self.epochs)", "an integer ≥ 1")
    }

    metrics = try Self.decodeMetrics(train)
    optimizer = try Optimizer(try train.dict("optimizer"))
    schedule = try LearningRateSchedule.Kind(try train.dict("schedule"))
    earlyStopping = try train.optionalDict("early_stopping").map { r throws(TrainConfigError) in try EarlyStopping.Config(r) }
    freeze = try train.optionalList("freeze")?.map { r throws(TrainConfigError) in try r.asString() } ?? []

    if schedule.warmupEpochs >= self.epochs {
      throw .warmupTooLong(schedule.warmupEpochs, epochs: self.epochs)
    }
  }

  /// `train.metrics` as metrics, with `loss` always first.
  private static func decodeMetrics(_ train: AttributeReader) throws(TrainConfigError) -> [Metric] {
    var out: [Metric] = [.loss]
    for item in try train.optionalList("metrics") ?? [] {
      let name = try item.asString()
      guard let m = Metric(rawValue: name) else { throw .unknown("metric", name, in: item.path) }
      if !out.contains(m) { out.append(m) }
    }
    return out
  }
}

extension TrainConfig {
  /// The optimizer of a run, with the parameters of its update rule (PyTorch's names).
  public enum Optimizer: Sendable, Hashable {
    /// `torch.optim.SGD`.
    case sgd(lr: Double, momentum: Double, dampening: Double, nesterov: Bool, weightDecay: Double)
    /// `torch.optim.Adam` (weight decay added to the gradient).
    case adam(Adam)
    /// `torch.optim.AdamW` (decoupled weight decay).
    case adamw(Adam)

    /// The parameters shared by Adam and AdamW.
    public struct Adam: Sendable, Hashable {
      public var lr: Double
      public var beta1: Double
      public var beta2: Double
      public var eps: Double
      public var amsgrad: Bool
      public var weightDecay: Double

      public init(lr: Double, beta1: Double = 0.9, beta2: Double = 0.999, eps: Double = 1e-8, amsgrad: Bool = false,
                  weightDecay: Double = 0) {
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.amsgrad = amsgrad
        self.weightDecay = weightDecay
      }
    }

    /// The catalog name: `sgd`, `adam` or `adamw`.
    public var kind: String {
      switch self {
      case .sgd: return "sgd"
      case .adam: return "adam"
      case .adamw: return "adamw"
      }
    }

    /// The base learning rate, which the schedule scales (one_cycle ignores it).
    public var lr: Double {
      switch self {
      case .sgd(let lr, _, _, _, _): return lr
      case .adam(let p), .adamw(let p): return p.lr
      }
    }

    /// Decodes `{kind = "adam", lr = 0.001, ...}`.
    init(_ r: AttributeReader) throws(TrainConfigError) {
      let kind = try r.string("kind")
      switch kind {
      case "sgd":
        self = .sgd(lr: try r.double("lr"), momentum: try r.double("momentum"), dampening: try r.double("dampening"),
                    nesterov: try r.bool("nesterov"), weightDecay: try r.double("weight_decay"))
      case "adam", "adamw":
        let betas = try r.list("betas")
        guard betas.count == 2 else { throw .invalid(r.name("betas"), "\(betas.count) values", "a pair [beta1, beta2]") }
        let p = Adam(lr: try r.double("lr"), beta1: try betas[0].asDouble(), beta2: try betas[1].asDouble(),
                     eps: try r.double("eps"), amsgrad: try r.bool("amsgrad"), weightDecay: try r.double("weight_decay"))
        self = kind == "adam" ? .adam(p) : .adamw(p)
      default:
        throw .unknown("optimizer", kind, in: r.name("kind"))
      }
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
  static func unknown(_ what: String, _ name: String, in path: String) -> Self {
    Self("unknown \(what) '\(name)' at '\(path)'", help: "the IR should come from 'dlc compile' of a checked spec")
  }

  /// A value of the right type outside its range.
  static func invalid(_ path: String, _ value: String, _ expected: String) -> Self {
    Self("'\(path)' is \(value), expected \(expected)")
  }

  /// A warm-up that does not end before the run does.
  static func warmupTooLong(_ warmup: Int, epochs: Int) -> Self {
    Self("a warm-up of \(warmup) epochs needs a run of more than \(warmup) epochs, not \(epochs)",
         help: "run at least \(warmup + 1) epochs, or shorten the warm-up")
  }

  /// A required entry that is absent or of the wrong type.
  static func missing(_ path: String, _ expected: String) -> Self {
    Self("'\(path)' is missing or not \(expected)", help: "the IR should come from 'dlc compile' of a checked spec")
  }
}

/// Typed access to a dict attribute, naming each entry by its dotted path in errors.
struct AttributeReader {
  /// The dotted path of this value (`train.optimizer`), empty for the root.
  let path: String
  let value: Attribute

  /// The dotted path of entry `key`.
  func name(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

  /// Entry `key`, or nil when absent.
  private func entry(_ key: String) -> AttributeReader? {
    value[key].map { AttributeReader(path: name(key), value: $0) }
  }

  private func required(_ key: String, _ expected: String) throws(TrainConfigError) -> AttributeReader {
    guard let e = entry(key) else { throw .missing(name(key), expected) }
    return e
  }

  func dict(_ key: String) throws(TrainConfigError) -> AttributeReader {
    let e = try required(key, "a dict")
    guard e.value.dictValue != nil else { throw .missing(e.path, "a dict") }
    return e
  }

  func optionalDict(_ key: String) throws(TrainConfigError) -> AttributeReader? {
    entry(key) == nil ? nil : try dict(key)
  }

  func list(_ key: String) throws(TrainConfigError) -> [AttributeReader] {
    let e = try required(key, "a list")
    guard let items = e.value.listValue else { throw .missing(e.path, "a list") }
    return items.enumerated().map { AttributeReader(path: "\(e.path)[\($0.offset)]", value: $0.element) }
  }

  func optionalList(_ key: String) throws(TrainConfigError) -> [AttributeReader]? {
    entry(key) == nil ? nil : try list(key)
  }

  func int(_ key: String) throws(TrainConfigError) -> Int { try required(key, "an integer").asInt() }
  func optionalInt(_ key: String) throws(TrainConfigError) -> Int? { try entry(key)?.asInt() }
  func double(_ key: String) throws(TrainConfigError) -> Double { try required(key, "a number").asDouble() }
  func string(_ key: String) throws(TrainConfigError) -> String { try required(key, "a string").asString() }
  func bool(_ key: String) throws(TrainConfigError) -> Bool {
    let e = try required(key, "a boolean")
    guard let b = e.value.boolValue else { throw .missing(e.path, "a boolean") }
    return b
  }

  func asInt() throws(TrainConfigError) -> Int {
    guard let v = value.intValue else { throw .missing(path, "an integer") }
    return v
  }

  func asDouble() throws(TrainConfigError) -> Double {
    guard let v = value.floatValue else { throw .missing(path, "a number") }
    return v
  }

  func asString() throws(TrainConfigError) -> String {
    guard let v = value.stringValue else { throw .missing(path, "a string") }
    return v
  }
}
