import DLCIR
import DLCKernels

/// Multi-head self-attention: inference, training form and gradient. The biases are
/// operands (and gradient results) exactly when the `bias` attribute is true.
let attentionBindings: [String: KernelBinding] = [
  "self_attention": KernelBinding(scratchBytes: attentionWorkspaceBytes) { v in
    [
      KernelCall("AttentionKernel.inference", attentionWeights(v) + [
        .init("y", .result(0)), .init("shape", .record(KernelGeometry.attention(v))),
        .init("workspace", .scratch(offset: nil, element: .f32)),
      ]) { a in
        let (x, wqkv, bqkv, wout, bout) = (a.f32("x"), a.f32("wQKV"), a.optionalF32("bQKV"), a.f32("wOut"), a.optionalF32("bOut"))
        let (y, s, ws) = (a.f32("y"), AttentionShape(a.record("shape")), a.f32("workspace"))
        return { AttentionKernel.inference(x: x, wQKV: wqkv, bQKV: bqkv, wOut: wout, bOut: bout, y: y, shape: s, workspace: ws) }
      }
    ]
  },
  // (%x, @w_qkv, [@b_qkv], @w_out, [@b_out], %step) → (y, qkv, probs, context)
  "self_attention_train": KernelBinding(scratchBytes: attentionWorkspaceBytes) { v in
    [
      KernelCall("AttentionKernel.forward", attentionWeights(v) + [
        .init("y", .result(0)), .init("qkv", .result(1)), .init("probs", .result(2)), .init("context", .result(3)),
        .init("shape", .record(KernelGeometry.attention(v))), .init("dropout", .float(v.attributes.float("dropout"))),
        .init("stream", .stream(step: v.operandCount - 1)), .init("workspace", .scratch(offset: nil, element: .f32)),
      ]) { a in
        let (x, wqkv, bqkv, wout, bout) = (a.f32("x"), a.f32("wQKV"), a.optionalF32("bQKV"), a.f32("wOut"), a.optionalF32("bOut"))
        let (y, qkv, probs, context) = (a.f32("y"), a.f32("qkv"), a.f32("probs"), a.f32("context"))
        let (s, rate, stream, ws) = (AttentionShape(a.record("shape")), a.float("dropout"), a.stream("stream"), a.f32("workspace"))
        return {
          AttentionKernel.forward(x: x, wQKV: wqkv, bQKV: bqkv, wOut: wout, bOut: bout, y: y, qkv: qkv, probs: probs, context: context,
                                  shape: s, dropout: rate, stream: stream.current, workspace: ws)
        }
      }
    ]
  },
  // (%dy, %x, %qkv, %probs, %context, @w_qkv, @w_out, %step) → (dx, dw_qkv, [db_qkv], dw_out, [db_out])
  "self_attention_grad": KernelBinding(scratchBytes: attentionWorkspaceBytes) { v in
    let bias = v.attributes.bool("bias")
    return [
      KernelCall("AttentionKernel.backward", [
        .init("dy", .operand(0)), .init("x", .operand(1)), .init("qkv", .operand(2)), .init("probs", .operand(3)),
        .init("context", .operand(4)), .init("wQKV", .operand(5)), .init("wOut", .operand(6)), .init("dx", .result(0)),
        .init("dwQKV", .result(1)), .init("dbQKV", bias ? .result(2) : .none), .init("dwOut", .result(bias ? 3 : 2)),
        .init("dbOut", bias ? .result(4) : .none), .init("shape", .record(KernelGeometry.attention(v))),
        .init("dropout", .float(v.attributes.float("dropout"))), .init("stream", .stream(step: 7)),
        .init("workspace", .scratch(offset: nil, element: .f32)),
      ]) { a in
        let (dy, x, qkv, probs, context) = (a.f32("dy"), a.f32("x"), a.f32("qkv"), a.f32("probs"), a.f32("context"))
        let (wqkv, wout, dx, dwqkv, dwout) = (a.f32("wQKV"), a.f32("wOut"), a.f32("dx"), a.f32("dwQKV"), a.f32("dwOut"))
        let (dbqkv, dbout) = (a.optionalF32("dbQKV"), a.optionalF32("dbOut"))
        let (s, rate, stream, ws) = (AttentionShape(a.record("shape")), a.float("dropout"), a.stream("stream"), a.f32("workspace"))
        return {
          AttentionKernel.backward(dy: dy, x: x, qkv: qkv, probs: probs, context: context, wQKV: wqkv, wOut: wout,
                                   dx: dx, dwQKV: dwqkv, dbQKV: dbqkv, dwOut: dwout, dbOut: dbout,
                                   shape: s, dropout: rate, stream: stream.current, workspace: ws)
        }
      }
    ]
  },
]

/// The input and weights of the forward forms: (%x, @w_qkv, [@b_qkv], @w_out, [@b_out], …).
private func attentionWeights(_ v: OpView) -> [KernelArgument] {
  let bias = v.attributes.bool("bias")
  return [
    .init("x", .operand(0)), .init("wQKV", .operand(1)), .init("bQKV", bias ? .operand(2) : .none),
    .init("wOut", .operand(bias ? 3 : 2)), .init("bOut", bias ? .operand(4) : .none),
  ]
}

/// Attention's workspace at a batch size, in bytes.
@Sendable func attentionWorkspaceBytes(_ v: OpView, batch: Int) -> Int {
  AttentionKernel.workspaceCount(AttentionShape(KernelGeometry.attention(v).resolved(batch: batch))) * 4
}
