import Foundation

/// `dlc eval` and `dlc predict`: a trained checkpoint applied to data.
///
/// Both read the parameters and the preprocessing statistics from the checkpoint, so
/// the numbers do not depend on re-fitting anything; evaluation re-creates the split
/// from the checkpoint's seed, which selects exactly the samples training held out.
public enum Inference {
  /// The metrics of one split.
  public struct Evaluation {
    public var split: String
    public var samples: Int
    /// Loss first, then the spec's metrics, unprefixed (`loss`, `accuracy`, …).
    public var metrics: [MetricValue]
    /// Why this split, when it was not the one asked for by name (`valid` by default).
    public var note: String? = nil
    /// Per target of a multi-target regression: its name and its mae, rmse and r2.
    public var targets: [(name: String, metrics: [MetricValue])] = []

    public init(split: String, samples: Int, metrics: [MetricValue], targets: [(name: String, metrics: [MetricValue])] = []) {
      self.split = split
      self.samples = samples
      self.metrics = metrics
      self.targets = targets
    }

    /// One JSON object: `{"split":"test","samples":270,"loss":…,"accuracy":…}`, with
    /// `"targets":{"price":{"mae":…,"rmse":…},…}` for a multi-target regression.
    public var json: String {
      func number(_ v: Double) -> String { v.isFinite ? "\(v)" : "null" }
      var fields = ["\"split\":\"\(split)\"", "\"samples\":\(samples)"]
      for m in metrics { fields.append(jsonQuote(m.name) + ":" + number(m.value)) }
      if !targets.isEmpty {
        let items = targets.map { t in
          jsonQuote(t.name) + ":{" + t.metrics.map { jsonQuote($0.name) + ":" + number($0.value) }.joined(separator: ",") + "}"
        }
        fields.append("\"targets\":{" + items.joined(separator: ",") + "}")
      }
      return "{" + fields.joined(separator: ",") + "}"
    }

    /// Aligned lines: `test_loss      0.0834`, then per target `test_mae[price]  1.25`.
    public var text: String {
      let rows = metrics.map { ("\(split)_\($0.name)", $0.value) }
        + targets.flatMap { t in t.metrics.map { ("\(split)_\($0.name)[\(t.name)]", $0.value) } }
      let width = rows.map(\.0.count).max() ?? 0
      var out = "\(split): \(samples) samples" + (note.map { " (\($0))" } ?? "") + "\n"
      for (name, value) in rows {
        out += name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + String(format: "%.6f", value) + "\n"
      }
      return out
    }
  }

  /// The model parameters of `backend` (not its optimizer state) from `checkpoint`, its
  /// normalizer and its seed. Every model parameter must come from the file: one it
  /// lacked would keep a zero buffer and give numbers that look real.
  /// `loaded` is the file's content when the caller has read it already (to choose the model).
  /// The checkpoint is checked first (`CheckpointCheck`): `use` says whether the split's seed must be there.
  static func load(
    run: RunDescription, checkpoint path: String, loaded: Checkpoint? = nil, use: CheckpointCheck.Use = .evaluate,
    makeBackend: (UInt64) throws -> TrainingBackend
  ) throws -> (TrainingBackend, Normalizer, UInt64, Checkpoint) {
    let checkpoint = try loaded ?? Checkpoint(contentsOf: path)
    let seed = try CheckpointCheck.check(checkpoint, path: path, run: run, use: use).seed ?? run.train.seed
    let normalizer = try Normalizer(tensors: checkpoint.tensors, path: path)
    let backend = try makeBackend(seed)
    try backend.parameters.filter { !$0.isOptimizerState }.restore(from: checkpoint, path: path)
    return (backend, normalizer, seed, checkpoint)
  }

  /// The train split as `checkpoint` saw it (the split of its seed, normalized with its
  /// statistics), with that seed and the balanced class weights: what optimization passes
  /// calibrate and fine-tune on.
  public static func trainingSplit(
    run: RunDescription, checkpoint: Checkpoint, path: String
  ) throws -> (train: Dataset, seed: UInt64, balancedClassWeights: [Float]?) {
    let seed = try CheckpointCheck.check(checkpoint, path: path, run: run, use: .evaluate).seed ?? run.train.seed
    let data = try PreparedData(run: run, seed: seed, normalizer: Normalizer(tensors: checkpoint.tensors, path: path),
                                targetScaler: TargetScaler(tensors: checkpoint.tensors))
    return (data.train, seed, data.balancedClassWeights)
  }

  /// The split `dlc eval` reads when none is named: test when the spec holds one out,
  /// else valid, else nil (the spec's 'data.split' holds nothing out).
  public static func defaultSplit(_ run: RunDescription) -> String? {
    if run.data.split.test > 0 { return "test" }
    if run.data.split.valid > 0 { return "valid" }
    return nil
  }

  /// The split to evaluate: `requested`, or the default (`defaultSplit`). A held-out split
  /// the spec does not have, named or by default, is an error that says which it has.
  static func splitToEvaluate(_ run: RunDescription, requested: String?) throws -> String {
    let fractions = ["valid": run.data.split.valid, "test": run.data.split.test]
    guard let name = requested else {
      guard let name = defaultSplit(run) else {
        throw TrainingError("the spec holds out no valid or test split ('data.split'); evaluate on the train split with '--split train'")
      }
      return name
    }
    if let fraction = fractions[name], !(fraction > 0) {
      let other = name == "test" ? "valid" : "test"
      let hint = (fractions[other] ?? 0) > 0 ? "use '--split \(other)'" : "use '--split train', or hold out a split in 'data.split'"
      throw TrainingError("the spec has no \(name) split ('data.split' gives '\(name)' no samples); \(hint)")
    }
    return name
  }

  /// `dlc eval`: the metrics of `split` (`train`, `valid`, `test`; nil: `defaultSplit`)
  /// under `checkpoint`.
  public static func evaluate(
    run: RunDescription, checkpoint path: String, split requested: String?, loaded: Checkpoint? = nil,
    makeBackend: (UInt64) throws -> TrainingBackend
  ) throws -> Evaluation {
    let name = try splitToEvaluate(run, requested: requested)
    let (backend, normalizer, seed, checkpoint) = try load(run: run, checkpoint: path, loaded: loaded, makeBackend: makeBackend)
    let data = try PreparedData(run: run, seed: seed, normalizer: normalizer, targetScaler: TargetScaler(tensors: checkpoint.tensors))
    guard let raw = data.split(name) else { throw TrainingError("unknown split '\(name)'; use train, valid or test") }
    guard raw.count > 0 else {
      throw TrainingError("the \(name) split is empty: the spec's 'data.split' gives it no samples")
    }
    let split = try backend.precomputed(raw, batchSize: run.train.batchSize)
    backend.balancedClassWeights = data.balancedClassWeights
    let evaluator = Evaluator(backend: backend, batchSize: run.train.batchSize)
    // A regression always reports R² (scikit-learn's r2_score), listed or not.
    let regression = data.config.task == .regression
    let names = run.train.metrics + (regression && !run.train.metrics.contains(.r2) ? [.r2] : [])
    let metrics = try evaluator.evaluate(split, metrics: names, recorder: data.metricRecorder(run))
    var values = metrics.values(prefix: "")
    if case .values(let targets, _) = split.y, regression {
      values += regressionBaseline(split: split, targets: targets, data: data)
    }
    let columns = data.config.targetNames(width: backend.outputWidth)
    let perTarget = columns.indices.map { j in
      (name: columns[j], metrics: metrics.accumulators.filter(\.metric.isPerTarget).compactMap { a -> MetricValue? in
        let v = a.columnValues
        return v.count == columns.count ? MetricValue(name: a.metric.rawValue, value: v[j]) : nil
      })
    }
    var evaluation = Evaluation(split: name, samples: split.count, metrics: values, targets: perTarget)
    if requested == nil, name != "test" { evaluation.note = "the spec holds out no test split" }
    return evaluation
  }

  /// The raw model outputs (`samples × width`, before any target scaling is undone) of
  /// `split` under `checkpoint`: what `dlc predict` formats, as numbers, for comparing models.
  public static func outputs(
    run: RunDescription, checkpoint path: String, split name: String, loaded: Checkpoint? = nil,
    makeBackend: (UInt64) throws -> TrainingBackend
  ) throws -> (values: [Float], width: Int) {
    let (backend, normalizer, seed, checkpoint) = try load(run: run, checkpoint: path, loaded: loaded, makeBackend: makeBackend)
    let data = try PreparedData(run: run, seed: seed, normalizer: normalizer, targetScaler: TargetScaler(tensors: checkpoint.tensors))
    guard let split = data.split(name) else { throw TrainingError("unknown split '\(name)'; use train, valid or test") }
    return try Evaluator(backend: backend, batchSize: run.train.batchSize)
      .outputs(backend.precomputed(split, batchSize: run.train.batchSize))
  }

  /// The RMSE of predicting the train split's mean, in the data's units: the trivial
  /// regressor the model's rmse compares with.
  static func regressionBaseline(split: Dataset, targets: [Float], data: PreparedData) -> [MetricValue] {
    var truth = targets
    var trainTargets: [Float] = { if case .values(let v, _) = data.train.y { return v } else { return [] } }()
    if let scaler = data.targetScaler {
      let t = truth, tt = trainTargets
      t.withUnsafeBufferPointer { scaler.restore($0.baseAddress!, count: $0.count, into: &truth) }
      tt.withUnsafeBufferPointer { scaler.restore($0.baseAddress!, count: $0.count, into: &trainTargets) }
    }
    let width = max(truth.count / max(split.count, 1), 1)
    var mean = [Double](repeating: 0, count: width)
    for (i, v) in trainTargets.enumerated() { mean[i % width] += Double(v) }
    mean = mean.map { $0 / Double(max(trainTargets.count / width, 1)) }
    var sst = 0.0
    for i in truth.indices { sst += pow(mean[i % width] - Double(truth[i]), 2) }
    return [MetricValue(name: "baseline_rmse", value: (sst / Double(max(truth.count, 1))).squareRoot())]
  }

  /// `dlc predict`: model outputs for the samples in `input` (CSV or NPY), as CSV text.
  /// Classification writes the arg-max class and one probability per class (binary
  /// `bce_with_logits`: the class at the 0.5 threshold and the sigmoid); regression the
  /// outputs in the targets' units; reconstruction the reconstructed features in the
  /// data's units (see `reconstruction`).
  public static func predict(
    run: RunDescription, checkpoint path: String, input: String, loaded: Checkpoint? = nil,
    makeBackend: (UInt64) throws -> TrainingBackend
  ) throws -> String {
    let (backend, normalizer, _, checkpoint) = try load(run: run, checkpoint: path, loaded: loaded, use: .predict, makeBackend: makeBackend)
    var data = try loadInput(run: run, path: input)
    normalizer.apply(to: &data)
    if PreparedData.reconstructsProbabilities(run), normalizer.kind == .minmax {
      try PreparedData.prepareProbabilityTargets(&data, config: run.data)
    }
    var (values, width) = try Evaluator(backend: backend, batchSize: run.train.batchSize)
      .outputs(backend.precomputed(data, batchSize: run.train.batchSize))
    if let scaler = TargetScaler(tensors: checkpoint.tensors), scaler.mean.count == width {
      let standardized = values
      standardized.withUnsafeBufferPointer { scaler.restore($0.baseAddress!, count: $0.count, into: &values) }
    }
    if run.data.task == .reconstruction { values = reconstruction(values, run: run, normalizer: normalizer) }
    let config = run.data
    let lossOp = run.loss
    var out = ""
    if config.task == .classification {
      let target = { if case .csv(_, let t, _) = config.source { return t.first ?? "class" } else { return "class" } }()
      let binary = width == 1 && lossOp == "bce_with_logits"
      out += ([target] + (binary ? ["probability"] : (0..<width).map { "probability_\($0)" })).joined(separator: ",") + "\n"
      for r in 0..<data.count {
        let row = Array(values[r * width..<(r + 1) * width])
        if binary {
          let p = 1 / (1 + exp(-Double(row[0])))
          out += "\(p > 0.5 ? 1 : 0),\(format(p))\n"
        } else {
          let m = row.max() ?? 0
          let e = row.map { exp(Double($0 - m)) }
          let s = e.reduce(0, +)
          let best = row.indices.max { row[$0] < row[$1] || (row[$0] == row[$1] && $0 > $1) } ?? 0
          out += "\(best)," + e.map { format($0 / s) }.joined(separator: ",") + "\n"
        }
      }
    } else {
      let names: [String]
      if case .csv(_, let t, _) = config.source, t.count == width, config.task == .regression { names = t } else { names = (0..<width).map { "output_\($0)" } }
      out += names.joined(separator: ",") + "\n"
      for r in 0..<data.count {
        out += values[r * width..<(r + 1) * width].map { format(Double($0)) }.joined(separator: ",") + "\n"
      }
    }
    return out
  }

  /// Reconstructed samples in the data's units: the sigmoid of logits (`bce_with_logits`),
  /// then the normalization undone, x = x'·scale + shift per feature.
  static func reconstruction(_ outputs: [Float], run: RunDescription, normalizer: Normalizer) -> [Float] {
    var values = outputs
    if PreparedData.reconstructsProbabilities(run) { values = values.map(MetricRecorder.sigmoid) }
    let f = normalizer.shift.count
    guard f > 0, values.count % f == 0 else { return values }
    for i in values.indices { values[i] = values[i] * normalizer.scale[i % f] + normalizer.shift[i % f] }
    return values
  }

  /// The features of a prediction input: a CSV with the training feature columns, matched
  /// by their header names (other columns, the target too, are not read), or an NPY of samples.
  static func loadInput(run: RunDescription, path: String) throws -> Dataset {
    let config = run.data
    let shape: [Int]? = run.inputShape
    var input = config
    input.task = .reconstruction
    input.classes = nil
    if path.hasSuffix(".npy") {
      input.source = .npy(x: path, y: nil)
    } else {
      guard case .csv(_, let target, let features) = config.source else {
        throw TrainingError("'\(path)' is not an NPY file; this model was trained on NPY data, so give its samples as .npy")
      }
      if let features {
        input.source = .csv(path: path, target: [], features: features)
        return try checked(DataLoader.load(input, sampleShape: shape), expected: shape, path: path)
      }
      // A run description without feature names (an IR written before they were
      // recorded): every non-target column in header order, the target first excluded if there.
      input.source = .csv(path: path, target: target, features: nil)
      do {
        return try checked(DataLoader.load(input, sampleShape: shape), expected: shape, path: path)
      } catch let error as DataError where error.id == DataErrorID.columnNotFound.rawValue {
        input.source = .csv(path: path, target: [], features: nil)
      }
    }
    return try checked(DataLoader.load(input, sampleShape: shape), expected: shape, path: path)
  }

  private static func checked(_ data: Dataset, expected shape: [Int]?, path: String) throws -> Dataset {
    let want = shape?.reduce(1, *) ?? data.featureCount
    guard data.featureCount == want else {
      throw TrainingError("\(path): each sample has \(data.featureCount) features, the model takes \(want)")
    }
    return data
  }

  private static func format(_ v: Double) -> String { String(format: "%.6g", v) }
}
