import DLCIR
import DLCPasses
import DLCTraining

/// The interpreter as a training backend: `@train_step`, `@predict` and `@loss` run as
/// programs compiled per batch size (the training batch, the last partial batch), and
/// `@precompute` when `precompute-frozen` split the model.
public final class InterpreterBackend: TrainingBackend {
  let module: Module
  let seed: UInt64
  let store: ParameterStore
  private var executable: Executable
  public let parameters: [ParameterSlot]
  public let outputWidth: Int
  public let targetLayout: TargetLayout
  public let frozenPrefix: FrozenPrefix?

  /// A backend for `module` (which must hold `@train_step` to train) drawing dropout from `seed`.
  public init(module: Module, seed: UInt64) {
    self.module = module
    self.seed = seed
    store = ParameterStore(module: module)
    executable = Executable(module: module, parameters: store, options: Program.Options(seed: seed))
    parameters = store.slots
    outputWidth = module.function(named: "predict")?.results.first?.elementCountPerSample ?? 0
    // A module without `@loss` cannot train or score; its (unused) layout matches no data.
    targetLayout = TargetLayout(lossTargetOf: module) ?? TargetLayout(element: .U8, width: 0)
    frozenPrefix = PrecomputeFrozen.Prefix(of: module).map {
      FrozenPrefix(outputShape: $0.outputShape, text: $0.text, parameters: $0.parameters, diskCache: $0.diskCache)
    }
  }

  public var balancedClassWeights: [Float]? {
    didSet {
      executable = Executable(module: module, parameters: store,
                              options: Program.Options(seed: seed, balancedClassWeights: balancedClassWeights))
    }
  }

  public func trainBuffers(batch n: Int) throws -> (x: UnsafeMutablePointer<Float>, target: UnsafeMutableRawPointer) {
    let program = try executable.program("train_step", batch: n)
    return (program.floatArgument(0), program.argument(1))
  }

  public func trainStep(batch n: Int, lr: Float, step: Int64) throws -> (loss: Float, output: UnsafePointer<Float>) {
    let program = try executable.program("train_step", batch: n)
    program.floatArgument(2).pointee = lr
    program.argument(3).assumingMemoryBound(to: Int64.self).pointee = step
    program.run()
    return (program.floatResult(0).pointee, UnsafePointer(program.floatResult(1)))
  }

  public func predictBuffer(batch n: Int) throws -> UnsafeMutablePointer<Float> {
    try executable.program("predict", batch: n).floatArgument(0)
  }

  public func predict(batch n: Int) throws -> UnsafePointer<Float> {
    let program = try executable.program("predict", batch: n)
    program.run()
    return UnsafePointer(program.floatResult(0))
  }

  public func lossTarget(batch n: Int) throws -> UnsafeMutableRawPointer {
    try executable.program("loss", batch: n).argument(1)
  }

  public func loss(batch n: Int) throws -> Float {
    let predict = try executable.program("predict", batch: n)
    let loss = try executable.program("loss", batch: n)
    loss.floatArgument(0).update(from: predict.floatResult(0), count: predict.resultCount(0))
    loss.run()
    return loss.floatResult(0).pointee
  }

  public func precomputeBuffer(batch n: Int) throws -> UnsafeMutablePointer<Float> {
    try executable.program("precompute", batch: n).floatArgument(0)
  }

  public func precompute(batch n: Int) throws -> UnsafePointer<Float> {
    let program = try executable.program("precompute", batch: n)
    program.run()
    return UnsafePointer(program.floatResult(0))
  }
}
