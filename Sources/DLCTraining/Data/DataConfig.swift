/// The module's `data` attribute as typed values: where the data is, what the task is,
/// how to split and normalize it.

/// What the model learns to predict.
public enum DataTask: String, Sendable, CaseIterable {
  /// One integer class index per sample (`Int32`, in `0..<classes`).
  case classification
  /// One or more float targets per sample.
  case regression
  /// The target is the (normalized) input itself.
  case reconstruction
}

/// How features are scaled; statistics always come from the train split.
public enum Normalization: String, Sendable, CaseIterable {
  case none, standardize, minmax
}

/// Where the samples come from; paths as the IR holds them.
public enum DataSourceConfig: Sendable, Equatable {
  /// A CSV file with a header row. `features` nil means every column that is not a target.
  case csv(path: String, target: [String], features: [String]?)
  /// NPY arrays: features `x`, targets `y` (nil for reconstruction).
  case npy(x: String, y: String?)
}

/// The holdout fractions of `data.split`.
public struct SplitFractions: Sendable, Equatable {
  public var valid: Double
  public var test: Double
  /// Split each class by the same fractions (classification only).
  public var stratify: Bool

  public init(valid: Double, test: Double, stratify: Bool) {
    self.valid = valid
    self.test = test
    self.stratify = stratify
  }
}

/// Everything the runtime needs to know about the data.
public struct DataConfig: Sendable, Equatable {
  public var source: DataSourceConfig
  public var task: DataTask
  /// The class count (classification).
  public var classes: Int?
  /// Features per sample, as the checker counted them.
  public var features: Int
  public var split: SplitFractions
  public var normalize: Normalization
  /// Whether regression targets are standardized with train-split statistics.
  public var standardizeTargets: Bool

  public init(
    source: DataSourceConfig, task: DataTask, classes: Int? = nil, features: Int,
    split: SplitFractions, normalize: Normalization, standardizeTargets: Bool = false
  ) {
    self.source = source
    self.task = task
    self.classes = classes
    self.features = features
    self.split = split
    self.normalize = normalize
    self.standardizeTargets = standardizeTargets
  }

  public static func malformed(_ text: String) -> DataError { .malformedConfig(text) }
}

extension DataConfig: Codable {
  private enum Keys: String, CodingKey {
    case source, task, classes, features, split, normalize, normalizeTarget = "normalize_target"
  }
  private enum SourceKeys: String, CodingKey { case kind, path, target, features, x, y }
  private enum SplitKeys: String, CodingKey { case valid, test, stratify }

  /// Reads the module's `data` attribute as Sema writes it (see `golden/specs/*.ir`);
  /// `normalize_target` is written only when it is not `none`.
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: Keys.self)
    let s = try c.nestedContainer(keyedBy: SourceKeys.self, forKey: .source)
    let source: DataSourceConfig
    switch try s.decode(String.self, forKey: .kind) {
    case "csv":
      source = .csv(path: try s.decode(String.self, forKey: .path), target: try s.decode([String].self, forKey: .target),
                    features: try s.decodeIfPresent([String].self, forKey: .features))
    case "npy":
      source = .npy(x: try s.decode(String.self, forKey: .x), y: try s.decodeIfPresent(String.self, forKey: .y))
    case let kind:
      throw TrainConfigError.unknown("data source kind", kind, in: configPath(decoder.codingPath) + ".source.kind")
    }
    let taskName = try c.decode(String.self, forKey: .task)
    guard let task = DataTask(rawValue: taskName) else { throw TrainConfigError.unknown("task", taskName, in: configPath(decoder.codingPath) + ".task") }
    let split = try c.nestedContainer(keyedBy: SplitKeys.self, forKey: .split)
    let normalization = try c.decode(String.self, forKey: .normalize)
    guard let normalize = Normalization(rawValue: normalization) else {
      throw TrainConfigError.unknown("normalization", normalization, in: configPath(decoder.codingPath) + ".normalize")
    }
    let normalizeTarget = try c.decodeIfPresent(String.self, forKey: .normalizeTarget)
    guard normalizeTarget == nil || normalizeTarget == "standardize" else {
      throw TrainConfigError.unknown("target normalization", normalizeTarget!, in: configPath(decoder.codingPath) + ".normalize_target")
    }
    self.init(
      source: source, task: task, classes: try c.decodeIfPresent(Int.self, forKey: .classes),
      features: try c.decode(Int.self, forKey: .features),
      split: SplitFractions(valid: try split.decode(Double.self, forKey: .valid), test: try split.decode(Double.self, forKey: .test),
                            stratify: try split.decode(Bool.self, forKey: .stratify)),
      normalize: normalize, standardizeTargets: normalizeTarget != nil)
  }

  /// Writes what `init(from:)` reads.
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: Keys.self)
    var s = c.nestedContainer(keyedBy: SourceKeys.self, forKey: .source)
    switch source {
    case .csv(let path, let target, let features):
      try s.encode("csv", forKey: .kind)
      try s.encode(path, forKey: .path)
      try s.encode(target, forKey: .target)
      try s.encodeIfPresent(features, forKey: .features)
    case .npy(let x, let y):
      try s.encode("npy", forKey: .kind)
      try s.encode(x, forKey: .x)
      try s.encodeIfPresent(y, forKey: .y)
    }
    try c.encode(task.rawValue, forKey: .task)
    try c.encodeIfPresent(classes, forKey: .classes)
    try c.encode(features, forKey: .features)
    var split = c.nestedContainer(keyedBy: SplitKeys.self, forKey: .split)
    try split.encode(self.split.valid, forKey: .valid)
    try split.encode(self.split.test, forKey: .test)
    try split.encode(self.split.stratify, forKey: .stratify)
    try c.encode(normalize.rawValue, forKey: .normalize)
    if standardizeTargets { try c.encode("standardize", forKey: .normalizeTarget) }
  }

  /// The configuration in `config` (the module's `data` attribute).
  public init(config: ConfigValue) throws(DataError) {
    do {
      self = try ConfigDecoder.decode(DataConfig.self, from: config, at: "data")
    } catch {
      throw Self.malformed(error.message)
    }
  }
}
