/// softmax and log_softmax, the activations that are not pointwise: each element depends
/// on its whole row along the axis.

/// softmax(x [N, …]) {axis}: exp(x) / Σ exp(x) along a per-sample axis (negative counts
/// from the end, so -1 is the last).
let softmax = alongAxis("softmax", "exp(x) / Σ exp(x) along an axis", flops: 3)

/// softmax_grad(dy, y) {axis} → dx: from the forward output y.
let softmaxGrad = gradientOp(of: softmax, name: "softmax_grad", saved: .output, flops: 4, "y·(dy − Σ dy·y) along the axis")

/// log_softmax(x [N, …]) {axis}: x − ln Σ exp(x) along a per-sample axis (PyTorch
/// `nn.LogSoftmax`), computed with the row's maximum subtracted first.
let logSoftmax = alongAxis("log_softmax", "x − ln Σ exp(x) along an axis", flops: 4)

/// log_softmax_grad(dy, y) {axis} → dx: from the forward output y (eʸ is the softmax).
let logSoftmaxGrad = gradientOp(of: logSoftmax, name: "log_softmax_grad", saved: .output, flops: 4, "dy − eʸ·Σ dy along the axis")

/// An op `name(x) {axis}` → y of x's type, working on rows along a per-sample axis;
/// `flops` per element.
private func alongAxis(_ name: String, _ summary: String, flops: Int) -> OpSchema {
  OpSchema(
    name: name, summary: summary, operands: ["x"],
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
    flops: { _, results in mul(flops, results[0].elementCountPerSample) })
}
