/// softmax, the one activation that is not pointwise: each element depends on its whole
/// row along the axis.

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

/// softmax_grad(dy, y) {axis} → dx: from the forward output y.
let softmaxGrad = gradientOp(of: softmax, name: "softmax_grad", saved: .output, flops: 4, "y·(dy − Σ dy·y) along the axis")
