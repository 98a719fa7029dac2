/// The pointwise activations, one row each: name, attributes, formula, what the
/// derivative reads (x or y), FLOPs per element (forward, derivative) and which of the two
/// is transcendental. See `PointwiseOp` for what comes from a row; the formulas are the
/// DLCKernels types of the same name (`PointwiseFormulas.all`).
///
/// Formulas as PyTorch's `nn.ReLU`, `nn.LeakyReLU`, `nn.Sigmoid`, `nn.Tanh`, `nn.GELU`, `nn.ELU`,
/// `nn.SELU`, `nn.CELU`, `nn.SiLU`, `nn.Mish`, `nn.Softplus`, `nn.LogSigmoid`, `nn.Softsign`,
/// `nn.Hardsigmoid`, `nn.Hardswish`, `nn.Hardtanh`, `nn.ReLU6`; swish, ELiSH, HardELiSH and
/// SERLU from their papers (cited at their formulas in DLCKernels).
let pointwiseTable: [PointwiseOp] = [
  PointwiseOp("relu", "max(x, 0)", derivative: .input, "dy where x > 0, else 0 (0 at x = 0)", flops: (1, 1)),
  PointwiseOp(
    "leaky_relu", "x if x > 0 else slope·x", attributes: [.required("slope", .float, "slope for negative inputs")],
    derivative: .input, "dy where x > 0, else slope·dy", flops: (1, 2)),
  PointwiseOp("sigmoid", "1 / (1 + e^−x)", transcendental: .forward, derivative: .output, "dy·y·(1 − y)", flops: (1, 3)),
  PointwiseOp("tanh", "hyperbolic tangent", transcendental: .forward, derivative: .output, "dy·(1 − y²)", flops: (1, 3)),
  // Hendrycks & Gimpel 2016; "tanh" is their approximation 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
  PointwiseOp(
    "gelu", "x·Φ(x), Φ the standard normal CDF",
    attributes: [.required("approximate", .choice(["none", "tanh"]), "\"tanh\" uses the tanh approximation")],
    transcendental: .both, derivative: .input, "dy·(Φ(x) + x·φ(x)), or the derivative of the tanh form", flops: (1, 8)),
  // Clevert, Unterthiner & Hochreiter 2015; for x ≤ 0, y′ = alpha·eˣ = y + alpha (so from y only for alpha ≥ 0,
  // which the catalog requires: a negative alpha makes y > 0 for x < 0).
  PointwiseOp(
    "elu", "x if x > 0 else alpha·(eˣ − 1)", attributes: [.required("alpha", .float, "−alpha is the limit for x → −∞")],
    transcendental: .forward, derivative: .output, "dy where y > 0, else dy·(y + alpha)", flops: (1, 2)),
  // Klambauer et al. 2017; scale·alpha = 1.7581, so for x ≤ 0, y′ = scale·alpha·eˣ = y + scale·alpha.
  PointwiseOp(
    "selu", "scale·(x if x > 0 else alpha·(eˣ − 1)), scale = 1.0507, alpha = 1.6733", transcendental: .forward,
    derivative: .output, "scale·dy where y > 0, else dy·(y + scale·alpha)", flops: (2, 2)),
  // Barron 2017; for x ≤ 0, y′ = e^(x/alpha) = y/alpha + 1 (alpha > 0, which the catalog requires).
  PointwiseOp(
    "celu", "x if x > 0 else alpha·(e^(x/alpha) − 1)", attributes: [.required("alpha", .float, "−alpha is the limit for x → −∞")],
    transcendental: .forward, derivative: .output, "dy where y > 0, else dy·(y/alpha + 1)", flops: (3, 3),
    check: nonzero("alpha", "the formula divides by it")),
  PointwiseOp(
    "silu", "x·σ(x)", transcendental: .both, derivative: .input, "dy·σ(x)·(1 + x·(1 − σ(x)))", flops: (3, 7)),
  PointwiseOp(
    "swish", "x·σ(beta·x)", attributes: [.required("beta", .float, "scale of x inside the sigmoid; 1 is silu")],
    transcendental: .both, derivative: .input, "dy·σ(βx)·(1 + βx·(1 − σ(βx)))", flops: (4, 9)),
  PointwiseOp(
    "mish", "x·tanh(softplus(x))", transcendental: .both, derivative: .input,
    "dy·(t + x·σ(x)·(1 − t²)), t = tanh(softplus(x))", flops: (6, 11)),
  // Basirat & Roth 2018.
  PointwiseOp(
    "elish", "x·σ(x) if x ≥ 0 else (eˣ − 1)·σ(x)", transcendental: .both, derivative: .input,
    "dy·(g′·σ + g·σ·(1 − σ)), g the factor before σ", flops: (5, 9)),
  PointwiseOp(
    "hard_elish", "x·h if x ≥ 0 else (eˣ − 1)·h, h = max(0, min(1, (x + 1)/2))", transcendental: .both,
    derivative: .input, "dy·(g′·h + g·h′), h′ = ½ on [−1, 1]", flops: (5, 8)),
  // Zhang & Li 2018.
  PointwiseOp(
    "serlu", "lambda·x if x ≥ 0 else lambda·alpha·x·eˣ",
    attributes: [.required("lambda", .float, "slope for x ≥ 0"), .required("alpha", .float, "scale of the negative part")],
    transcendental: .both, derivative: .input, "lambda·dy where x ≥ 0, else dy·lambda·alpha·eˣ·(1 + x)", flops: (4, 5)),
  PointwiseOp(
    "softplus", "ln(1 + e^(beta·x)) / beta, x where beta·x > threshold",
    attributes: [.required("beta", .float, "sharpness"), .required("threshold", .float, "beta·x above which the result is x")],
    transcendental: .both, derivative: .input, "dy·σ(beta·x), dy above the threshold", flops: (4, 4),
    check: nonzero("beta", "the formula divides by it")),
  PointwiseOp(
    "log_sigmoid", "ln σ(x) = min(x, 0) − ln(1 + e^−|x|)", transcendental: .both, derivative: .input, "dy·σ(−x)",
    flops: (5, 4)),
  PointwiseOp(
    "shifted_relu", "max(x, 0) − shift", attributes: [.required("shift", .float, "subtracted from the result")],
    derivative: .input, "dy where x > 0, else 0 (0 at x = 0)", flops: (2, 1)),
  PointwiseOp("softsign", "x / (1 + |x|)", derivative: .input, "dy / (1 + |x|)²", flops: (3, 4)),
  PointwiseOp(
    "hard_sigmoid", "min(max(x + 3, 0), 6) / 6", derivative: .input, "dy/6 where −3 < x < 3, else 0", flops: (4, 2)),
  PointwiseOp(
    "hard_swish", "x·min(max(x + 3, 0), 6) / 6", derivative: .input,
    "0 where x ≤ −3, dy·(x/3 + ½) where x < 3, else dy", flops: (5, 3)),
  PointwiseOp(
    "hard_tanh", "min(max(x, min), max)",
    attributes: [.required("min", .float, "lower bound"), .required("max", .float, "upper bound, above min")],
    derivative: .output, "dy where min < y < max, else 0", flops: (2, 2), check: { a throws(ShapeError) in
      let (low, high) = (try a.float("min"), try a.float("max"))
      guard low < high else {
        throw ShapeError("the min \(IRFormat.float(low)) must be below the max \(IRFormat.float(high))",
                         help: "swap them, or use bounds with min < max")
      }
    }),
  PointwiseOp("relu6", "min(max(x, 0), 6)", derivative: .output, "dy where 0 < y < 6, else 0", flops: (2, 2)),
]

/// A check that the number attribute `name` is not 0 (`why` goes to the help).
private func nonzero(_ name: String, _ why: String) -> @Sendable (OpArguments) throws(ShapeError) -> Void {
  { a throws(ShapeError) in
    guard try a.float(name) != 0 else { throw ShapeError("the \(name) must not be 0", help: why) }
  }
}
