/// Activations: shape-preserving functions of floating-point tensors. All but softmax
/// are elementwise and accept any floating-point tensor (batched or not).

let activationOps: [OpSchema] = [
  elementwise("relu", "max(x, 0)"),
  elementwise("leaky_relu", "x if x > 0 else slope·x", attributes: [.required("slope", .float, "slope for negative inputs")]) { a throws(ShapeError) in
    let slope = try a.float("slope")
    guard slope.isFinite else { throw ShapeError("the slope must be a finite number, found \(IRFormat.float(slope))") }
  },
  elementwise("sigmoid", "1 / (1 + e^−x)"),
  elementwise("tanh", "hyperbolic tangent"),
  // Hendrycks & Gimpel 2016; "tanh" is their approximation 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
  elementwise("gelu", "x·Φ(x), Φ the standard normal CDF",
              attributes: [.required("approximate", .choice(["none", "tanh"]), "\"tanh\" uses the tanh approximation")]),
  softmax,
]

/// A shape-preserving elementwise op; `check` validates its attributes.
func elementwise(
  _ name: String, _ summary: String, attributes: [AttributeSpec] = [],
  check: @escaping @Sendable (OpArguments) throws(ShapeError) -> Void = { _ throws(ShapeError) in }
) -> OpSchema {
  OpSchema(
    name: name, summary: summary, operands: ["x"], attributes: attributes,
    infer: { a throws(ShapeError) in
      try a.requireFloating(0, "input")
      try check(a)
      return [a.operands[0]]
    },
    flops: onePerOutputElement)
}

/// softmax(x [N, …]) {axis}: exp(x) / Σ exp(x) along a per-sample axis (negative counts
/// from the end, so -1 is the last).
let softmax = OpSchema(
  name: "softmax", summary: "exp(x) / Σ exp(x) along an axis", operands: ["x"],
  attributes: [.required("axis", .int, "per-sample axis; negative counts from the end")],
  infer: { a throws(ShapeError) in
    let x = try a.sample(0, "input")
    try a.requireFloating(0, "input")
    let axis = try a.int("axis")
    guard axis >= -x.count, axis < x.count else {
      throw ShapeError("axis \(axis) is out of range for \(shapeText(x))",
                       help: x.isEmpty ? nil : "use an axis from \(-x.count) to \(x.count - 1)")
    }
    return [a.operands[0]]
  },
  flops: { _, results in mul(3, results[0].elementCountPerSample) })
