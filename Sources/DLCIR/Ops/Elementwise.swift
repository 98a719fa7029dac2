/// Elementwise ops: activations and merges.

let elementwiseOps: [OpSchema] = [
  unary("relu", "max(x, 0)"),
  unary("leaky_relu", "x if x > 0 else slope·x", attributes: ["slope": (.float, true)]),
  unary("sigmoid", "1 / (1 + e^−x)"),
  unary("tanh", "hyperbolic tangent"),
  unary("gelu", "x·Φ(x)", attributes: ["approximate": (.string, true)]),
  softmax, merge("add", "elementwise sum"), merge("multiply", "elementwise product"),
]

/// A shape-preserving op on one f32 tensor.
func unary(_ name: String, _ summary: String, attributes: [String: (kind: AttributeKind, required: Bool)] = [:]) -> OpSchema {
  OpSchema(name, summary, attributes: attributes, infer: { ops, _ throws(ShapeError) in
    try operandCount(ops, 1...1, name)
    guard ops[0].element == .f32 else { throw ShapeError("\(name) needs f32 input, found \(ops[0].element.rawValue)") }
    return [ops[0]]
  }, flops: perOutputElement)
}

/// softmax(x) {axis}: the axis is per-sample, negative from the end.
let softmax = OpSchema("softmax", "exp(x) / Σ exp(x) along an axis", attributes: ["axis": (.int, true)], infer: { ops, a throws(ShapeError) in
  try operandCount(ops, 1...1, "softmax")
  let x = try sample(ops[0], "the input")
  let axis = a["axis"]?.intValue ?? -1
  guard (-x.count..<x.count).contains(axis) else { throw ShapeError("axis \(axis) is out of range for \(shapeText(x))") }
  return [ops[0]]
}, flops: { _, r, _ in 3 * r[0].elementCount(batch: 1) })

/// add/multiply of two or more tensors of one type.
func merge(_ name: String, _ summary: String) -> OpSchema {
  OpSchema(name, summary, infer: { ops, _ throws(ShapeError) in
    guard ops.count >= 2 else { throw ShapeError("'\(name)' needs at least 2 inputs, found \(ops.count)") }
    for t in ops.dropFirst() where t != ops[0] {
      let a = ops[0].perSampleShape.map(shapeText) ?? ops[0].description
      let b = t.perSampleShape.map(shapeText) ?? t.description
      throw ShapeError("'\(name)' needs inputs of one shape, found \(a) and \(b)",
                       help: "make both branches end in the same width, e.g. with a '- dense' layer")
    }
    return [ops[0]]
  }, flops: { ops, r, _ in (ops.count - 1) * r[0].elementCount(batch: 1) })
}
