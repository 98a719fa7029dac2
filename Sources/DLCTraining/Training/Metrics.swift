/// Metrics over an epoch, accumulated batch by batch.
///
/// In: each batch's loss (as `@train_step` or `@loss` returns it), the model's output and
/// the targets, as raw buffers. Out: one value per metric for the epoch, named as in the
/// spec (`loss`, `accuracy`, `mae`, `rmse`, `r2`) and prefixed `train_` / `valid_` in logs
/// and in `early_stopping.monitor`; `mae`, `rmse` and `r2` also per output column
/// (`TargetColumns`, reported per target of a multi-target regression). Sums are kept in
/// `Double`, so the value does not depend on how the split is cut into batches (beyond the
/// order of additions); the loss of a class-weighted `cross_entropy`, a weighted mean per
/// batch, is weighted by the batch's total weight, which gives the split's weighted mean.

/// A metric recorded each epoch.
public enum Metric: String, Sendable, Hashable, CaseIterable, Codable {
  /// The mean of the batch losses, weighted by batch size.
  case loss
  /// The fraction of samples classified right.
  case accuracy
  /// Mean absolute error over all output elements.
  case mae
  /// Root of the mean squared error over all output elements.
  case rmse
  /// The coefficient of determination 1 − SSE/SST per output column, SST about the
  /// column's mean over the split, averaged over the columns (scikit-learn's `r2_score`,
  /// `multioutput="uniform_average"`).
  case r2

  /// Which way is better: accuracy and R² grow, the errors shrink.
  public var direction: MetricDirection {
    self == .accuracy || self == .r2 ? .maximize : .minimize
  }

  /// Whether the metric is also kept per output column (`TargetColumns`).
  public var isPerTarget: Bool { self == .mae || self == .rmse || self == .r2 }
}

/// Which way a metric improves.
public enum MetricDirection: String, Sendable, Hashable, Codable {
  case minimize, maximize

  /// Whether `value` improves on `reference` by more than `minDelta` (Keras's
  /// `EarlyStopping._is_improvement`: `value − minDelta > reference` when maximizing,
  /// `value + minDelta < reference` when minimizing). NaN never improves.
  public func improves(_ value: Double, on reference: Double, minDelta: Double = 0) -> Bool {
    switch self {
    case .maximize: return value - minDelta > reference
    case .minimize: return value + minDelta < reference
    }
  }
}

/// The targets of one batch, as `@loss` takes them.
public enum MetricTarget {
  /// Class indices, one per sample (`tensor<Nxi32>`, cross-entropy).
  case classes(UnsafePointer<Int32>)
  /// Values with the output's element count (regression, reconstruction, and binary
  /// classification with `bce_with_logits`, whose targets are 0 or 1).
  case values(UnsafePointer<Float>)
}

/// A metric's name and its value for one split and epoch (`train_loss`, 0.3421).
public struct MetricValue: Sendable, Hashable {
  public var name: String
  public var value: Double

  public init(name: String, value: Double) {
    self.name = name
    self.value = value
  }
}

/// One metric's running sums over the batches of an epoch.
public struct MetricAccumulator: Sendable, Hashable {
  public let metric: Metric
  /// Σ loss·n, Σ correct, Σ |e| or Σ e², by metric.
  public private(set) var sum: Double = 0
  /// Samples (loss, class accuracy) or elements (mae, rmse, binary accuracy) recorded;
  /// the loss's total sample weight with class weights.
  public private(set) var count: Double = 0
  /// The same errors per output column (mae, rmse, r2).
  public private(set) var columns = TargetColumns()

  public init(_ metric: Metric) { self.metric = metric }

  /// Adds a batch's mean loss, weighted by its size, or by `weight` (Σ of its samples'
  /// weights) when the loss is a weighted mean Σ wᵢlᵢ / Σ wᵢ (class-weighted
  /// cross-entropy), so that the epoch's value is that mean over the whole split rather
  /// than a mean of batch means. Other metrics ignore it.
  public mutating func record(loss: Double, batchSize: Int, weight: Double? = nil) {
    guard metric == .loss else { return }
    let w = weight ?? Double(batchSize)
    sum += loss * w
    count += w
  }

  /// Adds a batch of `batchSize` samples whose output has `outputCount` elements.
  ///
  /// Accuracy against `.classes`: the arg-max over each sample's `outputCount / batchSize`
  /// outputs (the first maximum on ties, as `torch.argmax`) equals the label; with one
  /// output per sample, logit > 0 (sigmoid > 0.5) predicts class 1. Against `.values` (a
  /// `bce_with_logits` model): logit > 0 predicts 1, counted right when the target is
  /// ≥ 0.5; element by element, so one output per sample is one per sample.
  /// `loss` ignores this call; mae and rmse need `.values`.
  public mutating func record(output: UnsafePointer<Float>, outputCount: Int, target: MetricTarget, batchSize: Int) {
    if metric.isPerTarget, case .values(let targets) = target, batchSize > 0 {
      columns.record(output: output, target: targets, rows: batchSize, width: outputCount / batchSize, absolute: metric == .mae)
    }
    switch (metric, target) {
    case (.loss, _):
      return
    case (.accuracy, .classes(let labels)):
      precondition(batchSize > 0 && outputCount % batchSize == 0, "output of \(outputCount) elements for \(batchSize) samples")
      let width = outputCount / batchSize
      var correct = 0
      for i in 0..<batchSize {
        let row = output + i * width
        var best = 0
        if width == 1 {
          // One logit is a binary model: class 1 when sigmoid(logit) > 0.5, not an arg-max of one.
          best = row[0] > 0 ? 1 : 0
        } else {
          for j in 1..<max(width, 1) where row[j] > row[best] { best = j }
        }
        if Int(labels[i]) == best { correct += 1 }
      }
      sum += Double(correct)
      count += Double(batchSize)
    case (.accuracy, .values(let targets)):
      var correct = 0
      for i in 0..<outputCount where (output[i] > 0) == (targets[i] >= 0.5) { correct += 1 }
      sum += Double(correct)
      count += Double(outputCount)
    case (.mae, .values(let targets)):
      var s = 0.0
      for i in 0..<outputCount { s += abs(Double(output[i]) - Double(targets[i])) }
      sum += s
      count += Double(outputCount)
    case (.rmse, .values(let targets)):
      var s = 0.0
      for i in 0..<outputCount {
        let e = Double(output[i]) - Double(targets[i])
        s += e * e
      }
      sum += s
      count += Double(outputCount)
    case (.r2, .values):
      // Everything r2 needs is in `columns`; `count` says a batch was seen.
      count += Double(outputCount)
    case (.mae, .classes), (.rmse, .classes), (.r2, .classes):
      preconditionFailure("'\(metric.rawValue)' needs value targets, not class indices")
    }
  }

  /// The epoch's value: the mean (the root of the mean for rmse; the mean of the
  /// columns' R² for r2); NaN before any batch.
  public var value: Double {
    guard count > 0 else { return .nan }
    if metric == .r2 {
      let perColumn = columns.values(.r2)
      return perColumn.isEmpty ? .nan : perColumn.reduce(0, +) / Double(perColumn.count)
    }
    let mean = sum / count
    return metric == .rmse ? mean.squareRoot() : mean
  }

  /// The value per output column (mae, rmse, r2; empty for the others).
  public var columnValues: [Double] { columns.values(metric) }

  /// Forgets every batch, for the next epoch.
  public mutating func reset() {
    sum = 0
    count = 0
    columns.reset()
  }
}

/// The accumulators of every metric a run records, for one split.
public struct MetricSet: Sendable, Hashable {
  public private(set) var accumulators: [MetricAccumulator]

  /// Accumulators for `loss`, then the other `metrics` in their order, each once.
  public init(_ metrics: [Metric]) {
    var seen: Set<Metric> = []
    accumulators = ([.loss] + metrics).filter { seen.insert($0).inserted }.map(MetricAccumulator.init)
  }

  /// The metrics, in recording order.
  public var metrics: [Metric] { accumulators.map(\.metric) }

  /// Adds one batch to every metric: its mean `loss` (with `lossWeight`, the batch's
  /// total sample weight, when the loss is a weighted mean), and its output and targets.
  public mutating func record(
    loss: Double, output: UnsafePointer<Float>, outputCount: Int, target: MetricTarget, batchSize: Int, lossWeight: Double? = nil
  ) {
    for i in accumulators.indices {
      accumulators[i].record(loss: loss, batchSize: batchSize, weight: lossWeight)
      accumulators[i].record(output: output, outputCount: outputCount, target: target, batchSize: batchSize)
    }
  }

  /// The epoch's value of `metric`, nil when it is not recorded.
  public func value(of metric: Metric) -> Double? {
    accumulators.first { $0.metric == metric }?.value
  }

  /// Every value named `prefix + metric`, in recording order (`values(prefix: "valid_")`).
  public func values(prefix: String) -> [MetricValue] {
    accumulators.map { MetricValue(name: prefix + $0.metric.rawValue, value: $0.value) }
  }

  /// The per-target values named `prefix + metric[target]` (`valid_mae[price]`), target by
  /// target, for the metrics kept per column; none unless `targets` names every column.
  public func targetValues(prefix: String, targets: [String]) -> [MetricValue] {
    var out: [MetricValue] = []
    for (j, target) in targets.enumerated() {
      for a in accumulators where a.metric.isPerTarget {
        let values = a.columnValues
        guard values.count == targets.count else { continue }
        out.append(MetricValue(name: "\(prefix)\(a.metric.rawValue)[\(target)]", value: values[j]))
      }
    }
    return out
  }

  /// Forgets every batch, for the next epoch.
  public mutating func reset() {
    for i in accumulators.indices { accumulators[i].reset() }
  }
}
