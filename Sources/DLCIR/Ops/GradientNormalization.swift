/// Backward ops of layernorm, groupnorm, batchnorm (training form) and dropout (training form).

let normalizationGradientOps: [OpSchema] = [layernormGrad, groupnormGrad, batchnormGrad, dropoutGrad]

/// layernorm_grad(dy, x, gamma [D]) {eps} → (dx, dgamma [D], dbeta [D]); the statistics
/// of each row are recomputed from x (Ba et al. 2016).
let layernormGrad = OpSchema(
  name: "layernorm_grad", summary: "gradient of 'layernorm' with respect to its input, gamma and beta",
  operands: ["dy", "x", "gamma"], attributes: layernorm.attributes,
  infer: { a throws(ShapeError) in
    try a.requireFloating(0, "gradient")
    try a.requireSameType(1, "input", as: 0, "gradient")
    let gamma = a.operands[2]
    _ = try layernorm.rule(OpArguments(opcode: a.opcode, operands: [a.operands[1], gamma, gamma], attributes: a.attributes))
    return [a.operands[0], gamma, gamma]
  },
  flops: { a, _ in mul(8, a.operands[0].elementCountPerSample) })

/// groupnorm_grad(dy, x, gamma?) {groups, eps} → (dx, dgamma [C], dbeta [C]), or dx alone
/// without gamma; each group's statistics are recomputed from x (Wu & He 2018).
let groupnormGrad = OpSchema(
  name: "groupnorm_grad", summary: "gradient of 'groupnorm' with respect to its input, gamma and beta",
  operands: ["dy", "x", "gamma?"], attributes: groupnorm.attributes,
  infer: { a throws(ShapeError) in
    try a.requireFloating(0, "gradient")
    try a.requireSameType(1, "input", as: 0, "gradient")
    let affine = Array(a.operands.dropFirst(2))
    _ = try groupnorm.rule(OpArguments(opcode: a.opcode, operands: [a.operands[1]] + affine + affine, attributes: a.attributes))
    return [a.operands[0]] + affine + affine
  },
  flops: { a, _ in mul(8, a.operands[0].elementCountPerSample) })

/// batchnorm_grad(dy, x, gamma?, mean, invstd) → (dx, dgamma, dbeta), all vectors [C], or
/// dx alone without gamma: the gradient through batch statistics, from the mean and
/// 1/√(var + eps) that batchnorm_train returned (Ioffe & Szegedy 2015, section 3).
let batchnormGrad = OpSchema(
  name: "batchnorm_grad", summary: "gradient of 'batchnorm_train' with respect to its input, gamma and beta",
  operands: ["dy", "x", "gamma?", "mean", "invstd"],
  infer: { a throws(ShapeError) in
    let x = try a.sample(0, "gradient")
    try a.requireFloating(0, "gradient")
    try a.requireSameType(1, "input", as: 0, "gradient")
    guard x.count == 1 || x.count == 3 else {
      throw ShapeError("'batchnorm_grad' needs features [F] or an image [C, H, W], found \(shapeText(x))")
    }
    let what = x.count == 1 ? "features" : "channels"
    let affine = a.operands.count == 5
    for (i, role) in ((affine ? ["gamma"] : []) + ["mean", "invstd"]).enumerated() {
      try a.requireVector(i + 2, role, count: x[0], of: what)
    }
    return [a.operands[0]] + (affine ? [a.operands[2], a.operands[2]] : [])
  },
  flops: { a, _ in mul(7, a.operands[0].elementCountPerSample) })

/// dropout_grad(dy, step i64) {rate, stream} → dx: dy through the mask of `stream` at
/// this step, regenerated rather than stored. It draws what dropout_train drew, so it
/// has no effect of its own: unused, it may be removed.
let dropoutGrad = OpSchema(
  name: "dropout_grad", summary: "gradient of 'dropout_train': dy through the regenerated mask", operands: ["dy", "step"],
  attributes: dropoutTrain.attributes, traits: .elementwise,
  infer: { a throws(ShapeError) in
    try a.requireScalar(1, "step", .i64)
    try checkStream(a)
    return try forwardRule(dropout, a, operands: 0..<1)
  },
  flops: onePerOutputElement)
