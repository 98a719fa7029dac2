/// Backward ops of the activations: dx from dy and the forward input x (relu, leaky_relu,
/// gelu) or the forward output y (sigmoid, tanh, softmax), whichever the derivative
/// needs least work from.

let activationGradientOps: [OpSchema] = [
  activationGradient(activationOps[0], from: "x", flops: 1, "dy where x > 0, else 0 (0 at x = 0)"),
  activationGradient(activationOps[1], from: "x", flops: 2, "dy where x > 0, else slope·dy"),
  activationGradient(activationOps[2], from: "y", flops: 3, "dy·y·(1 − y)"),
  activationGradient(activationOps[3], from: "y", flops: 3, "dy·(1 − y²)"),
  activationGradient(activationOps[4], from: "x", flops: 8, "dy·(Φ(x) + x·φ(x)), or the derivative of the tanh form"),
  activationGradient(softmax, from: "y", flops: 4, "y·(dy − Σ dy·y) along the axis"),
]

/// `<activation>_grad(dy, x or y) {the activation's attributes}` → dx of dy's type.
/// `from` is "x" (the forward input) or "y" (the forward output); `flops` per element.
func activationGradient(_ forward: OpSchema, from: String, flops: Int, _ summary: String) -> OpSchema {
  let role = from == "x" ? "input" : "output"
  return OpSchema(
    name: forward.name + "_grad", summary: "gradient of '\(forward.name)': " + summary, operands: ["dy", from],
    attributes: forward.attributes,
    infer: { a throws(ShapeError) in
      try a.requireFloating(0, "gradient")
      try a.requireSameType(1, role, as: 0, "gradient")
      return try forwardRule(forward, a, operands: 1..<2)
    },
    flops: { _, results in mul(flops, results[0].elementCountPerSample) })
}
