import DLCIR
import DLCKernels
import DLCPasses

/// Multi-head self-attention: inference, training form and gradient.
extension Lowering {
  func lowerAttention(_ op: Operation) throws(RuntimeError) -> Step? {
    guard op.opcode.hasPrefix("self_attention") else { return nil }
    let s = KernelScratch.attentionShape(op, batch: batch, typeOf: typeOf)!
    let bias = Self.bool(op, "bias"), rate = Self.float(op, "dropout")
    let ws = scratch()
    switch op.opcode {
    case "self_attention", "self_attention_train":
      // (%x, @w_qkv, [@b_qkv], @w_out, [@b_out], [%step])
      let x = f(op, 0), wqkv = f(op, 1)
      let bqkv = bias ? f(op, 2) : nil, wout = f(op, bias ? 3 : 2), bout = bias ? f(op, 4) : nil
      if op.opcode == "self_attention" {
        let y = out(op)
        return { AttentionKernel.inference(x: x, wQKV: wqkv, bQKV: bqkv, wOut: wout, bOut: bout, y: y, shape: s, workspace: ws) }
      }
      let step = i64(op.operands[op.operands.count - 1])
      let (y, qkv, probs, context) = (out(op, 0), out(op, 1), out(op, 2), out(op, 3))
      return {
        AttentionKernel.forward(x: x, wQKV: wqkv, bQKV: bqkv, wOut: wout, bOut: bout, y: y, qkv: qkv, probs: probs, context: context,
                                shape: s, dropout: rate, stream: self.stream(op, step: step.pointee), workspace: ws)
      }
    case "self_attention_grad":
      // (%dy, %x, %qkv, %probs, %context, @w_qkv, @w_out, %step) → (dx, dw_qkv, [db_qkv], dw_out, [db_out])
      let (dy, x, qkv, probs, context, wqkv, wout) = (f(op, 0), f(op, 1), f(op, 2), f(op, 3), f(op, 4), f(op, 5), f(op, 6))
      let step = i64(op.operands[7])
      let dx = out(op, 0), dwqkv = out(op, 1)
      let dbqkv = bias ? out(op, 2) : nil, dwout = out(op, bias ? 3 : 2), dbout = bias ? out(op, 4) : nil
      return {
        AttentionKernel.backward(dy: dy, x: x, qkv: qkv, probs: probs, context: context, wQKV: wqkv, wOut: wout,
                                 dx: dx, dwQKV: dwqkv, dbQKV: dbqkv, dwOut: dwout, dbOut: dbout,
                                 shape: s, dropout: rate, stream: self.stream(op, step: step.pointee), workspace: ws)
      }
    default: return nil
    }
  }

}
