@testable import DLCTraining
import Testing

/// Targets are written in the type the loss declares, or refused.
@Suite struct TargetLayoutTests {
  /// Gathers samples `indices` of `data` as `layout` says; the targets as raw 32-bit words.
  private func gather(_ data: Dataset, _ indices: [Int], as layout: TargetLayout) throws -> (x: [Float], target: [UInt32]) {
    var x = [Float](repeating: .nan, count: indices.count * data.featureCount)
    var target = [UInt32](repeating: 0xFFFF_FFFF, count: indices.count * layout.width)
    try x.withUnsafeMutableBufferPointer { xb in
      try target.withUnsafeMutableBytes { try data.gather(indices, x: xb.baseAddress!, target: $0.baseAddress!, as: layout) }
    }
    return (x, target)
  }

  private let binary = Dataset(x: [0, 1, 2, 3, 4, 5], y: .classes([0, 1, 1]), count: 3, sampleShape: [2])

  /// The defect: class 1 written as Int32 into a float buffer read as 1.4e-45.
  @Test func binaryLabelsBecomeTheFloatsZeroAndOne() throws {
    let (x, target) = try gather(binary, [1, 0, 2], as: .values(1))
    #expect(x == [2, 3, 0, 1, 4, 5])
    #expect(target.map(Float.init(bitPattern:)) == [1, 0, 1])
  }

  @Test func classIndicesStayIntegers() throws {
    let (_, target) = try gather(binary, [2, 0], as: .classIndices)
    #expect(target.map { Int32(bitPattern: $0) } == [1, 0])
  }

  @Test func valuesAndReconstructionAreCopied() throws {
    let values = Dataset(x: [0, 1, 2], y: .values([5, 6, 7, 8, 9, 10], width: 2), count: 3, sampleShape: [1])
    #expect(try gather(values, [2], as: .values(2)).target.map(Float.init(bitPattern:)) == [9, 10])
    let inputs = Dataset(x: [0.5, 0.25, 1, 0], y: .reconstruction, count: 2, sampleShape: [2])
    #expect(try gather(inputs, [1, 0], as: .values(2)).target.map(Float.init(bitPattern:)) == [1, 0, 0.5, 0.25])
  }

  /// Data whose targets do not fit the declared buffer throw, naming both sides.
  @Test func targetsThatDoNotFitAreRefused() {
    let three = Dataset(x: [0, 1, 2], y: .classes([0, 2, 1]), count: 3, sampleShape: [1])
    #expect(throws: TrainingError.self) { try gather(three, [0, 1], as: .values(1)) }
    #expect(throws: TrainingError.self) { try gather(binary, [0], as: .values(2)) }
    let values = Dataset(x: [0, 1], y: .values([5, 6], width: 1), count: 2, sampleShape: [1])
    #expect(throws: TrainingError.self) { try gather(values, [0], as: .classIndices) }
    #expect(throws: TrainingError.self) { try gather(values, [0], as: .values(3)) }
    let inputs = Dataset(x: [0, 1, 2, 3], y: .reconstruction, count: 2, sampleShape: [2])
    #expect(throws: TrainingError.self) { try gather(inputs, [0], as: .values(1)) }
    #expect(throws: TrainingError.self) { try gather(inputs, [0], as: TargetLayout(element: .F16, width: 2)) }
    let mismatch = #expect(throws: TrainingError.self) { try gather(values, [0], as: .classIndices) }
    #expect(mismatch?.message == "the data's targets (1 value per sample) do not fit the loss's target buffer tensor<Nxi32>")
    let label = #expect(throws: TrainingError.self) { try gather(three, [1], as: .values(1)) }
    #expect(label?.message == "sample 2 has class 2; a loss on one output (tensor<Nx1xf32>) needs the labels 0 and 1")
  }

  @Test func metricsReadTheBufferInItsType() {
    var words: [UInt32] = [1, 0]
    words.withUnsafeMutableBytes { raw in
      if case .classes(let p) = TargetLayout.classIndices.metricTarget(raw.baseAddress!) { #expect(p[0] == 1) } else { Issue.record("not classes") }
      if case .values = TargetLayout.values(1).metricTarget(raw.baseAddress!) {} else { Issue.record("not values") }
    }
  }

  /// Reconstruction with `bce_with_logits`: mae and rmse see probabilities, not logits.
  @Test func logitOutputsAreScoredAsProbabilities() {
    var metrics = MetricSet([.mae])
    var recorder = MetricRecorder(scaler: nil, sigmoid: true)
    let logits: [Float] = [0, 100, -100]
    let targets: [Float] = [0.5, 1, 0]
    logits.withUnsafeBufferPointer { o in
      targets.withUnsafeBufferPointer { t in
        recorder.record(&metrics, loss: 0, output: o.baseAddress!, outputCount: 3, target: .values(t.baseAddress!), batchSize: 1)
      }
    }
    #expect(metrics.value(of: .mae)! < 1e-6)
    #expect(MetricRecorder.sigmoid(-200) == 0 && MetricRecorder.sigmoid(200) == 1 && MetricRecorder.sigmoid(0) == 0.5)
  }
}
