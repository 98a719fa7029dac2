/// Backward op of self-attention (training form).

let attentionGradientOps: [OpSchema] = [selfAttentionGrad]

/// self_attention_grad(dy, x, qkv, probs, context, w_qkv, w_out, step i64) {heads,
/// causal, dropout, bias, stream} → (dx, dw_qkv, db_qkv?, dw_out, db_out?): the
/// gradients of self_attention_train from what it kept; the attention-dropout mask is
/// regenerated from `stream`. The bias gradients are results exactly when `bias = true`.
let selfAttentionGrad = OpSchema(
  name: "self_attention_grad", summary: "gradient of 'self_attention_train' with respect to its input and weights",
  operands: ["dy", "x", "qkv", "probs", "context", "w_qkv", "w_out", "step"],
  attributes: selfAttentionTrain.attributes,
  infer: { a throws(ShapeError) in
    try a.requireFloating(0, "gradient")
    try a.requireSameType(1, "input", as: 0, "gradient")
    try a.requireScalar(7, "step", .i64)
    try checkStream(a)
    let bias = try a.bool("bias")
    var unbiased = a.attributes
    unbiased["bias"] = .bool(false)
    let (x, wqkv, wout) = (a.operands[1], a.operands[5], a.operands[6])
    _ = try selfAttention.rule(OpArguments(opcode: a.opcode, operands: [x, wqkv, wout], attributes: unbiased))
    let saved = attentionSaved(x, heads: try a.int("heads"))
    for (i, role) in ["qkv", "probs", "context"].enumerated() where a.operands[i + 2] != saved[i] {
      throw ShapeError("the \(role) of 'self_attention_grad' must be \(saved[i]) for an input \(describe(x)), found \(a.operands[i + 2])")
    }
    let vector = { (t: TensorType) in TensorType(shape: [t.fixedShape?.first ?? 0], element: t.element) }
    return bias ? [x, wqkv, vector(wqkv), wout, vector(wout)] : [x, wqkv, wout]
  },
  flops: { a, _ in
    // Twice the forward's products: each product of the forward gives two in the backward.
    var attributes = a.attributes
    attributes["stream"] = nil
    attributes["bias"] = .bool(false)
    let forward = selfAttention.flopsPerSample(operands: [a.operands[1], a.operands[5], a.operands[6]], results: [a.operands[0]],
                                               attributes: attributes)
    return mul(2, forward)
  })
