import Foundation

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
  /// Whether the model's outputs are logits of values in [0, 1] (reconstruction with
  /// `bce_with_logits`): metrics and predictions see their sigmoid.
  let outputsAreLogits: Bool

  /// The loss's weight per class for `run` (its given weights, or the balanced ones).
  func lossClassWeights(_ run: RunDescription) -> [Float]? {
    run.lossClassWeights?.resolved(balanced: balancedClassWeights)
  }

  /// Loads and prepares the data `run` describes; `normalizer` replaces the fitted
  /// statistics (evaluation uses the checkpoint's).
  init(run: RunDescription, seed: UInt64, normalizer saved: Normalizer? = nil, targetScaler savedScaler: TargetScaler? = nil) throws {
    config = run.data
    let all = try DataLoader.load(config, sampleShape: run.inputShape)
    outputsAreLogits = Self.reconstructsProbabilities(run)
    if outputsAreLogits, config.normalize == .none { try Self.checkProbabilities(all, config: config) }
    let split = try HoldoutSplit(count: all.count, fractions: config.split, classes: all.classIndices, seed: seed,
                                 path: config.source.path)
    train = all.subset(split.train)
    valid = all.subset(split.valid)
    test = all.subset(split.test)
    normalizer = saved ?? Normalizer(kind: config.normalize, fitting: train)
    normalizer.apply(to: &train)
    normalizer.apply(to: &valid)
    normalizer.apply(to: &test)
    if outputsAreLogits, config.normalize != .none {
      try Self.prepareProbabilityTargets(&train, config: config)
      try Self.prepareProbabilityTargets(&valid, config: config)
      try Self.prepareProbabilityTargets(&test, config: config)
    }
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

  /// How metrics see this run's batches: in the data's units, as probabilities when the
  /// outputs are logits.
  /// The metric recorder of `run`'s splits: target scaling, sigmoid outputs, class weights.
  func metricRecorder(_ run: RunDescription) -> MetricRecorder {
    MetricRecorder(scaler: targetScaler, sigmoid: outputsAreLogits, classWeights: lossClassWeights(run))
  }

  /// Whether `run` reconstructs its input with `bce_with_logits`, whose targets must be
  /// probabilities.
  static func reconstructsProbabilities(_ run: RunDescription) -> Bool {
    run.data.task == .reconstruction && run.loss == "bce_with_logits"
  }

  /// `bce_with_logits` gives a negative, meaningless loss for targets outside [0, 1].
  /// Without normalization the file's values are the targets: the first outside [0, 1]
  /// is an error naming its sample (the data row of a CSV file) and feature.
  static func checkProbabilities(_ data: Dataset, config: DataConfig) throws(DataError) {
    let f = max(data.featureCount, 1)
    guard let i = data.x.firstIndex(where: { !($0 >= 0 && $0 <= 1) }) else { return }
    throw .probabilityTarget(config.source.path, sample: i / f + 1, feature: i % f + 1, value: data.x[i])
  }

  /// Makes the normalized features of `data` valid targets of `bce_with_logits`. Under
  /// `minmax` the train split lies in [0, 1], and held-out values beyond the train range
  /// are clipped to it (as scikit-learn's `MinMaxScaler(clip=True)`); `standardize`
  /// (which the checker refuses with this loss) centres values on 0 and is an error.
  static func prepareProbabilityTargets(_ data: inout Dataset, config: DataConfig) throws(DataError) {
    guard config.normalize == .minmax else {
      if data.x.contains(where: { !($0 >= 0 && $0 <= 1) }) { throw .probabilityNormalization(config.source.path, config.normalize.rawValue) }
      return
    }
    for i in data.x.indices { data.x[i] = min(max(data.x[i], 0), 1) }
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

  /// The preprocessing statistics to store with the model.
  var preprocessingTensors: [String: TensorData] {
    normalizer.tensors().merging(targetScaler?.tensors() ?? [:]) { a, _ in a }
  }
}

/// Hands each batch to the metrics in the data's units: with standardized targets,
/// outputs and targets are mapped back before mae, rmse and r2 see them (the loss stays
/// the training loss, on the standardized scale). With `sigmoid` (reconstruction with
/// `bce_with_logits`), the outputs are logits and mae and rmse see their sigmoid, the
/// probabilities the targets are compared with. With class weights, the loss of each
/// batch is weighted by its samples' total weight Σ w_{yᵢ}, the denominator of its
/// weighted mean, so the epoch's loss is Σ wᵢlᵢ / Σ wᵢ over the whole split.
struct MetricRecorder {
  let scaler: TargetScaler?
  let sigmoid: Bool
  /// The loss's weight per class, when it has them.
  let classWeights: [Float]?
  private var outputs: [Float] = []
  private var targets: [Float] = []

  init(scaler: TargetScaler?, sigmoid: Bool = false, classWeights: [Float]? = nil) {
    self.scaler = scaler
    self.sigmoid = sigmoid
    self.classWeights = classWeights
  }

  mutating func record(
    _ metrics: inout MetricSet, loss: Double, output: UnsafePointer<Float>, outputCount: Int, target: MetricTarget, batchSize: Int
  ) {
    let weight = lossWeight(target, batchSize: batchSize)
    if sigmoid {
      if outputs.count < outputCount { outputs = [Float](repeating: 0, count: outputCount) }
      for i in 0..<outputCount { outputs[i] = Self.sigmoid(output[i]) }
      outputs.withUnsafeBufferPointer { o in
        metrics.record(loss: loss, output: o.baseAddress!, outputCount: outputCount, target: target, batchSize: batchSize, lossWeight: weight)
      }
      return
    }
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

extension MetricRecorder {
  /// 1 / (1 + e^−z), in the stable form for either sign of `z`.
  static func sigmoid(_ z: Float) -> Float {
    z >= 0 ? 1 / (1 + exp(-z)) : exp(z) / (1 + exp(z))
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
