/// Runs the backend's forward pass and loss over a data set in batches and accumulates
/// metrics.
struct Evaluator {
  let backend: TrainingBackend
  let batchSize: Int

  /// The metrics of `data` (loss first); `classWeights` are the loss's (see `MetricRecorder`).
  func evaluate(_ data: Dataset, metrics names: [Metric], scaler: TargetScaler?, classWeights: [Float]? = nil) throws -> MetricSet {
    var metrics = MetricSet(names)
    var recorder = MetricRecorder(scaler: scaler, classWeights: classWeights)
    let batches = EpochBatches(sequential: data.count, batchSize: batchSize)
    for b in 0..<batches.count {
      let indices = batches[b]
      let target = try backend.lossTarget(batch: indices.count)
      data.gather(indices, x: try backend.predictBuffer(batch: indices.count), target: target)
      let output = try backend.predict(batch: indices.count)
      let loss = try backend.loss(batch: indices.count)
      let metricTarget: MetricTarget = data.classIndices != nil
        ? .classes(UnsafePointer(target.assumingMemoryBound(to: Int32.self)))
        : .values(UnsafePointer(target.assumingMemoryBound(to: Float.self)))
      recorder.record(&metrics, loss: Double(loss), output: output, outputCount: indices.count * backend.outputWidth,
                      target: metricTarget, batchSize: indices.count)
    }
    return metrics
  }

  /// Model outputs for every sample of `data`, row-major.
  func outputs(_ data: Dataset) throws -> (values: [Float], width: Int) {
    let batches = EpochBatches(sequential: data.count, batchSize: batchSize)
    var values: [Float] = []
    let width = backend.outputWidth
    var scratchTarget = [UInt8](repeating: 0, count: batchSize * max(data.targetWidth, 1) * 4)
    for b in 0..<batches.count {
      let indices = batches[b]
      let x = try backend.predictBuffer(batch: indices.count)
      scratchTarget.withUnsafeMutableBytes { data.gather(indices, x: x, target: $0.baseAddress!) }
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
