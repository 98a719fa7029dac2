import DLCIR

/// VJPs of the losses: each starts the backward pass from the loss's own gradient op,
/// with the loss's attributes (class weights "balanced" stay as they are; the runtime
/// resolves them from the training split).
let lossVJPs: [String: VJPRule] = [
  "cross_entropy": lossVJP, "mse": lossVJP, "mae": lossVJP, "bce_with_logits": lossVJP,
]

/// `loss(output, target)` → `loss_grad(output, target)` as the gradient of `output`.
func lossVJP(_ c: VJPCall, _ b: inout GradientBuilder) throws(AutodiffError) -> [Int: String] {
  guard !c.wants(1) else {
    throw AutodiffError("'\(c.op.opcode)' cannot pass a gradient to its target %\(c.operand(1).name)")
  }
  if c.dy != nil {
    throw AutodiffError("'\(c.op.opcode)' must be the loss function's result, not an input to more ops")
  }
  var out: [Int: String] = [:]
  c.gradient(0, c.op.opcode + "_grad", [c.operand(0), c.operand(1)], c.op.attributes, into: &out, &b)
  return out
}
