/// Normalization and regularization: batchnorm, layernorm, dropout.

let normalizationOps: [OpSchema] = [batchnorm, layernorm, dropout]

/// batchnorm(x [N, F] or [N, C, H, W], gamma, beta, running_mean, running_var, each [F]
/// or [C]) {momentum, eps}: per feature or channel (Ioffe & Szegedy 2015; PyTorch
/// `BatchNorm1d`/`BatchNorm2d`, whose `momentum` weighs the new batch). While training
/// it updates the running statistics, an effect.
let batchnorm = OpSchema(
  name: "batchnorm", summary: "batch normalization per feature or channel",
  operands: ["x", "gamma", "beta", "running_mean", "running_var"],
  attributes: [
    .required("momentum", .float, "weight of the new batch in the running statistics, in [0, 1]"),
    .required("eps", .float, "added to the variance, > 0"),
  ],
  traits: [.updatesState, .hasParameters],
  infer: { a throws(ShapeError) in
    let x = try a.sample(0, "input")
    try a.requireFloating(0, "input")
    let channels: Int
    switch x.count {
    case 1, 3: channels = x[0]
    case 2:
      throw ShapeError("batchnorm over a sequence \(shapeText(x)) is ambiguous",
                       help: "use '- layernorm' to normalize each position")
    default: throw ShapeError("'batchnorm' needs features [F] or an image [C, H, W], found \(shapeText(x))")
    }
    let what = x.count == 1 ? "features" : "channels"
    for (i, role) in ["gamma", "beta", "running_mean", "running_var"].enumerated() {
      try a.requireVector(i + 1, role, count: channels, of: what)
    }
    let momentum = try a.float("momentum"), eps = try a.float("eps")
    guard momentum >= 0, momentum <= 1 else { throw ShapeError("momentum must be in [0, 1], found \(IRFormat.float(momentum))") }
    guard eps > 0, eps.isFinite else { throw ShapeError("eps must be a positive number, found \(IRFormat.float(eps))") }
    return [a.operands[0]]
  },
  flops: { a, _ in mul(2, a.operands[0].elementCountPerSample) })

/// layernorm(x [N, …, D], gamma [D], beta [D]) {eps}: normalizes the last axis of each
/// sample (Ba et al. 2016; PyTorch `nn.LayerNorm(D)`).
let layernorm = OpSchema(
  name: "layernorm", summary: "layer normalization over the last axis", operands: ["x", "gamma", "beta"],
  attributes: [.required("eps", .float, "added to the variance, > 0")],
  traits: .hasParameters,
  infer: { a throws(ShapeError) in
    let x = try a.sample(0, "input")
    try a.requireFloating(0, "input")
    guard let d = x.last else { throw ShapeError("'layernorm' needs at least one axis per sample, found []") }
    try a.requireVector(1, "gamma", count: d, of: "features")
    try a.requireVector(2, "beta", count: d, of: "features")
    let eps = try a.float("eps")
    guard eps > 0, eps.isFinite else { throw ShapeError("eps must be a positive number, found \(IRFormat.float(eps))") }
    return [a.operands[0]]
  },
  flops: { a, _ in mul(5, a.operands[0].elementCountPerSample) })

/// dropout(x) {rate}: while training zeroes each element with probability `rate` and
/// scales the rest by 1/(1 − rate) (inverted dropout, Srivastava et al. 2014); the
/// identity at inference. Draws random numbers, an effect.
let dropout = OpSchema(
  name: "dropout", summary: "inverted dropout while training, identity at inference", operands: ["x"],
  attributes: [.required("rate", .float, "probability of zeroing an element, in [0, 1)")],
  traits: [.random, .elementwise, .identity, .perUnit],
  infer: { a throws(ShapeError) in
    try a.requireFloating(0, "input")
    let rate = try a.float("rate")
    guard rate >= 0, rate < 1 else { throw ShapeError("the dropout rate must be in [0, 1), found \(IRFormat.float(rate))") }
    return [a.operands[0]]
  },
  flops: noFlops)
