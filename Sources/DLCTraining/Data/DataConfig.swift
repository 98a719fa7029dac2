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
  public var standardizeTargets = false

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
