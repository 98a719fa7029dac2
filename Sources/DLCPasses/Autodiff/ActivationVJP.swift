import DLCIR

/// VJPs of the activations: one backward op each, from the forward input x (relu,
/// leaky_relu, gelu) or the forward output y (sigmoid, tanh, softmax).
let activationVJPs: [String: VJPRule] = [
  "relu": activationVJP(fromOutput: false), "leaky_relu": activationVJP(fromOutput: false),
  "gelu": activationVJP(fromOutput: false), "sigmoid": activationVJP(fromOutput: true),
  "tanh": activationVJP(fromOutput: true), "softmax": activationVJP(fromOutput: true),
]

/// `act(x) {attrs}`: dx = act_grad(dy, x or y) {attrs}.
func activationVJP(fromOutput: Bool) -> VJPRule {
  { @Sendable (c: VJPCall, b: inout GradientBuilder) throws(AutodiffError) -> [Int: String] in
    var out: [Int: String] = [:]
    let saved = fromOutput ? c.y : c.operand(0)
    c.gradient(0, c.op.opcode + "_grad", [try c.incoming(), saved], c.op.attributes, into: &out, &b)
    return out
  }
}
