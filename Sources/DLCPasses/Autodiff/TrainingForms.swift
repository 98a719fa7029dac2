import DLCIR

/// The forward ops as `@train_step` runs them: dropout, batchnorm (unless frozen) and
/// self_attention in their training forms, with random streams numbered in program order
/// from 0; every other op unchanged.
struct TrainingForms {
  /// The step argument every random op takes.
  let step: String
  /// Whether a parameter is trained (trainable and its layer not frozen).
  let isTrained: (String) -> Bool
  /// The layers `train.freeze` lists.
  let frozenLayers: Set<String>
  /// The layer of each parameter (its `layer` attribute).
  let layerOf: [String: String]
  /// The next random stream.
  private(set) var nextStream = 0

  init(step: String, isTrained: @escaping (String) -> Bool, frozenLayers: Set<String> = [], layerOf: [String: String] = [:]) {
    self.step = step
    self.isTrained = isTrained
    self.frozenLayers = frozenLayers
    self.layerOf = layerOf
  }

  /// `op` in its training form; extra results get names from `b` and types from the
  /// training form's schema.
  mutating func convert(_ op: Operation, _ b: inout GradientBuilder) throws(AutodiffError) -> Operation {
    var op = op
    let extra: [String]
    switch op.opcode {
    case "dropout":
      op.opcode = "dropout_train"
      op.operands.append(.value(step))
      op.attributes["stream"] = .int(takeStream())
      extra = []
    case "batchnorm" where !isFrozenBatchnorm(op):
      op.opcode = "batchnorm_train"
      extra = ["mean", "invstd"]
    case "self_attention":
      op.opcode = "self_attention_train"
      op.operands.append(.value(step))
      op.attributes["stream"] = .int(takeStream())
      extra = ["qkv", "probs", "context"]
    default:
      return op
    }
    let types: [TensorType]
    do {
      types = try OpRegistry.schema(op.opcode)!.infer(operands: op.operands.map { b.type(of: $0) }, attributes: op.attributes)
    } catch {
      throw AutodiffError("the training form of %\(op.results[0].name) does not fit: \(error)")
    }
    let y = op.results[0].name
    op.results += zip(extra, types.dropFirst()).map { Value(name: b.fresh(y + "." + $0), type: $1) }
    return op
  }

  /// A batchnorm is frozen when neither gamma nor beta is trained; one without them
  /// (no affine part) when `train.freeze` lists its layer.
  private func isFrozenBatchnorm(_ op: Operation) -> Bool {
    guard op.operands.count == 5 else { return layerOf[op.operands[1].name].map(frozenLayers.contains) ?? false }
    return op.operands[1...2].allSatisfy { o in
      if case .param(let p) = o { return !isTrained(p) }
      return false
    }
  }

  private mutating func takeStream() -> Int {
    defer { nextStream += 1 }
    return nextStream
  }
}
