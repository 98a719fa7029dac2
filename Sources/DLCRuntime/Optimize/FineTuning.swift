/// Fine-tuning for the optimization passes (`PassContext.fineTune`): a pass hands over a
/// rewritten deployed model (`@predict`, `@loss`, its parameters, masks included) and its
/// weights; this trains it for some epochs on the run's train split and hands back the
/// weights. Deterministic: the same module, weights and data give the same bits.
import DLCIR
import DLCPasses
import DLCTraining

/// Trains deployed models on the training split of the checkpoint they came from.
public struct FineTuning {
  let run: RunDescription
  /// The train split, normalized with the checkpoint's statistics.
  let train: Dataset
  let seed: UInt64
  let balancedClassWeights: [Float]?

  /// Fine-tuning on `split`, the train split a checkpoint saw (`Inference.trainingSplit`).
  public init(run: RunDescription, split: (train: Dataset, seed: UInt64, balancedClassWeights: [Float]?)) {
    self.run = run
    (train, seed, balancedClassWeights) = split
  }

  /// Installs this as the context's fine-tuning service.
  public func install(in context: PassContext) {
    context.fineTune = { module, weights, epochs, lr, beforeEpoch in
      try self.train(module, weights: weights, epochs: epochs, lr: lr, beforeEpoch: beforeEpoch)
    }
  }

  /// Trains `module` from `weights` for `epochs` epochs at the constant rate `lr` with the
  /// module's optimizer (fresh state), as a list of steps: derive the training step, load
  /// the weights, then per epoch let `beforeEpoch` rewrite the weights, and run the
  /// shuffled batches; `beforeEpoch(epochs, …)` has the last word.
  public func train(
    _ module: Module, weights: Weights, epochs: Int, lr: Double, beforeEpoch: (Int, inout Weights) throws -> Void
  ) throws -> Weights {
    let backend = InterpreterBackend(module: try Self.trainingModule(module, lr: lr), seed: seed)
    backend.balancedClassWeights = balancedClassWeights
    let slots = backend.parameters.filter { !$0.isOptimizerState }
    var current = weights
    var step: Int64 = 0
    for epoch in 0..<epochs {
      try beforeEpoch(epoch, &current)
      try slots.load(current)
      let order = EpochBatches(count: train.count, batchSize: run.train.batchSize, seed: seed, epoch: epoch)
      for b in 0..<order.count {
        let indices = order[b]
        let buffers = try backend.trainBuffers(batch: indices.count)
        try train.gather(indices, x: buffers.x, target: buffers.target, as: backend.targetLayout)
        step += 1
        let (loss, _) = try backend.trainStep(batch: indices.count, lr: Float(lr), step: step)
        guard loss.isFinite else {
          throw RuntimeError("fine-tuning diverged: the loss is not a finite number at epoch \(epoch + 1), batch \(b + 1) (learning rate \(lr))")
        }
      }
      Self.store(slots, into: &current)
    }
    try beforeEpoch(epochs, &current)
    return current
  }

  /// `module` with `@train_step` at a constant `lr` (the `train` attribute says so too).
  static func trainingModule(_ module: Module, lr: Double) throws -> Module {
    var m = module
    if var train = m.attributes["train"]?.dictValue {
      if var optimizer = train["optimizer"]?.dictValue {
        optimizer["lr"] = .float(lr)
        train["optimizer"] = .dict(optimizer)
      }
      train["schedule"] = .dict(["kind": .string("constant"), "warmup_epochs": .int(0)])
      m.attributes["train"] = .dict(train)
    }
    for pass in try PassPipeline.training([]) { try pass.run(on: &m) }
    let problems = verify(m)
    guard problems.isEmpty else {
      throw RuntimeError("fine-tuning: the training step is invalid: " + problems.map(\.description).joined(separator: "; "))
    }
    return m
  }

  /// Copies the backend's f32 model parameters back into `weights`.
  static func store(_ slots: [ParameterSlot], into weights: inout Weights) {
    for slot in slots where slot.dtype == .F32 {
      weights[slot.name] = Weights.Tensor(shape: slot.shape, floats: Array(UnsafeBufferPointer(start: slot.pointer, count: slot.count)))
    }
  }
}
