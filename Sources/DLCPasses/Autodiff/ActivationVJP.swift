import DLCExpression
import DLCIR

/// VJPs of the activations: one backward op each, `act_grad(dy, x or y) {attrs}`. Every
/// row of the pointwise table gets its rule from the row (its gradient opcode and what
/// the derivative reads); softmax's and log_softmax's read y, an expression's what its
/// derivative is written in.
let activationVJPs: [String: VJPRule] = Dictionary(
  PointwiseOps.all.map { ($0.name, activationVJP($0.gradientName, fromOutput: $0.saved == .output)) }
    + [("softmax", activationVJP("softmax_grad", fromOutput: true)),
       ("log_softmax", activationVJP("log_softmax_grad", fromOutput: true)),
       ("expression", expressionVJP)],
  uniquingKeysWith: { first, _ in first })

/// `act(x) {attrs}`: dx = gradient(dy, x or y) {attrs}.
func activationVJP(_ gradient: String, fromOutput: Bool) -> VJPRule {
  { @Sendable (c: VJPCall, b: inout GradientBuilder) throws(AutodiffError) -> [Int: String] in
    var out: [Int: String] = [:]
    let saved = fromOutput ? c.y : c.operand(0)
    c.gradient(0, gradient, [try c.incoming(), saved], c.op.attributes, into: &out, &b)
    return out
  }
}

/// `expression(x) {expr, derivative}`: dx = expression_grad(dy, x or y), y when the
/// derivative is written in y.
let expressionVJP: VJPRule = { @Sendable (c: VJPCall, b: inout GradientBuilder) throws(AutodiffError) -> [Int: String] in
  let fromOutput = ExpressionFormulas.parse(c.op).derivative.variable == "y"
  return try activationVJP("expression_grad", fromOutput: fromOutput)(c, &b)
}
