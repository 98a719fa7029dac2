/// Attention: multi-head scaled dot-product self-attention over sequences [N, L, D]
/// (Vaswani et al. 2017, "Attention Is All You Need"; weights as PyTorch's
/// `nn.MultiheadAttention`: `in_proj_weight` [3D, D], `out_proj.weight` [D, D]).

let attentionOps: [OpSchema] = [selfAttention]

/// self_attention(x [N, L, D], w_qkv [3D, D], b_qkv [3D]?, w_out [D, D], b_out [D]?)
/// {heads, causal, dropout, bias} → [N, L, D]. The biases are present exactly when
/// `bias = true`.
let selfAttention = OpSchema(
  name: "self_attention", summary: "multi-head scaled dot-product self-attention",
  operands: ["x", "w_qkv", "b_qkv?", "w_out", "b_out?"],
  attributes: [
    .required("heads", .int, "number of heads; divides the width D"),
    .required("causal", .bool, "each position attends only to itself and earlier ones"),
    .required("dropout", .float, "dropout rate on the attention weights while training"),
    .required("bias", .bool, "whether b_qkv and b_out are given"),
  ],
  traits: [.random, .hasParameters],
  infer: { a throws(ShapeError) in
    let bias = try a.bool("bias")
    guard a.operands.count == (bias ? 5 : 3) else {
      throw ShapeError("'self_attention' with bias = \(bias) takes \(bias ? 5 : 3) operands, found \(a.operands.count)")
    }
    let x = try a.sample(0, "input")
    guard x.count == 2 else {
      throw ShapeError("'self_attention' needs a sequence [L, D], found \(shapeText(x))",
                       help: "give the input as a sequence, e.g. 'input: [8, 16]', or add '- reshape: [L, D]'")
    }
    try a.requireFloating(0, "input")
    let d = x[1]
    let heads = try a.int("heads")
    guard heads > 0, d % heads == 0 else {
      throw ShapeError("\(heads) heads do not divide the width \(d)",
                       help: "use a number of heads that divides \(d), or change the width")
    }
    let rate = try a.float("dropout")
    guard rate >= 0, rate < 1 else { throw ShapeError("the attention dropout rate must be in [0, 1), found \(IRFormat.float(rate))") }
    let d3 = mul(3, d)
    let outIndex = bias ? 3 : 2
    let wqkv = try a.fixed(1, "w_qkv"), wout = try a.fixed(outIndex, "w_out")
    guard wqkv == [d3, d] else { throw ShapeError("the w_qkv of 'self_attention' is \(shapeText(wqkv)) but must be [\(d3), \(d)]") }
    guard wout == [d, d] else { throw ShapeError("the w_out of 'self_attention' is \(shapeText(wout)) but must be [\(d), \(d)]") }
    try a.requireSameElement(1, "w_qkv")
    try a.requireSameElement(outIndex, "w_out")
    if bias {
      try a.requireVector(2, "b_qkv", count: d3, of: "projections")
      try a.requireVector(4, "b_out", count: d, of: "features")
    }
    return [a.operands[0]]
  },
  flops: { a, _ in
    guard let x = a.operands[0].perSampleShape, x.count == 2, let heads = a.attributes["heads"]?.intValue else { return 0 }
    let (l, d) = (x[0], x[1])
    let bias = a.attributes["bias"]?.boolValue ?? false
    let projections = sum(mul(2, l, d, 3, d), mul(2, l, d, d), bias ? mul(4, l, d) : 0)
    // Scores Q·Kᵀ and the weighted sum of V: 2·L·L·D each over all heads; softmax and
    // the 1/√d scale on every score.
    let attention = sum(mul(2, 2, l, l, d), mul(4, heads, l, l))
    return sum(projections, attention)
  })
