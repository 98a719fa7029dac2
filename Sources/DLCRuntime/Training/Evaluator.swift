import DLCIR

/// Runs `@predict` and `@loss` over a data set in batches and accumulates metrics.
struct Evaluator {
  let executable: Executable
  let batchSize: Int

  /// The metrics of `data` (loss first).
  func evaluate(_ data: Dataset, metrics names: [Metric], scaler: TargetScaler?) throws -> MetricSet {
    var metrics = MetricSet(names)
    var recorder = MetricRecorder(scaler: scaler)
    let batches = EpochBatches(sequential: data.count, batchSize: batchSize)
    for b in 0..<batches.count {
      let indices = batches[b]
      let predict = try executable.program("predict", batch: indices.count)
      let loss = try executable.program("loss", batch: indices.count)
      data.gather(indices, x: predict.floatArgument(0), target: loss.argument(1))
      predict.run()
      let outputCount = predict.resultCount(0)
      loss.floatArgument(0).update(from: predict.floatResult(0), count: outputCount)
      loss.run()
      let target: MetricTarget = data.classIndices != nil
        ? .classes(UnsafePointer(loss.argument(1).assumingMemoryBound(to: Int32.self)))
        : .values(UnsafePointer(loss.floatArgument(1)))
      recorder.record(&metrics, loss: Double(loss.floatResult(0).pointee), output: predict.floatResult(0),
                      outputCount: outputCount, target: target, batchSize: indices.count)
    }
    return metrics
  }

  /// Model outputs for every sample of `data`, row-major.
  func outputs(_ data: Dataset) throws -> (values: [Float], width: Int) {
    let batches = EpochBatches(sequential: data.count, batchSize: batchSize)
    var values: [Float] = []
    var width = 0
    var scratchTarget = [UInt8](repeating: 0, count: batchSize * max(data.targetWidth, 1) * 4)
    for b in 0..<batches.count {
      let indices = batches[b]
      let predict = try executable.program("predict", batch: indices.count)
      scratchTarget.withUnsafeMutableBytes { data.gather(indices, x: predict.floatArgument(0), target: $0.baseAddress!) }
      predict.run()
      let count = predict.resultCount(0)
      width = count / max(indices.count, 1)
      values += UnsafeBufferPointer(start: predict.floatResult(0), count: count)
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
