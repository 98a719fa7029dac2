import Testing

@testable import DLCTraining

@Suite struct MetricsTests {
  /// Records one batch into `acc` from arrays.
  private func record(_ acc: inout MetricAccumulator, _ output: [Float], classes: [Int32], batch: Int) {
    output.withUnsafeBufferPointer { o in
      classes.withUnsafeBufferPointer { t in
        acc.record(output: o.baseAddress!, outputCount: output.count, target: .classes(t.baseAddress!), batchSize: batch)
      }
    }
  }

  private func record(_ acc: inout MetricAccumulator, _ output: [Float], values: [Float], batch: Int) {
    output.withUnsafeBufferPointer { o in
      values.withUnsafeBufferPointer { t in
        acc.record(output: o.baseAddress!, outputCount: output.count, target: .values(t.baseAddress!), batchSize: batch)
      }
    }
  }

  @Test func directions() {
    #expect(Metric.accuracy.direction == .maximize && Metric.r2.direction == .maximize)
    #expect([Metric.loss, .mae, .rmse].allSatisfy { $0.direction == .minimize })
    #expect(Metric.allCases.map(\.rawValue) == ["loss", "accuracy", "mae", "rmse", "r2"])
  }

  @Test func improvementNeedsMoreThanMinDelta() {
    #expect(MetricDirection.minimize.improves(0.9, on: 1.0, minDelta: 0.05))
    #expect(!MetricDirection.minimize.improves(0.96, on: 1.0, minDelta: 0.05))
    #expect(!MetricDirection.minimize.improves(1.0, on: 1.0))
    #expect(MetricDirection.maximize.improves(0.9, on: 0.8, minDelta: 0.05))
    #expect(!MetricDirection.maximize.improves(0.84, on: 0.8, minDelta: 0.05))
    #expect(!MetricDirection.maximize.improves(.nan, on: 0.8))
    #expect(!MetricDirection.minimize.improves(.nan, on: .infinity))
  }

  @Test func lossIsTheMeanWeightedByBatchSize() {
    var acc = MetricAccumulator(.loss)
    acc.record(loss: 0.5, batchSize: 4)
    acc.record(loss: 1.0, batchSize: 2)  // a short last batch counts for its 2 samples
    #expect(relativelyClose(acc.value, 4.0 / 6.0))  // (0.5·4 + 1.0·2) / 6
  }

  @Test func accuracyIsTheArgMaxAgainstTheLabel() {
    var acc = MetricAccumulator(.accuracy)
    // Three samples of three classes: arg-max 2, 0 (first of a tie), 1.
    let logits: [Float] = [0.1, 0.2, 0.7, 0.5, 0.5, -1, -3, 2, 1]
    record(&acc, logits, classes: [2, 1, 1], batch: 3)
    #expect(acc.value == 2.0 / 3.0)
    record(&acc, [1, 0], classes: [0], batch: 1)
    #expect(acc.value == 0.75)
    #expect(acc.count == 4 && acc.sum == 3)
  }

  @Test func binaryAccuracyThresholdsTheLogitAtZero() {
    var acc = MetricAccumulator(.accuracy)
    // logit > 0 predicts 1; a logit of exactly 0 predicts 0.
    record(&acc, [2.5, -0.1, 0, 0.3], values: [1, 0, 1, 0], batch: 4)
    #expect(acc.value == 0.5)
  }

  /// One logit per sample against class indices is a binary model: an arg-max over one
  /// output always said class 0 (accuracy = the class-0 share).
  @Test func oneLogitAgainstClassIndicesThresholdsAtZero() {
    var acc = MetricAccumulator(.accuracy)
    record(&acc, [2.5, -0.3, 0.7, -4, 0], classes: [1, 0, 0, 0, 1], batch: 5)
    #expect(acc.value == 3.0 / 5)
  }

  @Test func maeAndRMSEAreOverAllElementsOfAllBatches() {
    var mae = MetricAccumulator(.mae)
    var rmse = MetricAccumulator(.rmse)
    for metric in [Metric.mae, .rmse] {
      var acc = MetricAccumulator(metric)
      record(&acc, [1, 2], values: [0, 3], batch: 1)  // errors 1, −1
      record(&acc, [5], values: [2], batch: 1)        // error 3
      if metric == .mae { mae = acc } else { rmse = acc }
    }
    #expect(relativelyClose(mae.value, 5.0 / 3.0))
    // √((1 + 1 + 9) / 3), not the mean of the batch RMSEs (1 and 3).
    #expect(relativelyClose(rmse.value, 1.9148542155126762))
  }

  @Test func nothingRecordedIsNaNAndResetForgets() {
    var acc = MetricAccumulator(.mae)
    #expect(acc.value.isNaN)
    record(&acc, [1], values: [0], batch: 1)
    #expect(acc.value == 1)
    acc.reset()
    #expect(acc.value.isNaN)
  }

  @Test func metricSetRecordsEveryMetricAndNamesThemBySplit() {
    var set = MetricSet([.mae, .rmse])
    #expect(set.metrics == [.loss, .mae, .rmse])
    let output: [Float] = [1, 2, 4, 4]
    let target: [Float] = [1, 0, 4, 2]
    output.withUnsafeBufferPointer { o in
      target.withUnsafeBufferPointer { t in
        set.record(loss: 2.0, output: o.baseAddress!, outputCount: 4, target: .values(t.baseAddress!), batchSize: 2)
      }
    }
    #expect(set.value(of: .loss) == 2)
    #expect(set.value(of: .mae) == 1)      // (0 + 2 + 0 + 2) / 4
    #expect(set.value(of: .rmse) == 2.0.squareRoot())  // √(8 / 4)
    #expect(set.value(of: .accuracy) == nil)
    #expect(set.values(prefix: "valid_").map(\.name) == ["valid_loss", "valid_mae", "valid_rmse"])
    set.reset()
    #expect(set.values(prefix: "train_").allSatisfy { $0.value.isNaN })
  }

  /// Class-weighted cross-entropy gives each batch's Σ wᵢlᵢ / Σ wᵢ; the recorder weights
  /// the batches by Σ wᵢ, so the split's loss is Σ wᵢlᵢ / Σ wᵢ over all its samples, not a
  /// mean of batch means (which was 1.5% off on a real split). Batches of 4, 4 and 2.
  @Test func classWeightedLossIsTheWeightedMeanOverTheSplit() {
    let classWeights: [Float] = [0.25, 3, 1]
    let labels: [Int32] = [0, 0, 0, 1, 1, 2, 0, 1, 2, 2]
    let losses: [Double] = [0.1, 0.2, 0.3, 2.5, 1.7, 0.9, 0.05, 3.1, 0.4, 0.6]
    let weights = labels.map { Double(classWeights[Int($0)]) }
    let expected = zip(weights, losses).map(*).reduce(0, +) / weights.reduce(0, +)
    var set = MetricSet([])
    var recorder = MetricRecorder(scaler: nil, classWeights: classWeights)
    var unweighted = MetricSet([])
    var plain = MetricRecorder(scaler: nil)
    let output = [Float](repeating: 0, count: labels.count)
    for range in [0..<4, 4..<8, 8..<10] {
      let w = weights[range], l = losses[range]
      let batchMean = zip(w, l).map(*).reduce(0, +) / w.reduce(0, +)  // what the loss op returns
      let batch = Array(labels[range])
      batch.withUnsafeBufferPointer { t in
        output.withUnsafeBufferPointer { o in
          recorder.record(&set, loss: batchMean, output: o.baseAddress!, outputCount: batch.count, target: .classes(t.baseAddress!),
                          batchSize: batch.count)
          plain.record(&unweighted, loss: batchMean, output: o.baseAddress!, outputCount: batch.count,
                       target: .classes(t.baseAddress!), batchSize: batch.count)
        }
      }
    }
    #expect(relativelyClose(set.value(of: .loss)!, expected), "\(set.value(of: .loss)!) vs \(expected)")
    // By batch size instead (the old weighting) the mean is visibly off.
    #expect(abs(unweighted.value(of: .loss)! - expected) > 0.02 * expected)
  }

  /// r2 against scikit-learn's `r2_score` formula in Double: per column
  /// 1 − Σ(y − ŷ)² / Σ(y − ȳ)², ȳ the column's mean over all batches, averaged over the
  /// columns ("uniform_average"); a constant column scores 1 when predicted exactly, else 0.
  @Test func r2FollowsScikitLearnsFormula() {
    // Three columns in different units, four batches of uneven size.
    let rows: [[Float]] = (0..<11).map { r in [Float(r) * 3.5 - 7, 1000 + Float(r * r) * 12.25, Float(r % 3) * 0.01] }
    let predicted: [[Float]] = rows.enumerated().map { r, y in [y[0] + Float(r % 4) - 1.5, y[1] * 0.97 + 20, y[2] + 0.002] }
    var acc = MetricAccumulator(.r2)
    for range in [0..<3, 3..<4, 4..<9, 9..<11] {
      record(&acc, predicted[range].flatMap { $0 }, values: rows[range].flatMap { $0 }, batch: range.count)
    }
    let perColumn = (0..<3).map { j -> Double in
      let y = rows.map { Double($0[j]) }, p = predicted.map { Double($0[j]) }
      let mean = y.reduce(0, +) / Double(y.count)
      let sse = zip(y, p).map { ($0 - $1) * ($0 - $1) }.reduce(0, +), sst = y.map { ($0 - mean) * ($0 - mean) }.reduce(0, +)
      return 1 - sse / sst
    }
    #expect(zip(acc.columnValues, perColumn).allSatisfy { relativelyClose($0, $1, 1e-12) }, "\(acc.columnValues) vs \(perColumn)")
    #expect(relativelyClose(acc.value, perColumn.reduce(0, +) / 3, 1e-12))

    var constant = MetricAccumulator(.r2)
    record(&constant, [2, 5, 2, 6], values: [2, 5, 2, 7], batch: 2)  // column 0 constant and exact, column 1 not
    #expect(constant.columnValues == [1, 0.5])
    var wrong = MetricAccumulator(.r2)
    record(&wrong, [1, 3], values: [2, 2], batch: 2)  // constant column, predicted wrong
    #expect(wrong.columnValues == [0] && wrong.value == 0)
  }

  /// mae and rmse per column beside the pooled values, named per target for the log.
  @Test func errorsPerTargetBesideThePooledValues() {
    var set = MetricSet([.mae, .rmse, .r2])
    // Two targets: errors (1, −100) and (−3, 300).
    let output: [Float] = [1, 100, 0, 600], target: [Float] = [0, 200, 3, 300]
    output.withUnsafeBufferPointer { o in
      target.withUnsafeBufferPointer { t in
        set.record(loss: 1, output: o.baseAddress!, outputCount: 4, target: .values(t.baseAddress!), batchSize: 2)
      }
    }
    let values = set.targetValues(prefix: "valid_", targets: ["price", "area"])
    #expect(values.map(\.name) == ["valid_mae[price]", "valid_rmse[price]", "valid_r2[price]",
                                   "valid_mae[area]", "valid_rmse[area]", "valid_r2[area]"])
    #expect(values[0].value == 2 && values[3].value == 200)
    #expect(relativelyClose(values[1].value, 5.0.squareRoot()) && relativelyClose(values[4].value, 50_000.0.squareRoot()))
    #expect(set.value(of: .mae) == 101)  // pooled: (1 + 100 + 3 + 300) / 4
    #expect(set.targetValues(prefix: "", targets: ["only"]).isEmpty, "names must cover every column")
  }

  /// Only a regression with several targets is reported per target.
  @Test func targetNamesComeFromTheConfig() {
    let split = SplitFractions(valid: 0.2, test: 0, stratify: false)
    let csv = DataConfig(source: .csv(path: "d.csv", target: ["a", "b"], features: nil), task: .regression, features: 3,
                         split: split, normalize: .none)
    #expect(csv.targetNames(width: 2) == ["a", "b"])
    let npy = DataConfig(source: .npy(x: "x.npy", y: "y.npy"), task: .regression, features: 3, split: split, normalize: .none)
    #expect(npy.targetNames(width: 3) == ["0", "1", "2"] && npy.targetNames(width: 1).isEmpty)
    var reconstruction = npy
    reconstruction.task = .reconstruction
    #expect(reconstruction.targetNames(width: 64).isEmpty)
  }

  @Test func metricSetKeepsOneLossFirst() {
    #expect(MetricSet([.accuracy, .loss, .accuracy]).metrics == [.loss, .accuracy])
    #expect(MetricSet([]).metrics == [.loss])
  }
}
