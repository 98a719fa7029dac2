/// Backward ops of conv2d and the pools. A strided window maps several input sizes to one
/// output size, so these ops take the input's (or the kernel's) size from their declared
/// result type and check it by running the forward rule on it.

let spatialGradientOps: [OpSchema] = [
  conv2dGradInput, conv2dGradWeight, conv2dGradBias,
  poolGradient(pool("maxpool2d", ""), takesInput: true, "the first maximum of each window takes its gradient"),
  poolGradient(pool("avgpool2d", ""), takesInput: false, "each window's gradient spread evenly, padding in the divisor"),
  globalAvgPoolGrad,
]

/// Checks that `forward`, applied to `operands`, gives the type of the gradient dy
/// (operand 0 of `a`): the declared result is consistent with dy.
func requireForward(
  _ forward: OpSchema, _ a: OpArguments, _ operands: [TensorType], gives what: String
) throws(ShapeError) {
  let y = try forward.rule(OpArguments(opcode: a.opcode, operands: operands, attributes: a.attributes))[0]
  guard y == a.operands[0] else {
    throw ShapeError("'\(a.opcode)' has a gradient \(describe(a.operands[0])), but '\(forward.name)' of \(what) gives \(describe(y))")
  }
}

/// conv2d_grad_input(dy [N, K, H', W'], weight [K, C, kh, kw]) {stride, padding,
/// dilation} → dx [N, C, H, W], the transposed convolution of dy; H, W from the result.
let conv2dGradInput = OpSchema(
  name: "conv2d_grad_input", summary: "gradient of 'conv2d' with respect to its input", operands: ["dy", "weight"],
  attributes: conv2d.attributes,
  infer: { a throws(ShapeError) in
    try a.requireFloating(0, "gradient")
    let x = try a.declared(0, gives: "the input size")
    try requireForward(conv2d, a, [x, a.operands[1]], gives: "the declared input \(describe(x))")
    return [x]
  },
  flops: { a, _ in
    let w = a.operands[1].fixedShape ?? []
    return mul(2, count(Array(w.dropFirst())), a.operands[0].elementCountPerSample)
  })

/// conv2d_grad_weight(dy [N, K, H', W'], x [N, C, H, W]) {stride, padding, dilation} →
/// dW [K, C, kh, kw], dy correlated with x over the batch; kh, kw from the result.
let conv2dGradWeight = OpSchema(
  name: "conv2d_grad_weight", summary: "gradient of 'conv2d' with respect to its weight", operands: ["dy", "x"],
  attributes: conv2d.attributes,
  infer: { a throws(ShapeError) in
    try a.requireFloating(0, "gradient")
    try a.requireSameElement(1, "input")
    let w = try a.declared(0, gives: "the kernel size")
    try requireForward(conv2d, a, [a.operands[1], w], gives: "the input and the declared weight \(shapeText(w.fixedShape ?? []))")
    return [w]
  },
  flops: { a, results in
    let w = results[0].fixedShape ?? []
    return mul(2, count(Array(w.dropFirst())), a.operands[0].elementCountPerSample)
  })

/// conv2d_grad_bias(dy [N, K, H', W']) → db [K], dy summed over the batch and positions.
let conv2dGradBias = OpSchema(
  name: "conv2d_grad_bias", summary: "gradient of 'conv2d' with respect to its bias", operands: ["dy"],
  infer: { a throws(ShapeError) in
    let dy = try a.sample(0, "gradient")
    try a.requireFloating(0, "gradient")
    guard dy.count == 3 else { throw ShapeError("'conv2d_grad_bias' needs a gradient [K, H, W] per sample, found \(shapeText(dy))") }
    return [TensorType(shape: [dy[0]], element: a.operands[0].element)]
  },
  flops: { a, _ in a.operands[0].elementCountPerSample })

/// maxpool2d_grad(dy, x) / avgpool2d_grad(dy) {size, stride, padding} → dx of the pool's
/// input type (for avgpool2d, the declared result).
func poolGradient(_ forward: OpSchema, takesInput: Bool, _ summary: String) -> OpSchema {
  OpSchema(
    name: forward.name + "_grad", summary: "gradient of '\(forward.name)': " + summary,
    operands: takesInput ? ["dy", "x"] : ["dy"], attributes: forward.attributes,
    infer: { a throws(ShapeError) in
      try a.requireFloating(0, "gradient")
      let x = takesInput ? a.operands[1] : try a.declared(0, gives: "the input size")
      try requireForward(forward, a, [x], gives: takesInput ? "the input \(describe(x))" : "the declared input \(describe(x))")
      return [x]
    },
    flops: { a, _ in
      mul(a.operands[0].elementCountPerSample, count(a.attributes["size"]?.intList ?? []))
    })
}

/// global_avgpool_grad(dy [N, C]) → dx [N, C, H, W] or [N, L, C], dy / positions at
/// every position; the positions come from the declared result.
let globalAvgPoolGrad = OpSchema(
  name: "global_avgpool_grad", summary: "gradient of 'global_avgpool': dy spread evenly over all positions",
  operands: ["dy"],
  infer: { a throws(ShapeError) in
    try a.requireFloating(0, "gradient")
    let x = try a.declared(0, gives: "the positions")
    try requireForward(globalAvgPool, a, [x], gives: "the declared input \(describe(x))")
    return [x]
  },
  flops: { _, results in results[0].elementCountPerSample })
