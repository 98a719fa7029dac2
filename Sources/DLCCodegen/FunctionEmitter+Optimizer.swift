import DLCIR

/// Optimizer updates with their hyperparameters as literals, and pruning masks (as
/// `Lowering+Optimizer.swift`).
extension FunctionEmitter {
  mutating func emitOptimizer(_ op: Operation) throws(CodegenError) -> Bool {
    switch op.opcode {
    case "sgd_update":
      // (@p, %grad, [@p.momentum_buffer], %lr, %step)
      let n = count(op.operands[0]).code
      let (p, g) = (operand(op, 0), operand(op, 1))
      let buffer = op.operands.count == 5 ? operand(op, 2) : "nil"
      text.call("OptimizerKernel.sgd", [
        "parameter: \(p)", "grad: \(g)", "momentumBuffer: \(buffer)", "count: \(n)", "lr: lr",
        "momentum: \(Self.doubleLiteral(op, "momentum"))", "dampening: \(Self.doubleLiteral(op, "dampening"))",
        "nesterov: \(Self.bool(op, "nesterov"))", "weightDecay: \(Self.doubleLiteral(op, "weight_decay"))", "step: Int(step)",
      ])
    case "adam_update":
      // (@p, %grad, @p.exp_avg, @p.exp_avg_sq, [@p.max_exp_avg_sq], %lr, %step)
      let n = count(op.operands[0]).code
      let (p, g, m, v) = (operand(op, 0), operand(op, 1), operand(op, 2), operand(op, 3))
      let vmax = op.operands.count == 7 ? operand(op, 4) : "nil"
      text.call("OptimizerKernel.adam", [
        "parameter: \(p)", "grad: \(g)", "expAvg: \(m)", "expAvgSq: \(v)", "maxExpAvgSq: \(vmax)", "count: \(n)", "lr: lr",
        "beta1: \(Self.doubleLiteral(op, "beta1", 0.9))", "beta2: \(Self.doubleLiteral(op, "beta2", 0.999))",
        "eps: \(Self.literal(op, "eps", 1e-8))", "weightDecay: \(Self.doubleLiteral(op, "weight_decay"))",
        "decoupled: \(Self.bool(op, "decoupled"))", "step: Int(step)",
      ])
    case "apply_mask":
      // (@p, @p_mask)
      let n = count(op.operands[0]).code
      let (p, mask) = (operand(op, 0), operand(op, 1))
      text.call("MaskKernel.apply", ["parameter: \(p)", "mask: \(mask)", "count: \(n)"])
    default: return false
    }
    return true
  }
}
