import DLCIR
import DLCKernels
import DLCPasses

/// The quantized inference ops of the `quantize` pass: u8 activations, i8 weights with
/// per-channel scales, int32 accumulation (`DLCKernels/Quantized*.swift`), and f16 weights.
extension Lowering {
  func lowerQuantized(_ op: Operation) throws(RuntimeError) -> Step? {
    switch op.opcode {
    case "quantize":
      let (x, q, n, p) = (f(op, 0), u8(.value(op.results[0].name)), count(op.operands[0]), Self.affine(op, "scale", "zero_point"))
      return { Quantized.quantize(x, count: n, p, into: q) }
    case "dequantize":
      let (q, x, n, p) = (u8(op.operands[0]), out(op), count(op.operands[0]), Self.affine(op, "scale", "zero_point"))
      return { Quantized.dequantize(q, count: n, p, into: x) }
    case "dense_int8":
      let weights = prepared(op.operands[1])
      let (xq, scales, bias, inQ) = (u8(op.operands[0]), f(op, 2), optional(op, 3), Self.affine(op, "x_scale", "x_zero_point"))
      let rows = count(op.operands[0]) / weights.columns
      let (outF, inF) = (weights.rows, weights.columns)
      if op.attributes["y_scale"] != nil {
        let (yq, outQ, relu) = (u8(.value(op.results[0].name)), Self.affine(op, "y_scale", "y_zero_point"), Self.bool(op, "relu"))
        return {
          weights.prepare()
          Quantized.denseInt8Requantized(
            xq: xq, x: inQ, wPacked: weights.packed, wScales: scales, wRowSums: weights.rowSums, bias: bias, rows: rows,
            inFeatures: inF, outFeatures: outF, output: outQ, relu: relu, yq: yq)
        }
      }
      let y = out(op)
      return {
        weights.prepare()
        Quantized.denseInt8(
          xq: xq, x: inQ, wPacked: weights.packed, wScales: scales, wRowSums: weights.rowSums, bias: bias, rows: rows,
          inFeatures: inF, outFeatures: outF, y: y)
      }
    case "conv2d_int8":
      let s = KernelScratch.conv2DShape(op, batch: batch, typeOf: typeOf)!
      let weights = prepared(op.operands[1])
      let (xq, scales, bias, inQ) = (u8(op.operands[0]), f(op, 2), optional(op, 3), Self.affine(op, "x_scale", "x_zero_point"))
      let ws = UnsafeMutableRawPointer(scratch()).assumingMemoryBound(to: UInt8.self)
      if op.attributes["y_scale"] != nil {
        let (yq, outQ, relu) = (u8(.value(op.results[0].name)), Self.affine(op, "y_scale", "y_zero_point"), Self.bool(op, "relu"))
        return {
          weights.prepare()
          Quantized.conv2dInt8Requantized(
            xq: xq, x: inQ, wPacked: weights.packed, wScales: scales, wRowSums: weights.rowSums, bias: bias, shape: s, output: outQ,
            relu: relu, yq: yq, workspace: ws)
        }
      }
      let y = out(op)
      return {
        weights.prepare()
        Quantized.conv2dInt8(
          xq: xq, x: inQ, wPacked: weights.packed, wScales: scales, wRowSums: weights.rowSums, bias: bias, y: y, shape: s, workspace: ws)
      }
    case "dense_dynamic_int8":
      let weights = prepared(op.operands[1])
      let (x, scales, bias, y) = (f(op, 0), f(op, 2), optional(op, 3), out(op))
      let rows = count(op.operands[0]) / weights.columns
      let (outF, inF) = (weights.rows, weights.columns)
      let ws = UnsafeMutableRawPointer(scratch()).assumingMemoryBound(to: UInt8.self)
      return {
        weights.prepare()
        Quantized.denseDynamic(
          x: x, wPacked: weights.packed, wScales: scales, wRowSums: weights.rowSums, bias: bias, rows: rows, inFeatures: inF,
          outFeatures: outF, y: y, scratch: ws)
      }
    case "dense_f16":
      let wShape = shape(op.operands[1])
      let (x, w, bias, y, ws) = (f(op, 0), half(op.operands[1]), optional(op, 2), out(op), scratch())
      let rows = count(op.operands[0]) / wShape[1]
      return {
        Quantized.denseHalf(x: x, wHalf: w, bias: bias, rows: rows, inFeatures: wShape[1], outFeatures: wShape[0], y: y, scratch: ws)
      }
    case "conv2d_f16":
      let s = KernelScratch.conv2DShape(op, batch: batch, typeOf: typeOf)!
      let weightCount = count(op.operands[1])
      let (x, w, bias, y, ws) = (f(op, 0), half(op.operands[1]), optional(op, 2), out(op), scratch())
      // The widened weights first, the convolution's own workspace after them.
      return {
        Quantized.fromHalf(w, count: weightCount, into: ws)
        Conv2DKernel.forward(x: x, weight: ws, bias: bias, y: y, shape: s, workspace: ws + weightCount)
      }
    default: return nil
    }
  }

  /// An i8 weight parameter, packed (with its row sums) when its op first runs, after the
  /// checkpoint's weights were loaded.
  func prepared(_ operand: Operand) -> Quantized.PreparedWeights {
    let dims = shape(operand)
    return Quantized.PreparedWeights(raw(operand).assumingMemoryBound(to: Int8.self), rows: dims.first ?? 0,
                                     columns: dims.dropFirst().reduce(1, *))
  }

  /// `operand` as UInt8 (quantized activations).
  func u8(_ operand: Operand) -> UnsafeMutablePointer<UInt8> { raw(operand).assumingMemoryBound(to: UInt8.self) }

  /// `operand` as binary16 bit patterns.
  func half(_ operand: Operand) -> UnsafeMutablePointer<UInt16> { raw(operand).assumingMemoryBound(to: UInt16.self) }

  static func affine(_ op: Operation, _ scale: String, _ zeroPoint: String) -> AffineQuantization {
    AffineQuantization(scale: float(op, scale, 1), zeroPoint: Int32(int(op, zeroPoint)))
  }
}
