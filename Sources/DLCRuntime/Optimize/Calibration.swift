/// Calibration for the `quantize` pass (`PassContext.observeActivations`): runs a
/// deployed model's `@predict` over the first batches of the training split, in order,
/// and hands chosen values to the pass's observers.
import DLCIR
import DLCPasses
import DLCTraining

/// Runs deployed models on training batches and shows their intermediate values.
public struct Calibration {
  let train: Dataset
  let batchSize: Int
  let seed: UInt64

  /// Calibration on `split`, the train split a checkpoint saw (`Inference.trainingSplit`),
  /// in batches of the run's batch size.
  public init(run: RunDescription, split: (train: Dataset, seed: UInt64, balancedClassWeights: [Float]?)) {
    (train, seed) = (split.train, split.seed)
    batchSize = run.train.batchSize
  }

  /// Installs this as the context's calibration service.
  public func install(in context: PassContext) {
    context.observeActivations = { module, weights, values, batches, observe in
      try self.observe(module, weights: weights, values: values, batches: batches, observe)
    }
  }

  /// Runs `@predict` of `module` (with `values` returned beside its output) over the first
  /// `batches` training batches and calls `observe(value, elements)` for each.
  public func observe(
    _ module: Module, weights: Weights, values: [String], batches: Int, _ observe: (String, UnsafeBufferPointer<Float>) -> Void
  ) throws {
    guard train.count > 0 else { throw RuntimeError("calibration needs training samples, and the train split is empty") }
    var m = module
    guard let f = m.functions.firstIndex(where: { $0.name == "predict" }) else { throw RuntimeError("no '@predict' to calibrate") }
    let types = m.valueTypes(in: m.functions[f])
    for v in values {
      guard let t = types[v], t.element == .f32 else { throw RuntimeError("cannot calibrate '\(v)': not an f32 value of '@predict'") }
      m.functions[f].results.append(t)
      m.functions[f].returns.append(v)
    }
    let store = ParameterStore(module: m)
    try store.slots.filter { !$0.isOptimizerState }.load(weights)
    let executable = Executable(module: m, parameters: store, options: Program.Options(seed: seed))
    let width = train.featureCount
    var start = 0
    for _ in 0..<batches where start < train.count {
      let n = min(batchSize, train.count - start)
      let program = try executable.program("predict", batch: n)
      train.x.withUnsafeBufferPointer { program.floatArgument(0).update(from: $0.baseAddress! + start * width, count: n * width) }
      program.run()
      for (i, v) in values.enumerated() {
        observe(v, UnsafeBufferPointer(start: program.floatResult(i + 1), count: program.resultCount(i + 1)))
      }
      start += n
    }
  }
}
