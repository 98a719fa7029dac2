import DLCIR
import DLCKernels

/// The pointwise activations and their gradients (generic: a row of DLCIR's pointwise
/// table and its formula's kernels), and softmax.
extension Lowering {
  func lowerActivation(_ op: Operation) throws(RuntimeError) -> Step? {
    if let (row, isGradient) = PointwiseOps.lookup(op.opcode) { return lowerPointwise(op, row, isGradient: isGradient) }
    switch op.opcode {
    case "softmax":
      let (outer, size, inner) = Self.split(shape: shape(op.operands[0]), perSampleAxis: Self.int(op, "axis"))
      let (x, y) = (f(op, 0), out(op))
      return { SoftmaxKernel.forward(x: x, y: y, outer: outer, axis: size, inner: inner) }
    case "softmax_grad":
      let (outer, size, inner) = Self.split(shape: shape(op.operands[1]), perSampleAxis: Self.int(op, "axis"))
      let (dy, y, dx) = (f(op, 0), f(op, 1), out(op))
      return { SoftmaxKernel.backward(dy: dy, y: y, dx: dx, outer: outer, axis: size, inner: inner) }
    default: return nil
    }
  }

  /// `row(x)` or `row_grad(dy, x or y)` through the formula's specialized kernel.
  private func lowerPointwise(_ op: Operation, _ row: PointwiseOp, isGradient: Bool) -> Step {
    guard let kernels = PointwiseKernels.named(row.name) else { preconditionFailure("no formula for '\(row.name)'") }
    let n = resultShape(op).reduce(1, *)
    let parameters = PointwiseParameters(row.parameterValues(op.attributes))
    let transcendental = OpRegistry.schema(op.opcode)?.traits.contains(.transcendental) ?? false
    if isGradient {
      let (dy, saved, dx) = (f(op, 0), f(op, 1), out(op))
      return { kernels.backward(dy, saved, dx, n, parameters, transcendental) }
    }
    let (x, y) = (f(op, 0), out(op))
    return { kernels.forward(x, y, n, parameters, transcendental) }
  }
}
