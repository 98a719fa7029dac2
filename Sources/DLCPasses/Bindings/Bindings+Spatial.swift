import DLCIR
import DLCKernels

/// conv2d and pooling, forward and backward, with their geometry from `KernelGeometry`.
let spatialBindings: [String: KernelBinding] = [
  "conv2d": KernelBinding(scratchBytes: convWorkspaceBytes) { v in
    [
      KernelCall("Conv2DKernel.forward", [
        .init("x", .operand(0)), .init("weight", .operand(1)), .init("bias", .optionalOperand(2)), .init("y", .result(0)),
        .init("shape", .record(KernelGeometry.conv2D(v))), .init("workspace", .scratch(offset: nil, element: .f32)),
      ]) { a in
        let (x, w, b, y, s, ws) = (a.f32("x"), a.f32("weight"), a.optionalF32("bias"), a.f32("y"), Conv2DShape(a.record("shape")), a.f32("workspace"))
        return { Conv2DKernel.forward(x: x, weight: w, bias: b, y: y, shape: s, workspace: ws) }
      }
    ]
  },
  "conv2d_grad_input": KernelBinding(scratchBytes: convWorkspaceBytes) { v in
    [
      KernelCall("Conv2DKernel.gradInput", [
        .init("dy", .operand(0)), .init("weight", .operand(1)), .init("dx", .result(0)),
        .init("shape", .record(KernelGeometry.conv2D(v))), .init("workspace", .scratch(offset: nil, element: .f32)),
      ]) { a in
        let (dy, w, dx, s, ws) = (a.f32("dy"), a.f32("weight"), a.f32("dx"), Conv2DShape(a.record("shape")), a.f32("workspace"))
        return { Conv2DKernel.gradInput(dy: dy, weight: w, dx: dx, shape: s, workspace: ws) }
      }
    ]
  },
  "conv2d_grad_weight": KernelBinding(scratchBytes: convWorkspaceBytes) { v in
    [
      KernelCall("Conv2DKernel.gradWeight", [
        .init("dy", .operand(0)), .init("x", .operand(1)), .init("dweight", .result(0)),
        .init("shape", .record(KernelGeometry.conv2D(v))), .init("workspace", .scratch(offset: nil, element: .f32)),
      ]) { a in
        let (dy, x, dw, s, ws) = (a.f32("dy"), a.f32("x"), a.f32("dweight"), Conv2DShape(a.record("shape")), a.f32("workspace"))
        return { Conv2DKernel.gradWeight(dy: dy, x: x, dweight: dw, shape: s, workspace: ws) }
      }
    ]
  },
  "conv2d_grad_bias": KernelBinding { v in
    // Only batch, channels and positions matter to the bias gradient.
    let d = v.dims(0)
    let shape = KernelRecord(
      "Conv2DShape",
      [
        .init("batch", .size(d[0])), .init("inChannels", .int(1)), .init("height", .size(d[2])), .init("width", .size(d[3])),
        .init("outChannels", .size(d[1])), .init("kernelH", .int(1)), .init("kernelW", .int(1)), .init("strideH", .int(1)),
        .init("strideW", .int(1)), .init("padH", .int(0)), .init("padW", .int(0)), .init("dilationH", .int(1)),
        .init("dilationW", .int(1)),
      ], suffix: "_bias")
    return [
      KernelCall("Conv2DKernel.gradBias", [.init("dy", .operand(0)), .init("dbias", .result(0)), .init("shape", .record(shape))]) { a in
        let (dy, db, s) = (a.f32("dy"), a.f32("dbias"), Conv2DShape(a.record("shape")))
        return { Conv2DKernel.gradBias(dy: dy, dbias: db, shape: s) }
      }
    ]
  },
  "maxpool2d": KernelBinding { v in
    [
      KernelCall("PoolKernel.maxForward", [
        .init("x", .operand(0)), .init("y", .result(0)), .init("shape", .record(KernelGeometry.pool2D(input: v.dims(0), v.attributes))),
      ]) { a in
        let (x, y, s) = (a.f32("x"), a.f32("y"), Pool2DShape(a.record("shape")))
        return { PoolKernel.maxForward(x: x, y: y, shape: s) }
      }
    ]
  },
  "avgpool2d": KernelBinding { v in
    [
      KernelCall("PoolKernel.avgForward", [
        .init("x", .operand(0)), .init("y", .result(0)), .init("shape", .record(KernelGeometry.pool2D(input: v.dims(0), v.attributes))),
      ]) { a in
        let (x, y, s) = (a.f32("x"), a.f32("y"), Pool2DShape(a.record("shape")))
        return { PoolKernel.avgForward(x: x, y: y, shape: s) }
      }
    ]
  },
  "maxpool2d_grad": KernelBinding { v in
    [
      KernelCall("PoolKernel.maxBackward", [
        .init("dy", .operand(0)), .init("x", .operand(1)), .init("dx", .result(0)),
        .init("shape", .record(KernelGeometry.pool2D(input: v.dims(1), v.attributes))),
      ]) { a in
        let (dy, x, dx, s) = (a.f32("dy"), a.f32("x"), a.f32("dx"), Pool2DShape(a.record("shape")))
        return { PoolKernel.maxBackward(dy: dy, x: x, dx: dx, shape: s) }
      }
    ]
  },
  "avgpool2d_grad": KernelBinding { v in
    [
      KernelCall("PoolKernel.avgBackward", [
        .init("dy", .operand(0)), .init("dx", .result(0)),
        .init("shape", .record(KernelGeometry.pool2D(input: v.resultDims(), v.attributes))),
      ]) { a in
        let (dy, dx, s) = (a.f32("dy"), a.f32("dx"), Pool2DShape(a.record("shape")))
        return { PoolKernel.avgBackward(dy: dy, dx: dx, shape: s) }
      }
    ]
  },
  "global_avgpool": KernelBinding { v in
    [
      KernelCall("PoolKernel.globalAvgForward", [.init("x", .operand(0)), .init("y", .result(0))] + globalPoolSizes(v.dims(0))) { a in
        let (x, y) = (a.f32("x"), a.f32("y"))
        let (n, positions, channels, first) = (a.int("batch"), a.int("positions"), a.int("channels"), a.bool("channelsFirst"))
        return { PoolKernel.globalAvgForward(x: x, y: y, batch: n, positions: positions, channels: channels, channelsFirst: first) }
      }
    ]
  },
  "global_avgpool_grad": KernelBinding { v in
    [
      KernelCall("PoolKernel.globalAvgBackward", [.init("dy", .operand(0)), .init("dx", .result(0))] + globalPoolSizes(v.resultDims())) { a in
        let (dy, dx) = (a.f32("dy"), a.f32("dx"))
        let (n, positions, channels, first) = (a.int("batch"), a.int("positions"), a.int("channels"), a.bool("channelsFirst"))
        return { PoolKernel.globalAvgBackward(dy: dy, dx: dx, batch: n, positions: positions, channels: channels, channelsFirst: first) }
      }
    ]
  },
]

/// The convolution workspace of a conv op at a batch size, in bytes.
@Sendable func convWorkspaceBytes(_ v: OpView, batch: Int) -> Int {
  Conv2DKernel.workspaceCount(Conv2DShape(KernelGeometry.conv2D(v).resolved(batch: batch))) * 4
}

/// Global average pooling's sizes over an input [N, C, H, W] (channels first) or [N, L, D].
private func globalPoolSizes(_ input: [Extent]) -> [KernelArgument] {
  let channelsFirst = input.count == 4
  let positions = channelsFirst ? Extent.product(input[2...]) : input[1]
  return [
    .init("batch", .size(input[0])), .init("positions", .size(positions)), .init("channels", .size(input[channelsFirst ? 1 : 2])),
    .init("channelsFirst", .bool(channelsFirst)),
  ]
}
