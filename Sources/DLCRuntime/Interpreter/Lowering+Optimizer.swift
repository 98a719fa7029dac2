import DLCIR
import DLCKernels

/// Optimizer updates and pruning masks: in place on a parameter and its state, no results.
extension Lowering {
  func lowerOptimizer(_ op: Operation) throws(RuntimeError) -> Step? {
    switch op.opcode {
    case "sgd_update":
      // (@p, %grad, [@p.momentum_buffer], %lr, %step)
      let state = UpdateRule.sgd.stateOperands(op)
      let (p, g, n) = (f(op, 0), f(op, 1), count(op.operands[0]))
      let buffer = state["momentum_buffer"].map { f(op, $0) }
      let lr = f(op.operands[op.operands.count - 2]), step = i64(op.operands[op.operands.count - 1])
      // Hyperparameters in Double: the kernel derives its per-step scalars in Double.
      let (momentum, dampening) = (Self.double(op, "momentum"), Self.double(op, "dampening"))
      let (nesterov, decay) = (Self.bool(op, "nesterov"), Self.double(op, "weight_decay"))
      return {
        OptimizerKernel.sgd(parameter: p, grad: g, momentumBuffer: buffer, count: n, lr: lr.pointee, momentum: momentum,
                            dampening: dampening, nesterov: nesterov, weightDecay: decay, step: Int(step.pointee))
      }
    case "adam_update":
      // (@p, %grad, @p.exp_avg, @p.exp_avg_sq, [@p.max_exp_avg_sq], %lr, %step)
      let state = UpdateRule.adam.stateOperands(op)
      let (p, g, m, v, n) = (f(op, 0), f(op, 1), f(op, 2), f(op, 3), count(op.operands[0]))
      let vmax = state["max_exp_avg_sq"].map { f(op, $0) }
      let lr = f(op.operands[op.operands.count - 2]), step = i64(op.operands[op.operands.count - 1])
      let (beta1, beta2, eps) = (Self.double(op, "beta1"), Self.double(op, "beta2"), Self.float(op, "eps"))
      let (decay, decoupled) = (Self.double(op, "weight_decay"), Self.bool(op, "decoupled"))
      return {
        OptimizerKernel.adam(parameter: p, grad: g, expAvg: m, expAvgSq: v, maxExpAvgSq: vmax, count: n, lr: lr.pointee,
                             beta1: beta1, beta2: beta2, eps: eps, weightDecay: decay, decoupled: decoupled, step: Int(step.pointee))
      }
    case "rmsprop_update":
      // (@p, %grad, @p.square_avg, [@p.momentum_buffer], [@p.grad_avg], %lr, %step)
      let state = UpdateRule.rmsprop.stateOperands(op)
      let (p, g, v, n) = (f(op, 0), f(op, 1), f(op, 2), count(op.operands[0]))
      let (buffer, mean) = (state["momentum_buffer"].map { f(op, $0) }, state["grad_avg"].map { f(op, $0) })
      let lr = f(op.operands[op.operands.count - 2])
      let (alpha, eps, momentum) = (Self.double(op, "alpha"), Self.double(op, "eps"), Self.double(op, "momentum"))
      let decay = Self.double(op, "weight_decay")
      return {
        OptimizerKernel.rmsprop(parameter: p, grad: g, squareAvg: v, momentumBuffer: buffer, gradAvg: mean, count: n,
                                lr: lr.pointee, alpha: alpha, eps: eps, momentum: momentum, weightDecay: decay)
      }
    case "apply_mask":
      // (@p, @p_mask)
      let (p, mask, n) = (f(op, 0), f(op, 1), count(op.operands[0]))
      return { MaskKernel.apply(parameter: p, mask: mask, count: n) }
    default: return nil
    }
  }
}
