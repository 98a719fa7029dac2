/// The kernels' geometry and scratch space for an op at a batch size: what `MemoryPlan`
/// reserves beside an op, and the shapes the kernels are called with. The interpreter and
/// the code generator both plan with these, so their arenas cannot disagree.
import DLCIR
import DLCKernels

/// Kernel shapes and scratch bytes of IR ops.
public enum KernelScratch {
  /// Scratch bytes `op` needs at batch size `batch` (the planner's callback).
  /// Saturates at `Int.max` for a geometry whose scratch cannot be counted (see `countable`).
  public static func bytes(_ op: Operation, batch: Int, typeOf: (Operand) -> TensorType) -> Int {
    guard countable(op, batch: batch, typeOf: typeOf) else { return Int.max }
    switch op.opcode {
    case "conv2d", "conv2d_grad_input", "conv2d_grad_weight":
      return conv2DShape(op, batch: batch, typeOf: typeOf).map { Conv2DKernel.workspaceCount($0) * 4 } ?? 0
    case "self_attention", "self_attention_train", "self_attention_grad":
      return attentionShape(op, batch: batch, typeOf: typeOf).map { AttentionKernel.workspaceCount($0) * 4 } ?? 0
    case "conv2d_int8":
      return conv2DShape(op, batch: batch, typeOf: typeOf).map(Quantized.workspaceCount) ?? 0
    case "dense_dynamic_int8":
      // The input quantized to bytes.
      return resolve(typeOf(op.operands[0]), batch: batch).reduce(1, *)
    case "dense_f16":
      // The weights widened to f32.
      return typeOf(op.operands[1]).elementCount() * 4
    case "conv2d_f16":
      // The widened weights first, the convolution's own workspace after them.
      guard let shape = conv2DShape(op, batch: batch, typeOf: typeOf) else { return 0 }
      return (typeOf(op.operands[1]).elementCount() + Conv2DKernel.workspaceCount(shape)) * 4
    default: return 0
    }
  }

  /// Whether the kernels' size formulas for `op` stay far inside `Int` at this batch size:
  /// every operand and result, and the largest scratch term (a column matrix of
  /// C·KH·KW + OC rows by N·OH·OW columns, or attention's N·H·L² scores), counted with
  /// saturating arithmetic against 2^56 elements. Nothing near that fits any machine, and
  /// the kernels' own formulas then cannot overflow.
  static func countable(_ op: Operation, batch: Int, typeOf: (Operand) -> TensorType) -> Bool {
    if scratchFree(op.opcode) { return true }
    let limit = 1 << 56
    let types = op.operands.map(typeOf) + op.results.map(\.type)
    guard types.allSatisfy({ $0.elementCount(batch: batch) < limit }) else { return false }
    var terms: [Int] = []
    for t in types { for case .fixed(let n) in t.dims { terms.append(n) } }
    for key in ["stride", "padding", "dilation", "size"] { terms += op.attributes[key]?.intList ?? [] }
    // Any one size or geometry number is at most an element count or an attribute; the
    // products the kernels form multiply at most four of them with the batch.
    let largest = terms.map { Swift.max($0, 0) }.max() ?? 0
    let bound = [largest, largest, largest, largest, Swift.max(batch, 1)].reduce(1, saturatingMultiply)
    return bound < limit
  }

  /// Ops whose kernels take no scratch (their sizes are the operands' own).
  private static func scratchFree(_ opcode: String) -> Bool { !scratchOpcodes.contains(opcode) }

  /// Whether `bytes` can be more than 0 for ops of `opcode`: a planner can skip the
  /// others without looking up any types.
  public static func takesScratch(_ opcode: String) -> Bool { scratchOpcodes.contains(opcode) }

  /// The opcodes `bytes` gives scratch to.
  private static let scratchOpcodes: Set<String> = [
    "conv2d", "conv2d_grad_input", "conv2d_grad_weight", "self_attention", "self_attention_train",
    "self_attention_grad", "conv2d_int8", "dense_dynamic_int8", "dense_f16", "conv2d_f16",
  ]

  /// The convolution geometry of a conv2d op (forward, quantized or gradient form).
  public static func conv2DShape(_ op: Operation, batch: Int, typeOf: (Operand) -> TensorType) -> Conv2DShape? {
    let x: TensorType, w: TensorType
    switch op.opcode {
    case "conv2d", "conv2d_int8", "conv2d_f16": (x, w) = (typeOf(op.operands[0]), typeOf(op.operands[1]))
    case "conv2d_grad_input": (x, w) = (op.results[0].type, typeOf(op.operands[1]))
    case "conv2d_grad_weight": (x, w) = (typeOf(op.operands[1]), op.results[0].type)
    default: return nil
    }
    let xs = resolve(x, batch: batch), ws = resolve(w, batch: batch)
    guard xs.count == 4, ws.count == 4 else { return nil }
    let (sh, sw) = pair(op, "stride", 1), (ph, pw) = pair(op, "padding", 0), (dh, dw) = pair(op, "dilation", 1)
    return Conv2DShape(
      batch: xs[0], inChannels: xs[1], height: xs[2], width: xs[3], outChannels: ws[0], kernelH: ws[2], kernelW: ws[3],
      strideH: sh, strideW: sw, padH: ph, padW: pw, dilationH: dh, dilationW: dw)
  }

  /// The attention geometry: x is operand 0 of the forward forms and operand 1 of the gradient.
  public static func attentionShape(_ op: Operation, batch: Int, typeOf: (Operand) -> TensorType) -> AttentionShape? {
    let x = resolve(typeOf(op.operands[op.opcode == "self_attention_grad" ? 1 : 0]), batch: batch)
    guard x.count == 3 else { return nil }
    return AttentionShape(batch: x[0], length: x[1], width: x[2], heads: max(op.attributes["heads"]?.intValue ?? 0, 1),
                          causal: op.attributes["causal"]?.boolValue ?? false)
  }

  /// The dims of `type` with the batch dimension set to `batch`.
  static func resolve(_ type: TensorType, batch: Int) -> [Int] {
    type.dims.map { if case .fixed(let n) = $0 { return n } else { return batch } }
  }

  /// An `[a, b]` attribute (or one number for both), `fallback` when absent.
  static func pair(_ op: Operation, _ name: String, _ fallback: Int) -> (Int, Int) {
    let v = op.attributes[name]?.intList ?? [fallback, fallback]
    return (v.first ?? fallback, v.count > 1 ? v[1] : v.first ?? fallback)
  }
}
