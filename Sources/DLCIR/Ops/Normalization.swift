/// Normalization and regularization ops: batchnorm, layernorm, dropout.

let normalizationOps: [OpSchema] = [batchnorm, layernorm, dropout]

/// batchnorm(x [N, F] or [N, C, H, W], gamma, beta, running_mean, running_var) {momentum, eps}.
let batchnorm = OpSchema("batchnorm", "batch normalization (Ioffe & Szegedy 2015)", attributes: [
  "momentum": (.float, true), "eps": (.float, true),
], infer: { ops, _ throws(ShapeError) in
  try operandCount(ops, 5...5, "batchnorm")
  let x = try sample(ops[0], "the input")
  let c: Int
  switch x.count {
  case 1: c = x[0]
  case 3: c = x[0]
  case 2: throw ShapeError("batchnorm over a sequence [L, D] is ambiguous", help: "use '- layernorm' to normalize each position")
  default: throw ShapeError("batchnorm needs [F] or [C, H, W] input, found \(shapeText(x))")
  }
  for (i, what) in ["gamma", "beta", "running_mean", "running_var"].enumerated() {
    guard try fixed(ops[i + 1], what) == [c] else { throw ShapeError("\(what) does not fit \(c) channels") }
  }
  return [ops[0]]
}, flops: { ops, _, _ in 2 * ops[0].elementCount(batch: 1) })

/// layernorm(x [N, …, D], gamma [D], beta [D]) {eps}: normalizes the last axis.
let layernorm = OpSchema("layernorm", "layer normalization over the last axis (Ba et al. 2016)", attributes: [
  "eps": (.float, true),
], infer: { ops, _ throws(ShapeError) in
  try operandCount(ops, 3...3, "layernorm")
  let x = try sample(ops[0], "the input")
  guard let d = x.last else { throw ShapeError("layernorm needs at least one axis") }
  guard try fixed(ops[1], "gamma") == [d], try fixed(ops[2], "beta") == [d] else { throw ShapeError("gamma and beta do not fit width \(d)") }
  return [ops[0]]
}, flops: { ops, _, _ in 5 * ops[0].elementCount(batch: 1) })

/// dropout(x) {rate}: identity at inference.
let dropout = OpSchema("dropout", "inverted dropout while training", attributes: ["rate": (.float, true)],
                       infer: { ops, a throws(ShapeError) in
  try operandCount(ops, 1...1, "dropout")
  let r = a["rate"]?.floatValue ?? 0
  guard r >= 0, r < 1 else { throw ShapeError("dropout rate must be in [0, 1), found \(r)") }
  return [ops[0]]
}, flops: perOutputElement)
