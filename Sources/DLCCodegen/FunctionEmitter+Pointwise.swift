import DLCIR
import DLCKernels

/// The activations when they run on their own (as `Lowering+Activation.swift`): a
/// pointwise row as its formula's generic kernel, softmax as its kernel. In fused loops a
/// row is its formula's call (`FunctionEmitter+Fused.swift`).
extension FunctionEmitter {
  mutating func emitActivation(_ op: Operation) throws(CodegenError) -> Bool {
    if let (row, isGradient) = PointwiseOps.lookup(op.opcode) {
      let formula = try Self.formula(row)
      let n = Extent.product(resultDims(op)).code
      let tail = ["count: \(n)", "parameters: \(Self.parameters(op, row))", "transcendental: \(Self.isTranscendental(op))"]
      if isGradient {
        let (dy, saved, dx) = (operand(op, 0), operand(op, 1), result(op))
        text.call("PointwiseKernel.backward", ["\(formula).self", "dy: \(dy)", "saved: \(saved)", "dx: \(dx)"] + tail)
      } else {
        let (x, y) = (operand(op, 0), result(op))
        text.call("PointwiseKernel.forward", ["\(formula).self", "x: \(x)", "y: \(y)"] + tail)
      }
      return true
    }
    guard op.opcode == "softmax" || op.opcode == "softmax_grad" else { return false }
    let shape = dims(op.operands[op.opcode == "softmax" ? 0 : 1])
    let (outer, size, inner) = Self.split(shape, perSampleAxis: Self.int(op, "axis"))
    let sizes = ["outer: \(outer.code)", "axis: \(size.code)", "inner: \(inner.code)"]
    if op.opcode == "softmax" {
      let x = operand(op, 0)
      let y = result(op)
      text.call("SoftmaxKernel.forward", ["x: \(x)", "y: \(y)"] + sizes)
    } else {
      let (dy, y) = (operand(op, 0), operand(op, 1))
      let dx = result(op)
      text.call("SoftmaxKernel.backward", ["dy: \(dy)", "y: \(y)", "dx: \(dx)"] + sizes)
    }
    return true
  }

  /// The element expression of a pointwise op in a fused loop: its formula on `a`
  /// (`ELU.forward(x, PointwiseParameters(1))`, or `.derivative(dy:_:_:)` of a gradient).
  static func pointwiseExpression(_ op: Operation, _ a: [String]) -> String? {
    guard let (row, isGradient) = PointwiseOps.lookup(op.opcode) else { return nil }
    guard let formula = PointwiseKernels.named(row.name)?.typeName else { preconditionFailure("no formula for '\(row.name)'") }
    let p = parameters(op, row)
    return isGradient ? "\(formula).derivative(dy: \(a[0]), \(a[1]), \(p))" : "\(formula).forward(\(a[0]), \(p))"
  }

  /// Whether the op's schema says it costs a transcendental per element.
  static func isTranscendental(_ op: Operation) -> Bool {
    OpRegistry.schema(op.opcode)?.traits.contains(.transcendental) ?? false
  }

  /// The Swift type of the row's formula.
  private static func formula(_ row: PointwiseOp) throws(CodegenError) -> String {
    guard let kernels = PointwiseKernels.named(row.name) else { throw CodegenError("'\(row.name)' has no formula in DLCKernels") }
    return kernels.typeName
  }

  /// The op's parameter pack as a literal: `PointwiseParameters(0.01)`.
  private static func parameters(_ op: Operation, _ row: PointwiseOp) -> String {
    "PointwiseParameters(" + row.parameterValues(op.attributes).map(SwiftName.float).joined(separator: ", ") + ")"
  }
}
