/// Optimizer updates: one op per trainable parameter per step, updating the parameter
/// and its optimizer state in place. They have no results; the printer writes them
/// `sgd_update(@p, %grad, …) {…}`. Formulas as the PyTorch documentation gives them for
/// `torch.optim.SGD`, `Adam` and `AdamW`. Operands named `@…` are updated in place and
/// must be module parameters (the verifier checks it). A pruned parameter's update is
/// followed by `apply_mask`, which holds its pruned entries at zero.

let optimizerOps: [OpSchema] = [sgdUpdate, adamUpdate, applyMask]

/// Checks the operands every update shares: the parameter (operand 0), the gradient and
/// the state buffers (the next `buffers` operands) of one floating-point type, then the
/// learning rate f32 and the step i64.
private func checkUpdateOperands(_ a: OpArguments, buffers: [String]) throws(ShapeError) {
  guard a.operands[0].fixedShape != nil else {
    throw ShapeError("the parameter of '\(a.opcode)' must have a fixed shape, found \(a.operands[0])")
  }
  guard a.operands[0].element.isFloatingPoint else {
    throw ShapeError("'\(a.opcode)' needs a floating-point parameter, found \(a.operands[0].element.rawValue)")
  }
  for (i, role) in (["gradient"] + buffers).enumerated() { try a.requireSameType(i + 1, role, as: 0, "parameter") }
  try a.requireScalar(buffers.count + 2, "learning rate", .f32)
  try a.requireScalar(buffers.count + 3, "step", .i64)
}

/// Requires number attribute `key` to satisfy `ok`; `range` says which values do.
private func requireNumber(_ a: OpArguments, _ key: String, _ range: String, _ ok: (Double) -> Bool) throws(ShapeError) {
  let v = try a.float(key)
  guard ok(v), v.isFinite else { throw ShapeError("\(key) of '\(a.opcode)' must be \(range), found \(IRFormat.float(v))") }
}

/// sgd_update(@p, grad, @p.momentum_buffer?, lr, step) {momentum, dampening, nesterov,
/// weight_decay}: g = grad + weight_decay·p; with momentum μ, b = g at step 1, else
/// b = μ·b + (1 − dampening)·g, and g = g + μ·b (nesterov) or b; then p = p − lr·g.
/// The buffer is present exactly when momentum ≠ 0.
let sgdUpdate = OpSchema(
  name: "sgd_update", summary: "stochastic gradient descent step, with optional (Nesterov) momentum",
  operands: ["@param", "grad", "@momentum_buffer?", "lr", "step"],
  attributes: [
    .required("momentum", .float, "momentum factor, in [0, 1)"),
    .required("dampening", .float, "dampening of the momentum, in [0, 1)"),
    .required("nesterov", .bool, "Nesterov momentum; needs momentum > 0 and dampening 0"),
    .required("weight_decay", .float, "L2 penalty added to the gradient, ≥ 0"),
  ],
  traits: .updatesState,
  infer: { a throws(ShapeError) in
    let momentum = try a.float("momentum")
    try requireNumber(a, "momentum", "in [0, 1)") { $0 >= 0 && $0 < 1 }
    try requireNumber(a, "dampening", "in [0, 1)") { $0 >= 0 && $0 < 1 }
    try requireNumber(a, "weight_decay", "≥ 0") { $0 >= 0 }
    let buffered = momentum != 0
    guard a.operands.count == (buffered ? 5 : 4) else {
      throw ShapeError("'sgd_update' with momentum = \(IRFormat.float(momentum)) takes \(buffered ? 5 : 4) operands, found \(a.operands.count)",
                       help: buffered ? "give the momentum buffer after the gradient" : "a momentum buffer is only used with momentum > 0")
    }
    let dampening = try a.float("dampening")
    if try a.bool("nesterov"), !(momentum > 0 && dampening == 0) {
      throw ShapeError("Nesterov momentum needs momentum > 0 and dampening 0")
    }
    try checkUpdateOperands(a, buffers: buffered ? ["momentum buffer"] : [])
    return []
  },
  flops: { a, _ in mul(a.operands.count == 5 ? 6 : 3, a.operands[0].elementCountPerSample) })

/// adam_update(@p, grad, @p.exp_avg, @p.exp_avg_sq, @p.max_exp_avg_sq?, lr, step)
/// {beta1, beta2, eps, weight_decay, amsgrad, decoupled}: Adam (Kingma & Ba 2015) with
/// bias correction by step; weight decay is L2 added to the gradient, or with
/// `decoupled = true` (AdamW, Loshchilov & Hutter 2019) p = p·(1 − lr·weight_decay).
/// The maximum buffer is present exactly when `amsgrad = true`.
let adamUpdate = OpSchema(
  name: "adam_update", summary: "Adam or AdamW step",
  operands: ["@param", "grad", "@exp_avg", "@exp_avg_sq", "@max_exp_avg_sq?", "lr", "step"],
  attributes: [
    .required("beta1", .float, "decay of the first moment, in [0, 1)"),
    .required("beta2", .float, "decay of the second moment, in [0, 1)"),
    .required("eps", .float, "added to the denominator, > 0"),
    .required("weight_decay", .float, "weight decay, ≥ 0"),
    .required("amsgrad", .bool, "use the maximum of past second moments"),
    .required("decoupled", .bool, "decay the weights directly (AdamW) instead of adding to the gradient"),
  ],
  traits: .updatesState,
  infer: { a throws(ShapeError) in
    try requireNumber(a, "beta1", "in [0, 1)") { $0 >= 0 && $0 < 1 }
    try requireNumber(a, "beta2", "in [0, 1)") { $0 >= 0 && $0 < 1 }
    try requireNumber(a, "eps", "> 0") { $0 > 0 }
    try requireNumber(a, "weight_decay", "≥ 0") { $0 >= 0 }
    let amsgrad = try a.bool("amsgrad")
    guard a.operands.count == (amsgrad ? 7 : 6) else {
      throw ShapeError("'adam_update' with amsgrad = \(amsgrad) takes \(amsgrad ? 7 : 6) operands, found \(a.operands.count)",
                       help: amsgrad ? "give max_exp_avg_sq after exp_avg_sq" : "max_exp_avg_sq is only used with amsgrad")
    }
    try checkUpdateOperands(a, buffers: ["exp_avg", "exp_avg_sq"] + (amsgrad ? ["max_exp_avg_sq"] : []))
    return []
  },
  flops: { a, _ in mul(a.operands.count == 7 ? 13 : 12, a.operands[0].elementCountPerSample) })

/// apply_mask(@p, mask): p = p ⊙ mask, in place. The mask is a parameter of p's type
/// holding 0 (pruned) or 1 (kept), made by the `prune` pass; autodiff puts this op right
/// after the update of every parameter that has one, so pruned weights stay zero through
/// training (Zhu & Gupta 2017 train with masks the same way).
let applyMask = OpSchema(
  name: "apply_mask", summary: "multiply a parameter by its 0/1 pruning mask, in place",
  operands: ["@param", "mask"],
  traits: .updatesState,
  infer: { a throws(ShapeError) in
    guard a.operands[0].fixedShape != nil else {
      throw ShapeError("the parameter of 'apply_mask' must have a fixed shape, found \(a.operands[0])")
    }
    guard a.operands[0].element == .f32 else {
      throw ShapeError("'apply_mask' needs an f32 parameter, found \(a.operands[0].element.rawValue)")
    }
    try a.requireSameType(1, "mask", as: 0, "parameter")
    return []
  },
  flops: { a, _ in a.operands[0].elementCountPerSample })
