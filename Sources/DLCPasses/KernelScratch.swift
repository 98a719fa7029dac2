/// The kernels' geometry and scratch space for an op at a batch size: what `MemoryPlan`
/// reserves beside an op, and the shapes the kernels are called with. The interpreter and
/// the code generator both plan with these, so their arenas cannot disagree.
import DLCIR
import DLCKernels

/// Kernel shapes and scratch bytes of IR ops.
public enum KernelScratch {
  /// Scratch bytes `op` needs at batch size `batch` (the planner's callback).
  /// Saturates at `Int.max` for a geometry whose scratch cannot be counted (see `countable`).
  public static func bytes(_ op: Operation, batch: Int, typeOf: @escaping (Operand) -> TensorType) -> Int {
    guard countable(op, batch: batch, typeOf: typeOf) else { return Int.max }
    if let rule = KernelBindings.binding(for: op.opcode)?.scratchBytes { return rule(OpView(op: op, typeOf: typeOf), batch) }
    return 0
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
  private static func scratchFree(_ opcode: String) -> Bool { !takesScratch(opcode) }

  /// Whether `bytes` can be more than 0 for ops of `opcode`: a planner can skip the
  /// others without looking up any types.
  public static func takesScratch(_ opcode: String) -> Bool { KernelBindings.binding(for: opcode)?.scratchBytes != nil }
}
