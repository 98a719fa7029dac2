import DLCIR
import DLCKernels
import DLCPasses

/// conv2d and pooling, forward and backward.
extension Lowering {
  func lowerSpatial(_ op: Operation) throws(RuntimeError) -> Step? {
    switch op.opcode {
    case "conv2d":
      let s = KernelScratch.conv2DShape(op, batch: batch, typeOf: typeOf)!
      let (x, w, b, y, ws) = (f(op, 0), f(op, 1), optional(op, 2), out(op), scratch())
      return { Conv2DKernel.forward(x: x, weight: w, bias: b, y: y, shape: s, workspace: ws) }
    case "conv2d_grad_input":
      let s = KernelScratch.conv2DShape(op, batch: batch, typeOf: typeOf)!
      let (dy, w, dx, ws) = (f(op, 0), f(op, 1), out(op), scratch())
      return { Conv2DKernel.gradInput(dy: dy, weight: w, dx: dx, shape: s, workspace: ws) }
    case "conv2d_grad_weight":
      let s = KernelScratch.conv2DShape(op, batch: batch, typeOf: typeOf)!
      let (dy, x, dw, ws) = (f(op, 0), f(op, 1), out(op), scratch())
      return { Conv2DKernel.gradWeight(dy: dy, x: x, dweight: dw, shape: s, workspace: ws) }
    case "conv2d_grad_bias":
      let dyShape = shape(op.operands[0])
      let s = Conv2DShape(
        batch: dyShape[0], inChannels: 1, height: dyShape[2], width: dyShape[3], outChannels: dyShape[1],
        kernelH: 1, kernelW: 1, strideH: 1, strideW: 1, padH: 0, padW: 0, dilationH: 1, dilationW: 1)
      let (dy, db) = (f(op, 0), out(op))
      return { Conv2DKernel.gradBias(dy: dy, dbias: db, shape: s) }
    case "maxpool2d", "avgpool2d":
      let s = poolShape(op, input: shape(op.operands[0]))
      let (x, y) = (f(op, 0), out(op))
      if op.opcode == "maxpool2d" { return { PoolKernel.maxForward(x: x, y: y, shape: s) } }
      return { PoolKernel.avgForward(x: x, y: y, shape: s) }
    case "maxpool2d_grad":
      let s = poolShape(op, input: shape(op.operands[1]))
      let (dy, x, dx) = (f(op, 0), f(op, 1), out(op))
      return { PoolKernel.maxBackward(dy: dy, x: x, dx: dx, shape: s) }
    case "avgpool2d_grad":
      let s = poolShape(op, input: resultShape(op))
      let (dy, dx) = (f(op, 0), out(op))
      return { PoolKernel.avgBackward(dy: dy, dx: dx, shape: s) }
    case "global_avgpool", "global_avgpool_grad":
      let input = op.opcode == "global_avgpool" ? shape(op.operands[0]) : resultShape(op)
      let channelsFirst = input.count == 4
      let positions = channelsFirst ? input[2] * input[3] : input[1]
      let channels = channelsFirst ? input[1] : input[2]
      let n = input[0]
      let (a, b) = (f(op, 0), out(op))
      if op.opcode == "global_avgpool" {
        return { PoolKernel.globalAvgForward(x: a, y: b, batch: n, positions: positions, channels: channels, channelsFirst: channelsFirst) }
      }
      return { PoolKernel.globalAvgBackward(dy: a, dx: b, batch: n, positions: positions, channels: channels, channelsFirst: channelsFirst) }
    default: return nil
    }
  }

  func poolShape(_ op: Operation, input x: [Int]) -> Pool2DShape {
    let (kh, kw) = Self.pair(op, "size", 2)
    let (sh, sw) = Self.pair(op, "stride", kh)
    let (ph, pw) = Self.pair(op, "padding", 0)
    return Pool2DShape(batch: x[0], channels: x[1], height: x[2], width: x[3], windowH: kh, windowW: kw,
                       strideH: sh, strideW: sw, padH: ph, padW: pw)
  }
}
