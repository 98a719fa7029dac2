import DLCIR
import DLCKernels

/// conv2d and pooling, forward and backward (as `Lowering+Spatial.swift`).
extension FunctionEmitter {
  mutating func emitSpatial(_ op: Operation) throws(CodegenError) -> Bool {
    switch op.opcode {
    case "conv2d":
      let s = convShape(op)
      let (x, w, b) = (operand(op, 0), operand(op, 1), optional(op, 2))
      let y = result(op)
      text.call("Conv2DKernel.forward", ["x: \(x)", "weight: \(w)", "bias: \(b)", "y: \(y)", "shape: \(s)", "workspace: \(scratch())"])
    case "conv2d_grad_input":
      let s = convShape(op)
      let (dy, w) = (operand(op, 0), operand(op, 1))
      let dx = result(op)
      text.call("Conv2DKernel.gradInput", ["dy: \(dy)", "weight: \(w)", "dx: \(dx)", "shape: \(s)", "workspace: \(scratch())"])
    case "conv2d_grad_weight":
      let s = convShape(op)
      let (dy, x) = (operand(op, 0), operand(op, 1))
      let dw = result(op)
      text.call("Conv2DKernel.gradWeight", ["dy: \(dy)", "x: \(x)", "dweight: \(dw)", "shape: \(s)", "workspace: \(scratch())"])
    case "conv2d_grad_bias":
      // Only batch, channels and positions matter to the bias gradient.
      let d = dims(op.operands[0])
      let fields = [
        ("batch", d[0].code), ("inChannels", "1"), ("height", d[2].code), ("width", d[3].code),
        ("outChannels", d[1].code), ("kernelH", "1"), ("kernelW", "1"), ("strideH", "1"), ("strideW", "1"),
        ("padH", "0"), ("padW", "0"), ("dilationH", "1"), ("dilationW", "1"),
      ]
      let s = shapeLocal(layerName(op) + "_bias", "Conv2DShape", fields)
      let dy = operand(op, 0)
      let db = result(op)
      text.call("Conv2DKernel.gradBias", ["dy: \(dy)", "dbias: \(db)", "shape: \(s)"])
    case "maxpool2d", "avgpool2d":
      let s = poolShape(op, input: dims(op.operands[0]))
      let x = operand(op, 0)
      let y = result(op)
      text.call(op.opcode == "maxpool2d" ? "PoolKernel.maxForward" : "PoolKernel.avgForward", ["x: \(x)", "y: \(y)", "shape: \(s)"])
    case "maxpool2d_grad":
      let s = poolShape(op, input: dims(op.operands[1]))
      let (dy, x) = (operand(op, 0), operand(op, 1))
      let dx = result(op)
      text.call("PoolKernel.maxBackward", ["dy: \(dy)", "x: \(x)", "dx: \(dx)", "shape: \(s)"])
    case "avgpool2d_grad":
      let s = poolShape(op, input: resultDims(op))
      let dy = operand(op, 0)
      let dx = result(op)
      text.call("PoolKernel.avgBackward", ["dy: \(dy)", "dx: \(dx)", "shape: \(s)"])
    case "global_avgpool", "global_avgpool_grad":
      let input = op.opcode == "global_avgpool" ? dims(op.operands[0]) : resultDims(op)
      let channelsFirst = input.count == 4
      let positions = channelsFirst ? input[2].factor * input[3].factor : input[1].factor
      let channels = channelsFirst ? input[1].factor : input[2].factor
      let a = operand(op, 0)
      let b = result(op)
      let forward = op.opcode == "global_avgpool"
      text.call(forward ? "PoolKernel.globalAvgForward" : "PoolKernel.globalAvgBackward", [
        forward ? "x: \(a)" : "dy: \(a)", forward ? "y: \(b)" : "dx: \(b)", "batch: \(input[0].code)",
        "positions: \(positions)", "channels: \(channels)", "channelsFirst: \(channelsFirst)",
      ])
    default: return false
    }
    return true
  }

  /// The layer an op belongs to, for naming its shape locals.
  func layerName(_ op: Operation) -> String {
    context.layer(at: op.location, fallback: op.results.first?.name ?? op.opcode)
  }

  /// A local holding the op's `Conv2DShape` (x and weight from operands or the result).
  mutating func convShape(_ op: Operation) -> String {
    let x: [Extent], w: [Extent]
    switch op.opcode {
    case "conv2d", "conv2d_int8", "conv2d_f16": (x, w) = (dims(op.operands[0]), dims(op.operands[1]))
    case "conv2d_grad_input": (x, w) = (resultDims(op), dims(op.operands[1]))
    default: (x, w) = (dims(op.operands[1]), resultDims(op))
    }
    let (sh, sw) = Self.pair(op, "stride", 1), (ph, pw) = Self.pair(op, "padding", 0)
    let (dh, dw) = Self.pair(op, "dilation", 1)
    let fields = [
      ("batch", x[0].code), ("inChannels", x[1].code), ("height", x[2].code), ("width", x[3].code),
      ("outChannels", w[0].code), ("kernelH", w[2].code), ("kernelW", w[3].code), ("strideH", "\(sh)"),
      ("strideW", "\(sw)"), ("padH", "\(ph)"), ("padW", "\(pw)"), ("dilationH", "\(dh)"), ("dilationW", "\(dw)"),
    ]
    return shapeLocal(layerName(op), "Conv2DShape", fields)
  }

  /// A local holding the op's `Pool2DShape`.
  mutating func poolShape(_ op: Operation, input x: [Extent]) -> String {
    let (kh, kw) = Self.pair(op, "size", 2)
    let (sh, sw) = Self.pair(op, "stride", kh)
    let (ph, pw) = Self.pair(op, "padding", 0)
    let fields = [
      ("batch", x[0].code), ("channels", x[1].code), ("height", x[2].code), ("width", x[3].code), ("windowH", "\(kh)"),
      ("windowW", "\(kw)"), ("strideH", "\(sh)"), ("strideW", "\(sw)"), ("padH", "\(ph)"), ("padW", "\(pw)"),
    ]
    return shapeLocal(layerName(op), "Pool2DShape", fields)
  }
}
