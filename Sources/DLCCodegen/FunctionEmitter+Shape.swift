import DLCIR

/// Data movement and merges (as `Lowering+Shape.swift`).
extension FunctionEmitter {
  mutating func emitShape(_ op: Operation) throws(CodegenError) -> Bool {
    switch op.opcode {
    case "flatten", "reshape":
      let n = count(op.operands[0]).code
      let x = operand(op, 0)
      let y = result(op)
      text.call("ElementwiseKernel.copy", [x, "to: \(y)", "count: \(n)"])
    case "add", "multiply":
      let n = count(op.operands[0]).code
      let inputs = (0..<op.operands.count).map { operand(op, $0) }
      let y = result(op)
      let add = op.opcode == "add"
      text.call(add ? "ElementwiseKernel.add" : "ElementwiseKernel.multiply", [inputs[0], inputs[1], "y: \(y)", "count: \(n)"])
      for extra in inputs.dropFirst(2) {
        if add {
          text.call("ElementwiseKernel.accumulate", [extra, "into: \(y)", "count: \(n)"])
        } else {
          text.call("ElementwiseKernel.multiply", [y, extra, "y: \(y)", "count: \(n)"])
        }
      }
    case "concat":
      let axis = Self.int(op, "axis")
      var parts: [String] = []
      for (i, o) in op.operands.enumerated() {
        parts.append("(UnsafePointer(\(operand(op, i))), \(Self.split(dims(o), perSampleAxis: axis).size.code))")
      }
      let (outer, _, inner) = Self.split(resultDims(op), perSampleAxis: axis)
      let y = result(op)
      text.call("ElementwiseKernel.concat", ["[" + parts.joined(separator: ", ") + "]", "y: \(y)", "outer: \(outer.code)", "inner: \(inner.code)"])
    case "slice":
      let (outer, size, inner) = Self.split(dims(op.operands[0]), perSampleAxis: Self.int(op, "axis"))
      let x = operand(op, 0)
      let y = result(op)
      text.call("ElementwiseKernel.slice", [
        "x: \(x)", "y: \(y)", "outer: \(outer.code)", "axisSize: \(size.code)", "start: \(Self.int(op, "start"))",
        "length: \(Self.int(op, "length"))", "inner: \(inner.code)",
      ])
    default: return false
    }
    return true
  }
}
