/// Runs the backend's forward pass and loss over a data set in batches and accumulates
/// metrics.
struct Evaluator {
  let backend: TrainingBackend
  let batchSize: Int

  /// The metrics of `data` (loss first).
  func evaluate(_ data: Dataset, metrics names: [Metric], recorder: MetricRecorder) throws -> MetricSet {
    var metrics = MetricSet(names)
    var recorder = recorder
    let batches = EpochBatches(sequential: data.count, batchSize: batchSize)
    for b in 0..<batches.count {
      let indices = batches[b]
      let target = try backend.lossTarget(batch: indices.count)
      try data.gather(indices, x: try backend.predictBuffer(batch: indices.count), target: target, as: backend.targetLayout)
      let output = try backend.predict(batch: indices.count)
      let loss = try backend.loss(batch: indices.count)
      recorder.record(&metrics, loss: Double(loss), output: output, outputCount: indices.count * backend.outputWidth,
                      target: backend.targetLayout.metricTarget(target), batchSize: indices.count)
    }
    return metrics
  }

  /// Model outputs for every sample of `data`, row-major.
  func outputs(_ data: Dataset) throws -> (values: [Float], width: Int) {
    let batches = EpochBatches(sequential: data.count, batchSize: batchSize)
    var values: [Float] = []
    let width = backend.outputWidth
    for b in 0..<batches.count {
      let indices = batches[b]
      data.gatherFeatures(indices, x: try backend.predictBuffer(batch: indices.count))
      let output = try backend.predict(batch: indices.count)
      values += UnsafeBufferPointer(start: output, count: indices.count * width)
    }
    return (values, width)
  }
}

extension EpochRecord {
  /// A record from named metric values (`train_loss`, `valid_loss`, others in order).
  static func make(epoch: Int, lr: Double, values: [MetricValue], seconds: Double, samplesPerSecond: Double) -> EpochRecord {
    let trainLoss = values.first { $0.name == "train_loss" }?.value ?? .nan
    let validLoss = values.first { $0.name == "valid_loss" }?.value
    let others = values.filter { $0.name != "train_loss" && $0.name != "valid_loss" }.map { Metric($0.name, Float($0.value)) }
    return EpochRecord(epoch: epoch, lr: Float(lr), trainLoss: Float(trainLoss), validLoss: validLoss.map(Float.init),
                       metrics: others, seconds: seconds, samplesPerSecond: samplesPerSecond)
  }
}
