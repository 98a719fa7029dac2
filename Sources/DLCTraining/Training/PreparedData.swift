/// The data of a run, ready for training: loaded, split by the seed, normalized with
/// statistics of the train split.
struct PreparedData {
  var train: Dataset
  var valid: Dataset
  var test: Dataset
  let normalizer: Normalizer
  /// Standardizes regression targets (`normalize_target`), when asked for.
  let targetScaler: TargetScaler?
  let config: DataConfig
  /// `n / (C · count_c)` per class (scikit-learn's "balanced"), when classification.
  let balancedClassWeights: [Float]?

  /// The loss's weight per class for `run` (its given weights, or the balanced ones).
  func lossClassWeights(_ run: RunDescription) -> [Float]? {
    run.lossClassWeights?.resolved(balanced: balancedClassWeights)
  }

  /// Loads and prepares the data `run` describes; `normalizer` replaces the fitted
  /// statistics (evaluation uses the checkpoint's).
  init(run: RunDescription, seed: UInt64, normalizer saved: Normalizer? = nil, targetScaler savedScaler: TargetScaler? = nil) throws {
    config = run.data
    let all = try DataLoader.load(config, sampleShape: run.inputShape)
    let split = try HoldoutSplit(count: all.count, fractions: config.split, classes: all.classIndices, seed: seed,
                                 path: config.source.path)
    train = all.subset(split.train)
    valid = all.subset(split.valid)
    test = all.subset(split.test)
    normalizer = saved ?? Normalizer(kind: config.normalize, fitting: train)
    normalizer.apply(to: &train)
    normalizer.apply(to: &valid)
    normalizer.apply(to: &test)
    if config.standardizeTargets, case .values(let v, let width) = train.y {
      let scaler = savedScaler ?? TargetScaler(fitting: v, width: width)
      scaler.apply(to: &train)
      scaler.apply(to: &valid)
      scaler.apply(to: &test)
      targetScaler = scaler
    } else {
      targetScaler = nil
    }
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

  /// The preprocessing statistics to store with the model.
  var preprocessingTensors: [String: TensorData] {
    normalizer.tensors().merging(targetScaler?.tensors() ?? [:]) { a, _ in a }
  }
}

/// Hands each batch to the metrics in the data's units: with standardized targets,
/// outputs and targets are mapped back before mae, rmse and r2 see them (the loss stays
/// the training loss, on the standardized scale). With class weights, the loss of each
/// batch is weighted by its samples' total weight Σ w_{yᵢ}, the denominator of its
/// weighted mean, so the epoch's loss is Σ wᵢlᵢ / Σ wᵢ over the whole split.
struct MetricRecorder {
  let scaler: TargetScaler?
  /// The loss's weight per class, when it has them.
  let classWeights: [Float]?
  private var outputs: [Float] = []
  private var targets: [Float] = []

  init(scaler: TargetScaler?, classWeights: [Float]? = nil) {
    self.scaler = scaler
    self.classWeights = classWeights
  }

  mutating func record(
    _ metrics: inout MetricSet, loss: Double, output: UnsafePointer<Float>, outputCount: Int, target: MetricTarget, batchSize: Int
  ) {
    let weight = lossWeight(target, batchSize: batchSize)
    guard let scaler, case .values(let t) = target else {
      metrics.record(loss: loss, output: output, outputCount: outputCount, target: target, batchSize: batchSize, lossWeight: weight)
      return
    }
    scaler.restore(output, count: outputCount, into: &outputs)
    scaler.restore(t, count: outputCount, into: &targets)
    outputs.withUnsafeBufferPointer { o in
      targets.withUnsafeBufferPointer { y in
        metrics.record(loss: loss, output: o.baseAddress!, outputCount: outputCount, target: .values(y.baseAddress!),
                       batchSize: batchSize, lossWeight: weight)
      }
    }
  }

  /// Σ w_{yᵢ} over the batch with class weights and class targets; nil otherwise.
  func lossWeight(_ target: MetricTarget, batchSize: Int) -> Double? {
    guard let w = classWeights, case .classes(let labels) = target else { return nil }
    var total = 0.0
    for i in 0..<batchSize {
      let c = Int(labels[i])
      if c >= 0, c < w.count { total += Double(w[c]) }
    }
    return total
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
