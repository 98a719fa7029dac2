/// The module's `data` attribute as typed values: where the data is, what the task is,
/// how to split and normalize it.
import DLCIR

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
    split: SplitFractions, normalize: Normalization
  ) {
    self.source = source
    self.task = task
    self.classes = classes
    self.features = features
    self.split = split
    self.normalize = normalize
  }

  /// Reads the `data` attribute of `module`.
  public init(module: Module) throws(DataError) {
    guard let data = module.attributes["data"] else { throw Self.malformed("the module has no 'data' attribute") }
    try self.init(attribute: data)
  }

  /// Reads a `data` attribute as the lowering writes it (see `golden/specs/*.ir`).
  public init(attribute data: Attribute) throws(DataError) {
    guard let kind = data["source"]?["kind"]?.stringValue else { throw Self.malformed("'data.source.kind' is missing") }
    let source = data["source"]!
    switch kind {
    case "csv":
      guard let path = source["path"]?.stringValue else { throw Self.malformed("'data.source.path' is missing") }
      let target = source["target"]?.listValue?.compactMap(\.stringValue) ?? []
      let features = source["features"]?.listValue?.compactMap(\.stringValue)
      self.source = .csv(path: path, target: target, features: features)
    case "npy":
      guard let x = source["x"]?.stringValue else { throw Self.malformed("'data.source.x' is missing") }
      self.source = .npy(x: x, y: source["y"]?.stringValue)
    default:
      throw Self.malformed("unknown data source kind '\(kind)'")
    }
    guard let taskName = data["task"]?.stringValue, let task = DataTask(rawValue: taskName) else {
      throw Self.malformed("'data.task' is missing or unknown")
    }
    self.task = task
    classes = data["classes"]?.intValue
    features = data["features"]?.intValue ?? 0
    split = SplitFractions(
      valid: data["split"]?["valid"]?.floatValue ?? 0, test: data["split"]?["test"]?.floatValue ?? 0,
      stratify: data["split"]?["stratify"]?.boolValue ?? false)
    guard let norm = Normalization(rawValue: data["normalize"]?.stringValue ?? "none") else {
      throw Self.malformed("unknown normalization '\(data["normalize"]!)'")
    }
    normalize = norm
    standardizeTargets = data["normalize_target"]?.stringValue == "standardize"
  }

  private static func malformed(_ text: String) -> DataError { .malformedConfig(text) }
}
