import DLCIR

/// The data of a run, ready for training: loaded, split by the seed, normalized with
/// statistics of the train split.
struct PreparedData {
  var train: Dataset
  var valid: Dataset
  var test: Dataset
  let normalizer: Normalizer
  let config: DataConfig
  /// `n / (C · count_c)` per class (scikit-learn's "balanced"), when classification.
  let balancedClassWeights: [Float]?

  /// Loads and prepares the data `module` describes; `normalizer` replaces the fitted
  /// statistics (evaluation uses the checkpoint's).
  init(module: Module, seed: UInt64, normalizer saved: Normalizer? = nil) throws {
    config = try DataConfig(module: module)
    let shape = module.function(named: "predict")?.arguments.first?.type.perSampleShape
    let all = try DataLoader.load(config, sampleShape: shape)
    let split = try HoldoutSplit(count: all.count, fractions: config.split, classes: all.classIndices, seed: seed,
                                 path: config.source.path)
    train = all.subset(split.train)
    valid = all.subset(split.valid)
    test = all.subset(split.test)
    normalizer = saved ?? Normalizer(kind: config.normalize, fitting: train)
    normalizer.apply(to: &train)
    normalizer.apply(to: &valid)
    normalizer.apply(to: &test)
    if let classes = train.classIndices, let count = config.classes, count > 0 {
      var counts = [Int](repeating: 0, count: count)
      for c in classes { counts[Int(c)] += 1 }
      balancedClassWeights = counts.map { $0 == 0 ? 0 : Float(classes.count) / Float(count * $0) }
    } else {
      balancedClassWeights = nil
    }
  }

  /// The split called `name` (`train`, `valid`, `test`).
  func split(_ name: String) -> Dataset? {
    switch name {
    case "train": return train
    case "valid": return valid
    case "test": return test
    default: return nil
    }
  }

  /// How metrics read a target buffer gathered from these data.
  func metricTarget(_ buffer: UnsafeMutableRawPointer) -> MetricTarget {
    train.classIndices != nil
      ? .classes(UnsafePointer(buffer.assumingMemoryBound(to: Int32.self)))
      : .values(UnsafePointer(buffer.assumingMemoryBound(to: Float.self)))
  }
}

extension DataSourceConfig {
  /// The features' file, for messages.
  var path: String {
    switch self {
    case .csv(let path, _, _): return path
    case .npy(let x, _): return x
    }
  }
}
