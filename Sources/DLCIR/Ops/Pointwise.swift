/// The pointwise activations, one row each: name, attributes, formula, what the
/// derivative reads (x or y), FLOPs per element (forward, derivative) and which of the two
/// is transcendental. See `PointwiseOp` for what comes from a row; the formulas are the
/// DLCKernels types of the same name (`PointwiseFormulas.all`).
///
/// Formulas as PyTorch's `nn.ReLU`, `nn.LeakyReLU`, `nn.Sigmoid`, `nn.Tanh`, `nn.GELU`, `nn.ELU`.
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
]
