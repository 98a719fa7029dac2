/// Ops with weight matrices: dense, conv2d, embedding, self_attention.
/// Weight layouts follow PyTorch: dense `[out, in]`, conv `[out, in, kh, kw]`.

let linearOps: [OpSchema] = [dense, conv2d, embedding, selfAttention]

/// dense(x [N, F] or [N, L, F], w [out, F], b [out]?) → [N, out] or [N, L, out].
let dense = OpSchema("dense", "y = x·wᵀ + b over the last axis", infer: { ops, _ throws(ShapeError) in
  try operandCount(ops, 2...3, "dense")
  let x = try sample(ops[0], "the input")
  guard x.count == 1 || x.count == 2 else {
    throw ShapeError("dense applies to [F] or [L, F] inputs, found \(shapeText(x))", help: "add '- flatten' before it")
  }
  let w = try fixed(ops[1], "the weight")
  guard w.count == 2, w[1] == x.last! else {
    throw ShapeError("weight \(shapeText(w)) does not fit \(x.last!) input features", help: "a dense weight is [out, in]")
  }
  if ops.count == 3 {
    let b = try fixed(ops[2], "the bias")
    guard b == [w[0]] else { throw ShapeError("bias \(shapeText(b)) does not fit \(w[0]) units") }
  }
  return [batched(Array(x.dropLast()) + [w[0]])]
}, flops: { ops, r, _ in
  // One multiply-add per weight per output row, plus the bias add.
  let out = r[0].elementCount(batch: 1)
  let fanIn = ops[1].fixedShape?.last ?? 0
  return 2 * fanIn * out + (ops.count == 3 ? out : 0)
})

/// conv2d(x [N, C, H, W], w [K, C, kh, kw], b [K]?) {stride, padding, dilation} → [N, K, H', W'].
let conv2d = OpSchema("conv2d", "2-D cross-correlation (as PyTorch's Conv2d)", attributes: [
  "stride": .required(.intList), "padding": .required(.intList), "dilation": .required(.intList),
], infer: { ops, a throws(ShapeError) in
  try operandCount(ops, 2...3, "conv2d")
  let x = try sample(ops[0], "the input")
  guard x.count == 3 else {
    throw ShapeError("conv2d needs [C, H, W] input, found \(shapeText(x))",
                     help: x.count == 1 ? "give the model input as an image, e.g. 'input: [1, 8, 8]', or add '- reshape: [C, H, W]'" : nil)
  }
  let w = try fixed(ops[1], "the weight")
  guard w.count == 4, w[1] == x[0] else {
    throw ShapeError("weight \(shapeText(w)) does not fit \(x[0]) input channels", help: "a conv2d weight is [out, in, kh, kw]")
  }
  if ops.count == 3 {
    let b = try fixed(ops[2], "the bias")
    guard b == [w[0]] else { throw ShapeError("bias \(shapeText(b)) does not fit \(w[0]) filters") }
  }
  let out = try window(x, "kernel", size: [w[2], w[3]], stride: ints(a, "stride", default: [1, 1]),
                       padding: ints(a, "padding", default: [0, 0]), dilation: ints(a, "dilation", default: [1, 1]))
  return [batched([w[0]] + out)]
}, flops: { ops, r, _ in
  // Each output element is a dot product over C·kh·kw inputs.
  guard let w = ops[1].fixedShape, w.count == 4 else { return 0 }
  let out = r[0].elementCount(batch: 1)
  return 2 * w[1] * w[2] * w[3] * out + (ops.count == 3 ? out : 0)
})

/// Output [H', W'] of a sliding window over [C, H, W]: ⌊(n + 2p − d·(k − 1) − 1) / s⌋ + 1
/// (the formula in PyTorch's Conv2d and MaxPool2d documentation).
func window(_ x: [Int], _ what: String, size k: [Int], stride s: [Int], padding p: [Int], dilation d: [Int]) throws(ShapeError) -> [Int] {
  for (name, v, least) in [("size", k, 1), ("stride", s, 1), ("padding", p, 0), ("dilation", d, 1)] {
    guard v.count == 2, v.allSatisfy({ $0 >= least }) else {
      throw ShapeError("\(what) \(name) must be two integers of at least \(least), found \(shapeText(v))")
    }
  }
  var out: [Int] = []
  for i in 0..<2 {
    let span = d[i] * (k[i] - 1) + 1
    let padded = x[i + 1] + 2 * p[i]
    guard span <= padded else {
      let pad = p[0] == p[1] ? String(p[0]) : shapeText(p)
      throw ShapeError("\(what) \(sizeText(k)) does not fit input \(sizeText(Array(x[1...]))) with padding \(pad)",
                       help: what == "kernel" ? "use padding: same or a smaller kernel" : "use a smaller window or remove this pooling layer")
    }
    out.append((padded - span) / s[i] + 1)
  }
  return out
}

/// embedding(ids i32 [N] or [N, L], table [V, D]) → f32 [N, D] or [N, L, D].
let embedding = OpSchema("embedding", "rows of a table, looked up by integer id", infer: { ops, _ throws(ShapeError) in
  try operandCount(ops, 2...2, "embedding")
  let ids = try sample(ops[0], "the ids")
  guard ops[0].element == .i32 || ops[0].element == .i64 else {
    throw ShapeError("embedding needs integer ids, found \(ops[0].element.rawValue)", help: "set 'input_dtype: i32' for token ids")
  }
  guard ids.count <= 1 else { throw ShapeError("embedding needs [L] ids per sample, found \(shapeText(ids))") }
  let t = try fixed(ops[1], "the table")
  guard t.count == 2 else { throw ShapeError("the embedding table must be [V, D], found \(shapeText(t))") }
  return [batched(ids + [t[1]], ops[1].element)]
}, flops: noFlops)

/// self_attention(x [N, L, D], w_qkv [3D, D], b_qkv [3D]?, w_out [D, D], b_out [D]?) {heads, causal, dropout, bias}.
/// With `bias = true` the two bias operands are present, with `bias = false` neither is.
let selfAttention = OpSchema("self_attention", "multi-head scaled dot-product self-attention (Vaswani et al. 2017)", attributes: [
  "heads": .required(.int), "causal": .required(.bool), "dropout": .required(.float), "bias": .required(.bool),
], infer: { ops, a throws(ShapeError) in
  let bias = a["bias"]?.boolValue ?? true
  try operandCount(ops, bias ? 5...5 : 3...3, "self_attention")
  let x = try sample(ops[0], "the input")
  guard x.count == 2 else {
    throw ShapeError("self_attention needs [L, D] input, found \(shapeText(x))", help: "give the input as a sequence, e.g. 'input: [8, 8]'")
  }
  let d = x[1]
  let heads = a["heads"]?.intValue ?? 1
  guard heads > 0, d % heads == 0 else {
    throw ShapeError("\(heads) heads do not divide the width \(d)", help: "use a number of heads that divides \(d), or change the width")
  }
  let rate = a["dropout"]?.floatValue ?? 0
  guard rate >= 0, rate < 1 else { throw ShapeError("attention dropout must be in [0, 1), found \(IRFormat.float(rate))") }
  let wqkv = try fixed(ops[1], "w_qkv"), wout = try fixed(ops[bias ? 3 : 2], "w_out")
  guard wqkv == [3 * d, d] else { throw ShapeError("w_qkv \(shapeText(wqkv)) does not fit width \(d), expected \(shapeText([3 * d, d]))") }
  guard wout == [d, d] else { throw ShapeError("w_out \(shapeText(wout)) does not fit width \(d), expected \(shapeText([d, d]))") }
  if bias {
    let bqkv = try fixed(ops[2], "b_qkv"), bout = try fixed(ops[4], "b_out")
    guard bqkv == [3 * d], bout == [d] else { throw ShapeError("attention biases \(shapeText(bqkv)) and \(shapeText(bout)) do not fit width \(d)") }
  }
  return [batched(x)]
}, flops: { ops, _, _ in
  guard let x = ops[0].perSampleShape, x.count == 2 else { return 0 }
  let (l, d) = (x[0], x[1])
  // Projections (qkv: L·3D·D, out: L·D·D multiply-adds), scores QKᵀ and the weighted
  // sum (L·L·D each, over all heads), and the softmax (≈1 per score).
  return 2 * l * d * 3 * d + 2 * l * d * d + 2 * 2 * l * l * d + l * l
})
