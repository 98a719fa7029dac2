/// Training forms of forward ops: what `@train_step` runs instead of dropout, batchnorm
/// and self_attention. Each checks its operands with its forward op's rule and returns,
/// besides the forward result, what the backward op needs (see docs/training-ir.md).

let trainingOps: [OpSchema] = [dropoutTrain, batchnormTrain, selfAttentionTrain]

/// The `stream` attribute of a random op: which counter-based stream its draws use.
let streamAttribute = AttributeSpec.required("stream", .int, "random stream, unique among the function's random ops, ≥ 0")

/// Checks the `stream` attribute.
func checkStream(_ a: OpArguments) throws(ShapeError) {
  let stream = try a.int("stream")
  guard stream >= 0 else { throw ShapeError("the stream of '\(a.opcode)' must not be negative, found \(stream)") }
}

/// Runs `schema`'s rule on operands `indices` of `a`, under `a`'s opcode.
func forwardRule(_ schema: OpSchema, _ a: OpArguments, operands indices: Range<Int>) throws(ShapeError) -> [TensorType] {
  try schema.rule(OpArguments(opcode: a.opcode, operands: Array(a.operands[indices]), attributes: a.attributes))
}

/// dropout_train(x, step i64) {rate, stream} → y: inverted dropout; element i is kept
/// when the stream's uniform draw i is ≥ rate, and kept elements are scaled by 1/(1 − rate).
let dropoutTrain = OpSchema(
  name: "dropout_train", summary: "inverted dropout with a mask from a random stream", operands: ["x", "step"],
  attributes: [.required("rate", .float, "probability of zeroing an element, in [0, 1)"), streamAttribute],
  traits: [.random, .elementwise],
  infer: { a throws(ShapeError) in
    try a.requireScalar(1, "step", .i64)
    try checkStream(a)
    return try forwardRule(dropout, a, operands: 0..<1)
  },
  flops: onePerOutputElement)

/// batchnorm_train(x, gamma?, beta?, running_mean, running_var) {momentum, eps} →
/// (y, mean [C], invstd [C]): normalizes with the batch statistics (biased variance) and
/// updates the running statistics with the unbiased variance, as PyTorch does.
let batchnormTrain = OpSchema(
  name: "batchnorm_train", summary: "batch normalization with batch statistics; updates the running ones",
  operands: ["x", "gamma?", "beta?", "running_mean", "running_var"],
  attributes: batchnorm.attributes,
  traits: [.updatesState, .hasParameters],
  infer: { a throws(ShapeError) in
    let y = try forwardRule(batchnorm, a, operands: 0..<a.operands.count)[0]
    let channels = a.operands[a.operands.count - 1]
    return [y, channels, channels]
  },
  flops: { a, _ in mul(7, a.operands[0].elementCountPerSample) })

/// self_attention_train(x, w_qkv, b_qkv?, w_out, b_out?, step i64) {heads, causal,
/// dropout, bias, stream} → (y, qkv [N, L, 3D], probs [N, H, L, L], context [N, L, D]):
/// `probs` are the attention weights before dropout, `context` the heads' weighted
/// values after it, merged, before the output projection.
let selfAttentionTrain = OpSchema(
  name: "self_attention_train", summary: "self-attention with attention dropout; keeps what the backward pass needs",
  operands: ["x", "w_qkv", "b_qkv?", "w_out", "b_out?", "step"],
  attributes: selfAttention.attributes + [streamAttribute],
  traits: [.random, .hasParameters],
  infer: { a throws(ShapeError) in
    let bias = try a.bool("bias")
    guard a.operands.count == (bias ? 6 : 4) else {
      throw ShapeError("'self_attention_train' with bias = \(bias) takes \(bias ? 6 : 4) operands, found \(a.operands.count)")
    }
    let last = a.operands.count - 1
    try a.requireScalar(last, "step", .i64)
    try checkStream(a)
    let y = try forwardRule(selfAttention, a, operands: 0..<last)[0]
    return [y] + attentionSaved(y, heads: try a.int("heads"))
  },
  flops: { a, results in
    var attributes = a.attributes
    attributes["stream"] = nil
    let forward = selfAttention.flopsPerSample(operands: Array(a.operands.dropLast()), results: [results[0]], attributes: attributes)
    // The dropout mask on the attention weights: one draw per weight.
    return sum(forward, results[2].elementCountPerSample)
  })

/// What self-attention keeps for its backward pass, given its output [N, L, D]:
/// qkv [N, L, 3D], probs [N, H, L, L], context [N, L, D].
func attentionSaved(_ y: TensorType, heads: Int) -> [TensorType] {
  let s = y.perSampleShape ?? [0, 0]
  let (l, d) = (s[0], s[1])
  return [
    TensorType(perSample: [l, mul(3, d)], element: y.element),
    TensorType(perSample: [heads, l, l], element: y.element),
    y,
  ]
}
