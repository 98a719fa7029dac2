/// Normalization and regularization: batchnorm, layernorm, groupnorm, dropout.

let normalizationOps: [OpSchema] = [batchnorm, layernorm, groupnorm, dropout]

/// batchnorm(x [N, F] or [N, C, H, W], gamma?, beta?, running_mean, running_var, each [F]
/// or [C]) {momentum, eps}: per feature or channel (Ioffe & Szegedy 2015; PyTorch
/// `BatchNorm1d`/`BatchNorm2d`, whose `momentum` weighs the new batch). Without gamma and
/// beta (three operands) it has no affine part, as PyTorch's `affine=False`. While
/// training it updates the running statistics, an effect.
let batchnorm = OpSchema(
  name: "batchnorm", summary: "batch normalization per feature or channel",
  operands: ["x", "gamma?", "beta?", "running_mean", "running_var"],
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
    let roles = try affineRoles(a, ["running_mean", "running_var"])
    for (i, role) in roles.enumerated() {
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

/// groupnorm(x [N, C, …], gamma? [C], beta? [C]) {groups, eps}: normalizes each sample's
/// channels in `groups` groups of C/groups consecutive channels, over each group's
/// channels and every position after them, then scales and shifts per channel (Wu & He
/// 2018; PyTorch `nn.GroupNorm(groups, C)` on (N, C, *), biased variance). Instance
/// normalization (Ulyanov et al. 2016) is the case groups = C. Without gamma and beta it
/// has no affine part.
let groupnorm = OpSchema(
  name: "groupnorm", summary: "group normalization over each sample's channel groups", operands: ["x", "gamma?", "beta?"],
  attributes: [
    .required("groups", .int, "number of channel groups, ≥ 1, dividing the channels"),
    .required("eps", .float, "added to the variance, > 0"),
  ],
  traits: .hasParameters,
  infer: { a throws(ShapeError) in
    let x = try a.sample(0, "input")
    try a.requireFloating(0, "input")
    guard let channels = x.first else { throw ShapeError("'groupnorm' needs channels [C, …] per sample, found []") }
    for (i, role) in try affineRoles(a, []).enumerated() {
      try a.requireVector(i + 1, role, count: channels, of: "channels")
    }
    let groups = try a.int("groups")
    guard groups >= 1, channels % groups == 0 else {
      throw ShapeError("\(groups) groups do not divide \(channels) channels",
                       help: "use a number of groups that divides \(channels): \(groupChoices(channels))")
    }
    let eps = try a.float("eps")
    guard eps > 0, eps.isFinite else { throw ShapeError("eps must be a positive number, found \(IRFormat.float(eps))") }
    return [a.operands[0]]
  },
  flops: { a, _ in mul(5, a.operands[0].elementCountPerSample) })

/// The roles of a normalization's operands after x: gamma and beta when the op has them
/// (an affine part), then `rest`; an error for one of the two without the other.
func affineRoles(_ a: OpArguments, _ rest: [String]) throws(ShapeError) -> [String] {
  switch a.operands.count - 1 - rest.count {
  case 0: return rest
  case 2: return ["gamma", "beta"] + rest
  default: throw ShapeError("'\(a.opcode)' takes both gamma and beta or neither, found \(a.operands.count) operands")
  }
}

/// The group counts that divide `channels`, for a help text: `1, 2, 3 or 6`; with
/// more than eight, the four smallest and the two largest.
public func groupChoices(_ channels: Int) -> String {
  var divisors: [Int] = []
  var d = 1
  while d <= channels / d {
    if channels % d == 0 { divisors += d == channels / d ? [d] : [d, channels / d] }
    d += 1
  }
  divisors.sort()
  let shown = divisors.count > 8 ? divisors.prefix(4).map(String.init) + ["…"] + divisors.suffix(2).map(String.init) : divisors.map(String.init)
  return shown.count == 1 ? shown[0] : shown.dropLast().joined(separator: ", ") + " or " + shown.last!
}

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
