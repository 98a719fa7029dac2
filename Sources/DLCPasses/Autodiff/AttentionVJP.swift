import DLCIR

/// VJP of self-attention (training form).
let attentionVJPs: [String: VJPRule] = ["self_attention_train": selfAttentionTrainVJP]

/// self_attention_train(x, w_qkv, b_qkv?, w_out, b_out?, step) → (y, qkv, probs, context):
/// (dx, dw_qkv, db_qkv?, dw_out, db_out?) = self_attention_grad(dy, x, qkv, probs,
/// context, w_qkv, w_out, step) with the forward's attributes.
func selfAttentionTrainVJP(_ c: VJPCall, _ b: inout GradientBuilder) throws(AutodiffError) -> [Int: String] {
  let dy = try c.incoming()
  let last = c.op.operands.count - 1
  let wout = c.operand(last == 5 ? 3 : 2)
  let saved = c.op.results[1...3].map { Operand.value($0.name) }
  let operands = [dy, c.operand(0)] + saved + [c.operand(1), wout, c.operand(last)]
  return c.gradients(of: Array(0..<last), "self_attention_grad", operands, c.op.attributes, &b)
}
