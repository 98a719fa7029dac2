import DLCIR
import DLCKernels

/// Optimizer updates and pruning masks: in place on a parameter and its state, no results.
/// State operands are found by slot name through the op's `UpdateRule`, hyperparameters
/// pass as Double (the kernels derive their per-step scalars in Double), and the learning
/// rate and the step are read when the call runs.
let optimizerBindings: [String: KernelBinding] = [
  // (@p, %grad, [@p.momentum_buffer], %lr, %step)
  "sgd_update": KernelBinding { v in
    let (state, a) = (UpdateRule.sgd.stateOperands(v.op), v.attributes)
    return [
      KernelCall("OptimizerKernel.sgd", [
        .init("parameter", .operand(0)), .init("grad", .operand(1)), .init("momentumBuffer", slot(state, "momentum_buffer")),
        .init("count", .size(v.count(0))), .init("lr", lr(v)), .init("momentum", .double(a.double("momentum"))),
        .init("dampening", .double(a.double("dampening"))), .init("nesterov", .bool(a.bool("nesterov"))),
        .init("weightDecay", .double(a.double("weight_decay"))), .init("step", step(v)),
      ]) { k in
        let (p, g, buffer, n, lr, step) = (k.f32("parameter"), k.f32("grad"), k.optionalF32("momentumBuffer"), k.int("count"),
                                          k.f32("lr"), k.i64("step"))
        let (momentum, dampening, nesterov, decay) = (k.double("momentum"), k.double("dampening"), k.bool("nesterov"),
                                                      k.double("weightDecay"))
        return {
          OptimizerKernel.sgd(parameter: p, grad: g, momentumBuffer: buffer, count: n, lr: lr.pointee, momentum: momentum,
                              dampening: dampening, nesterov: nesterov, weightDecay: decay, step: Int(step.pointee))
        }
      }
    ]
  },
  // (@p, %grad, @p.exp_avg, @p.exp_avg_sq, [@p.max_exp_avg_sq], %lr, %step)
  "adam_update": KernelBinding { v in
    let (state, a) = (UpdateRule.adam.stateOperands(v.op), v.attributes)
    return [
      KernelCall("OptimizerKernel.adam", [
        .init("parameter", .operand(0)), .init("grad", .operand(1)), .init("expAvg", slot(state, "exp_avg")),
        .init("expAvgSq", slot(state, "exp_avg_sq")), .init("maxExpAvgSq", slot(state, "max_exp_avg_sq")),
        .init("count", .size(v.count(0))), .init("lr", lr(v)), .init("beta1", .double(a.double("beta1"))),
        .init("beta2", .double(a.double("beta2"))), .init("eps", .float(a.float("eps"))),
        .init("weightDecay", .double(a.double("weight_decay"))), .init("decoupled", .bool(a.bool("decoupled"))),
        .init("step", step(v)),
      ]) { k in
        let (p, g, m, s, vmax, n) = (k.f32("parameter"), k.f32("grad"), k.f32("expAvg"), k.f32("expAvgSq"),
                                     k.optionalF32("maxExpAvgSq"), k.int("count"))
        let (lr, step, beta1, beta2, eps) = (k.f32("lr"), k.i64("step"), k.double("beta1"), k.double("beta2"), k.float("eps"))
        let (decay, decoupled) = (k.double("weightDecay"), k.bool("decoupled"))
        return {
          OptimizerKernel.adam(parameter: p, grad: g, expAvg: m, expAvgSq: s, maxExpAvgSq: vmax, count: n, lr: lr.pointee,
                               beta1: beta1, beta2: beta2, eps: eps, weightDecay: decay, decoupled: decoupled,
                               step: Int(step.pointee))
        }
      }
    ]
  },
  // (@p, %grad, @p.square_avg, [@p.momentum_buffer], [@p.grad_avg], %lr, %step)
  "rmsprop_update": KernelBinding { v in
    let (state, a) = (UpdateRule.rmsprop.stateOperands(v.op), v.attributes)
    return [
      KernelCall("OptimizerKernel.rmsprop", [
        .init("parameter", .operand(0)), .init("grad", .operand(1)), .init("squareAvg", slot(state, "square_avg")),
        .init("momentumBuffer", slot(state, "momentum_buffer")), .init("gradAvg", slot(state, "grad_avg")),
        .init("count", .size(v.count(0))), .init("lr", lr(v)), .init("alpha", .double(a.double("alpha"))),
        .init("eps", .double(a.double("eps"))), .init("momentum", .double(a.double("momentum"))),
        .init("weightDecay", .double(a.double("weight_decay"))),
      ]) { k in
        let (p, g, s, buffer, mean, n) = (k.f32("parameter"), k.f32("grad"), k.f32("squareAvg"), k.optionalF32("momentumBuffer"),
                                          k.optionalF32("gradAvg"), k.int("count"))
        let (lr, alpha, eps, momentum, decay) = (k.f32("lr"), k.double("alpha"), k.double("eps"), k.double("momentum"),
                                                 k.double("weightDecay"))
        return {
          OptimizerKernel.rmsprop(parameter: p, grad: g, squareAvg: s, momentumBuffer: buffer, gradAvg: mean, count: n,
                                  lr: lr.pointee, alpha: alpha, eps: eps, momentum: momentum, weightDecay: decay)
        }
      }
    ]
  },
  // (@p, @p_mask)
  "apply_mask": KernelBinding { v in
    [
      KernelCall("MaskKernel.apply", [.init("parameter", .operand(0)), .init("mask", .operand(1)), .init("count", .size(v.count(0)))]) { k in
        let (p, mask, n) = (k.f32("parameter"), k.f32("mask"), k.int("count"))
        return { MaskKernel.apply(parameter: p, mask: mask, count: n) }
      }
    ]
  },
]

/// State slot `name` of an update: its operand, or nil when the update has none.
private func slot(_ state: [String: Int], _ name: String) -> KernelValue { state[name].map { .operand($0) } ?? .none }

/// The learning rate: the second-to-last operand, read when the update runs.
private func lr(_ v: OpView) -> KernelValue { .scalarOperand(v.operandCount - 2, as: .float) }

/// The optimizer step: the last operand, read when the update runs.
private func step(_ v: OpView) -> KernelValue { .scalarOperand(v.operandCount - 1, as: .int) }
