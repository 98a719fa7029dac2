import DLCIR
import DLCKernels

/// Ops that move data or merge values: flatten, reshape, add, multiply, concat, slice.
extension Lowering {
  func lowerShape(_ op: Operation) throws(RuntimeError) -> Step? {
    switch op.opcode {
    case "flatten", "reshape":
      let (x, y, n) = (f(op, 0), out(op), count(op.operands[0]))
      return { ElementwiseKernel.copy(x, to: y, count: n) }
    case "add", "multiply":
      let inputs = op.operands.map { f($0) }
      let (y, n) = (out(op), count(op.operands[0]))
      let add = op.opcode == "add"
      return {
        if add { ElementwiseKernel.add(inputs[0], inputs[1], y: y, count: n) } else { ElementwiseKernel.multiply(inputs[0], inputs[1], y: y, count: n) }
        for extra in inputs.dropFirst(2) {
          if add { ElementwiseKernel.accumulate(extra, into: y, count: n) } else { ElementwiseKernel.multiply(y, extra, y: y, count: n) }
        }
      }
    case "concat":
      let axis = Self.int(op, "axis")
      let parts = op.operands.map { (UnsafePointer(f($0)), Self.split(shape: shape($0), perSampleAxis: axis).size) }
      let (outer, _, inner) = Self.split(shape: resultShape(op), perSampleAxis: axis)
      let y = out(op)
      return { ElementwiseKernel.concat(parts, y: y, outer: outer, inner: inner) }
    case "slice":
      let (outer, size, inner) = Self.split(shape: shape(op.operands[0]), perSampleAxis: Self.int(op, "axis"))
      let (start, length) = (Self.int(op, "start"), Self.int(op, "length"))
      let (x, y) = (f(op, 0), out(op))
      return { ElementwiseKernel.slice(x: x, y: y, outer: outer, axisSize: size, start: start, length: length, inner: inner) }
    default: return nil
    }
  }
}
