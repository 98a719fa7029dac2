import DLCTraining
import Testing

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
    #expect(Metric.accuracy.direction == .maximize)
    #expect([Metric.loss, .mae, .rmse].allSatisfy { $0.direction == .minimize })
    #expect(Metric.allCases.map(\.rawValue) == ["loss", "accuracy", "mae", "rmse"])
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

  @Test func metricSetKeepsOneLossFirst() {
    #expect(MetricSet([.accuracy, .loss, .accuracy]).metrics == [.loss, .accuracy])
    #expect(MetricSet([]).metrics == [.loss])
  }
}
