/// The training configuration, decoded from the module's attributes.
///
/// In: the module attributes `train`, `seed` and `data` as Sema writes them, with every
/// default spelled out (`train = {batch_size = 64, epochs = 30, optimizer = {kind = "adam",
/// lr = 0.001, ...}, schedule = {kind = "cosine", ...}, ...}`). Out: `TrainConfig`, the typed
/// form the training loop reads. Sema has already checked every name and range; the
/// errors here guard against hand-written or stale IR.

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

