import DLCIR

/// The quantized inference ops of the `quantize` pass (as `Lowering+Quantized.swift`):
/// u8 activations, i8 weights packed once per model (`Quantized.PreparedWeights`, prepared
/// before each use as the interpreter does), per-channel scales, and f16 weights. The
/// activation scales and zero points are the class's properties, read from the
/// checkpoint's IR, since calibration set them after this code was emitted.
extension FunctionEmitter {
  mutating func emitQuantized(_ op: Operation) throws(CodegenError) -> Bool {
    switch op.opcode {
    case "quantize":
      let n = count(op.operands[0]).code
      let range = context.activationRange(op.results[0].name, opcode: op.opcode, "scale", "zero_point", role: "range")
      let x = operand(op, 0)
      let q = result(op)
      text.call("Quantized.quantize", [x, "count: \(n)", range, "into: \(q)"])
    case "dequantize":
      let n = count(op.operands[0]).code
      let range = context.activationRange(op.results[0].name, opcode: op.opcode, "scale", "zero_point", role: "range")
      let q = operand(op, 0)
      let x = result(op)
      text.call("Quantized.dequantize", [q, "count: \(n)", range, "into: \(x)"])
    case "dense_int8", "conv2d_int8":
      // The same product for both; requantized (u8, `y_scale`) or float output.
      let (w, rows, inF, outF) = prepared(op)
      let conv = op.opcode == "conv2d_int8"
      let shape = conv ? convShape(op) : ""
      let (xq, scales, bias) = (operand(op, 0), operand(op, 2), optional(op, 3))
      text.line("\(w).prepare()")
      var arguments = [
        "xq: \(xq)", "x: \(inputRange(op))", "wPacked: \(w).packed", "wScales: \(scales)", "wRowSums: \(w).rowSums", "bias: \(bias)",
      ]
      let requantized = op.attributes["y_scale"] != nil
      if !conv { arguments += ["rows: \(rows.code)", "inFeatures: \(inF)", "outFeatures: \(outF)"] }
      if requantized {
        let output = context.activationRange(op.results[0].name, opcode: op.opcode, "y_scale", "y_zero_point", role: "output")
        arguments += (conv ? ["shape: \(shape)"] : []) + ["output: \(output)", "relu: \(Self.bool(op, "relu"))", "yq: \(result(op))"]
      } else {
        arguments += ["y: \(result(op))"] + (conv ? ["shape: \(shape)"] : [])
      }
      if conv { arguments.append("workspace: \(scratch("u8"))") }
      let kernel = (conv ? "Quantized.conv2dInt8" : "Quantized.denseInt8") + (requantized ? "Requantized" : "")
      text.call(kernel, arguments)
    case "dense_dynamic_int8":
      let (w, rows, inF, outF) = prepared(op)
      let (x, scales, bias) = (operand(op, 0), operand(op, 2), optional(op, 3))
      let y = result(op)
      text.line("\(w).prepare()")
      text.call("Quantized.denseDynamic", [
        "x: \(x)", "wPacked: \(w).packed", "wScales: \(scales)", "wRowSums: \(w).rowSums", "bias: \(bias)", "rows: \(rows.code)",
        "inFeatures: \(inF)", "outFeatures: \(outF)", "y: \(y)", "scratch: \(scratch("u8"))",
      ])
    case "dense_f16":
      let wDims = dims(op.operands[1])
      let (outF, inF) = (wDims[0].factor, wDims[1].factor)
      let rows = count(op.operands[0]) / inF
      let (x, w, bias) = (operand(op, 0), operand(op, 1), optional(op, 2))
      let y = result(op)
      text.call("Quantized.denseHalf", [
        "x: \(x)", "wHalf: \(w)", "bias: \(bias)", "rows: \(rows.code)", "inFeatures: \(inF)", "outFeatures: \(outF)", "y: \(y)",
        "scratch: \(scratch())",
      ])
    case "conv2d_f16":
      let s = convShape(op)
      let weightCount = count(op.operands[1]).code
      let (x, w, bias) = (operand(op, 0), operand(op, 1), optional(op, 2))
      let y = result(op)
      // The widened weights first, the convolution's own workspace after them.
      text.call("Quantized.fromHalf", [w, "count: \(weightCount)", "into: \(scratch())"])
      text.call("Conv2DKernel.forward", [
        "x: \(x)", "weight: \(scratch())", "bias: \(bias)", "y: \(y)", "shape: \(s)", "workspace: \(scratch()) + \(weightCount)",
      ])
    default: return false
    }
    return true
  }

  /// The packed form of the op's int8 weight (operand 1, [rows, columns…]) and the op's
  /// GEMM sizes: rows of x, in and out features.
  private mutating func prepared(_ op: Operation) -> (String, Extent, Int, Int) {
    guard case .param(let name) = op.operands[1] else { return (pointer(op.operands[1]), .fixed(0), 0, 0) }
    let w = dims(op.operands[1])
    let (outF, inF) = (w[0].factor, w.dropFirst().reduce(1) { $0 * $1.factor })
    return (context.prepared(name, rows: outF, columns: inF), count(op.operands[0]) / max(inF, 1), inF, outF)
  }

  /// The quantization of the op's u8 input (its `x_scale`, `x_zero_point`).
  private func inputRange(_ op: Operation) -> String {
    context.activationRange(op.results[0].name, opcode: op.opcode, "x_scale", "x_zero_point", role: "input")
  }
}
