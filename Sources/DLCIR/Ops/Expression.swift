import DLCExpression

/// The expression activation: one opcode whose formula is per instance, an attribute
/// holding its text (`DLCExpression`), with the derivative beside it, derived and
/// simplified by Sema:
/// ```
/// %h.expr = expression(%h) {derivative = "0.5 * (tanh(x) + 1) + 0.5 * x * (1 - tanh(x) * tanh(x))",
///                           expr = "0.5 * x * (tanh(x) + 1)"}
/// %dh = expression_grad(%dy, %h) {derivative = "…", expr = "…"}        (x: %h)
/// %ds = expression_grad(%dy, %s.expr) {derivative = "y * (1 - y)", expr = "sigmoid(x)"}  (y)
/// ```
/// Like a pointwise row it is elementwise and per unit, so it fuses, prunes and
/// differentiates as the built-in activations do; its derivative reads x, or the output y
/// where it is written in y (`y * (1 - y)` for `sigmoid(x)`). It counts as
/// transcendental (the kernels' grain) whatever it calls.

/// The two texts, both checked to parse as expressions of x.
private let expressionAttributes: [AttributeSpec] = [
  .required("expr", .string, "the formula of x, in the canonical text of the expression grammar"),
  .required("derivative", .string, "its derivative with respect to x, as simplified by dlc"),
]

/// Parses an expression attribute, or throws a shape error naming it.
func expressionAttribute(_ a: OpArguments, _ key: String) throws(ShapeError) -> Expression {
  let text = try a.string(key)
  do {
    // A derivative may be a constant (the derivative of 2·x is 2), and may be written in y.
    return key == "expr" ? try ExpressionParser.parse(text) : try ExpressionParser.parseDerivative(text)
  } catch {
    throw ShapeError("the \(key) \(IRFormat.quote(text)) is not an expression of x: \(error.summary)")
  }
}

/// expression(x) {expr, derivative} → y of x's type.
let expressionOp = OpSchema(
  name: "expression", summary: "y = expr(x), a formula written in the spec", operands: ["x"], attributes: expressionAttributes,
  traits: [.elementwise, .perUnit, .transcendental],
  infer: { a throws(ShapeError) in
    try a.requireFloating(0, "input")
    _ = try expressionAttribute(a, "expr")
    _ = try expressionAttribute(a, "derivative")
    return [a.operands[0]]
  },
  flops: { a, results in
    let count = (try? expressionAttribute(a, "expr"))?.operationCount ?? 1
    return mul(count, results[0].elementCountPerSample)
  })

/// expression_grad(dy, x or y) {expr, derivative} → dx = dy · derivative, which reads the
/// forward input x, or the output y when it is written in y.
let expressionGradOp = OpSchema(
  name: "expression_grad", summary: "gradient of 'expression': dy · derivative(x or y)", operands: ["dy", "saved"],
  attributes: expressionAttributes, traits: [.elementwise, .transcendental],
  infer: { a throws(ShapeError) in
    try a.requireFloating(0, "gradient")
    try a.requireSameType(1, "saved value", as: 0, "gradient")
    return try forwardRule(expressionOp, a, operands: 1..<2)
  },
  flops: { a, results in
    let count = (try? expressionAttribute(a, "derivative"))?.operationCount ?? 1
    return mul(count + 1, results[0].elementCountPerSample)
  })
