import DLCIR
import DLCKernels

/// The quantized inference ops of the `quantize` pass: u8 activations, i8 weights with
/// per-channel scales packed once (`Quantized.PreparedWeights`, prepared before each use),
/// int32 accumulation (`DLCKernels/Quantized*.swift`), and f16 weights.
///
/// Activation scales and zero points are `affine` arguments: the interpreter reads them
/// from the op's attributes; the emitter passes a property of the model class read from
/// the checkpoint's IR, since calibration sets them after the code was emitted.
let quantizedBindings: [String: KernelBinding] = [
  "quantize": KernelBinding { v in
    [
      KernelCall("Quantized.quantize", [
        .init("x", .operand(0), labelled: false), .init("count", .size(v.count(0))),
        .init("p", .affine(scale: "scale", zeroPoint: "zero_point", role: "range"), labelled: false), .init("into", .result(0)),
      ]) { a in
        let (x, n, p, q) = (a.f32("x"), a.int("count"), a.affine("p"), a.u8("into"))
        return { Quantized.quantize(x, count: n, p, into: q) }
      }
    ]
  },
  "dequantize": KernelBinding { v in
    [
      KernelCall("Quantized.dequantize", [
        .init("q", .operand(0), labelled: false), .init("count", .size(v.count(0))),
        .init("p", .affine(scale: "scale", zeroPoint: "zero_point", role: "range"), labelled: false), .init("into", .result(0)),
      ]) { a in
        let (q, n, p, x) = (a.u8("q"), a.int("count"), a.affine("p"), a.f32("into"))
        return { Quantized.dequantize(q, count: n, p, into: x) }
      }
    ]
  },
  // (%xq, @w_q, @w_scales, [@bias]) {x_scale, x_zero_point, [y_scale, y_zero_point, relu]}
  "dense_int8": KernelBinding { v in
    let sizes = int8DenseSizes(v)
    let head = int8Operands()
    guard v.attributes.has("y_scale") else {
      return [prepareCall(), KernelCall("Quantized.denseInt8", head + sizes + [.init("y", .result(0))]) { a in
        let (xq, x, w, scales, sums, bias) = int8Inputs(a)
        let (rows, inF, outF, y) = (a.int("rows"), a.int("inFeatures"), a.int("outFeatures"), a.f32("y"))
        return {
          Quantized.denseInt8(
            xq: xq, x: x, wPacked: w, wScales: scales, wRowSums: sums, bias: bias, rows: rows, inFeatures: inF, outFeatures: outF, y: y)
        }
      }]
    }
    return [prepareCall(), KernelCall("Quantized.denseInt8Requantized", head + sizes + requantizedOutput(v)) { a in
      let (xq, x, w, scales, sums, bias) = int8Inputs(a)
      let (rows, inF, outF) = (a.int("rows"), a.int("inFeatures"), a.int("outFeatures"))
      let (output, relu, yq) = (a.affine("output"), a.bool("relu"), a.u8("yq"))
      return {
        Quantized.denseInt8Requantized(
          xq: xq, x: x, wPacked: w, wScales: scales, wRowSums: sums, bias: bias, rows: rows, inFeatures: inF, outFeatures: outF,
          output: output, relu: relu, yq: yq)
      }
    }]
  },
  "conv2d_int8": KernelBinding(scratchBytes: { v, batch in
    Quantized.workspaceCount(Conv2DShape(KernelGeometry.conv2D(v).resolved(batch: batch)))
  }) { v in
    let shape = KernelArgument("shape", .record(KernelGeometry.conv2D(v)))
    let workspace = KernelArgument("workspace", .scratch(offset: nil, element: .u8))
    guard v.attributes.has("y_scale") else {
      return [prepareCall(), KernelCall("Quantized.conv2dInt8", int8Operands() + [.init("y", .result(0)), shape, workspace]) { a in
        let (xq, x, w, scales, sums, bias) = int8Inputs(a)
        let (y, s, ws) = (a.f32("y"), Conv2DShape(a.record("shape")), a.u8("workspace"))
        return {
          Quantized.conv2dInt8(xq: xq, x: x, wPacked: w, wScales: scales, wRowSums: sums, bias: bias, y: y, shape: s, workspace: ws)
        }
      }]
    }
    return [prepareCall(), KernelCall("Quantized.conv2dInt8Requantized", int8Operands() + [shape] + requantizedOutput(v) + [workspace]) { a in
      let (xq, x, w, scales, sums, bias) = int8Inputs(a)
      let (s, output, relu, yq, ws) = (Conv2DShape(a.record("shape")), a.affine("output"), a.bool("relu"), a.u8("yq"), a.u8("workspace"))
      return {
        Quantized.conv2dInt8Requantized(
          xq: xq, x: x, wPacked: w, wScales: scales, wRowSums: sums, bias: bias, shape: s, output: output, relu: relu, yq: yq,
          workspace: ws)
      }
    }]
  },
  // (%x, @w_q, @w_scales, [@bias]): x quantized per row into the scratch bytes.
  "dense_dynamic_int8": KernelBinding(scratchBytes: { v, batch in v.count(0).value(batch: batch) }) { v in
    [
      prepareCall(),
      KernelCall("Quantized.denseDynamic", [
        .init("x", .operand(0)), .init("wPacked", .prepared(1, .packed)), .init("wScales", .operand(2)),
        .init("wRowSums", .prepared(1, .rowSums)), .init("bias", .optionalOperand(3)),
      ] + int8DenseSizes(v) + [.init("y", .result(0)), .init("scratch", .scratch(offset: nil, element: .u8))]) { a in
        let (x, w, scales, sums, bias) = (a.f32("x"), a.i8("wPacked"), a.f32("wScales"), a.i32("wRowSums"), a.optionalF32("bias"))
        let (rows, inF, outF, y, ws) = (a.int("rows"), a.int("inFeatures"), a.int("outFeatures"), a.f32("y"), a.u8("scratch"))
        return {
          Quantized.denseDynamic(
            x: x, wPacked: w, wScales: scales, wRowSums: sums, bias: bias, rows: rows, inFeatures: inF, outFeatures: outF, y: y,
            scratch: ws)
        }
      },
    ]
  },
  // (%x, @w_f16, [@bias]): the weights widened into the scratch.
  "dense_f16": KernelBinding(scratchBytes: { v, _ in v.count(1).factor * 4 }) { v in
    let w = v.dims(1)
    return [
      KernelCall("Quantized.denseHalf", [
        .init("x", .operand(0)), .init("wHalf", .operand(1)), .init("bias", .optionalOperand(2)),
        .init("rows", .size(v.count(0) / w[1].factor)), .init("inFeatures", .size(w[1])), .init("outFeatures", .size(w[0])),
        .init("y", .result(0)), .init("scratch", .scratch(offset: nil, element: .f32)),
      ]) { a in
        let (x, w, bias, y, ws) = (a.f32("x"), a.f16("wHalf"), a.optionalF32("bias"), a.f32("y"), a.f32("scratch"))
        let (rows, inF, outF) = (a.int("rows"), a.int("inFeatures"), a.int("outFeatures"))
        return { Quantized.denseHalf(x: x, wHalf: w, bias: bias, rows: rows, inFeatures: inF, outFeatures: outF, y: y, scratch: ws) }
      }
    ]
  },
  // The widened weights first in the scratch, the convolution's own workspace after them.
  "conv2d_f16": KernelBinding(scratchBytes: { v, batch in
    (v.count(1).factor + Conv2DKernel.workspaceCount(Conv2DShape(KernelGeometry.conv2D(v).resolved(batch: batch)))) * 4
  }) { v in
    let weightCount = v.count(1)
    return [
      KernelCall("Quantized.fromHalf", [
        .init("h", .operand(1), labelled: false), .init("count", .size(weightCount)),
        .init("into", .scratch(offset: nil, element: .f32)),
      ]) { a in
        let (h, n, w) = (a.f16("h"), a.int("count"), a.f32("into"))
        return { Quantized.fromHalf(h, count: n, into: w) }
      },
      KernelCall("Conv2DKernel.forward", [
        .init("x", .operand(0)), .init("weight", .scratch(offset: nil, element: .f32)), .init("bias", .optionalOperand(2)),
        .init("y", .result(0)), .init("shape", .record(KernelGeometry.conv2D(v))),
        .init("workspace", .scratch(offset: weightCount, element: .f32)),
      ]) { a in
        let (x, w, b, y, s, ws) = (a.f32("x"), a.f32("weight"), a.optionalF32("bias"), a.f32("y"), Conv2DShape(a.record("shape")), a.f32("workspace"))
        return { Conv2DKernel.forward(x: x, weight: w, bias: b, y: y, shape: s, workspace: ws) }
      },
    ]
  },
]

/// `w.prepare()` on the op's packed int8 weight (operand 1): packs it the first time,
/// after the checkpoint's weights were loaded.
private func prepareCall() -> KernelCall {
  KernelCall("prepare", [], receiver: .prepared(1, .object)) { a in
    let weights = a.preparedWeights()
    return { weights.prepare() }
  }
}

/// (%xq, @w_q, @w_scales, [@bias]) of the int8 products, with the input's quantization.
private func int8Operands() -> [KernelArgument] {
  [
    .init("xq", .operand(0)), .init("x", .affine(scale: "x_scale", zeroPoint: "x_zero_point", role: "input")),
    .init("wPacked", .prepared(1, .packed)), .init("wScales", .operand(2)), .init("wRowSums", .prepared(1, .rowSums)),
    .init("bias", .optionalOperand(3)),
  ]
}

/// The resolved inputs `int8Operands` describes.
private func int8Inputs(_ a: KernelArguments) -> (
  UnsafeMutablePointer<UInt8>, AffineQuantization, UnsafeMutablePointer<Int8>, UnsafeMutablePointer<Float>,
  UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Float>?
) {
  (a.u8("xq"), a.affine("x"), a.i8("wPacked"), a.f32("wScales"), a.i32("wRowSums"), a.optionalF32("bias"))
}

/// The GEMM sizes of an int8 dense: the weight is [out, in…].
private func int8DenseSizes(_ v: OpView) -> [KernelArgument] {
  let w = v.dims(1)
  let inF = Extent.product(w.dropFirst())
  return [
    .init("rows", .size(v.count(0) / max(inF.factor, 1))), .init("inFeatures", .size(inF)), .init("outFeatures", .size(w[0])),
  ]
}

/// The requantized output: its quantization, the fused ReLU and the u8 result.
private func requantizedOutput(_ v: OpView) -> [KernelArgument] {
  [
    .init("output", .affine(scale: "y_scale", zeroPoint: "y_zero_point", role: "output")),
    .init("relu", .bool(v.attributes.flag("relu"))), .init("yq", .result(0)),
  ]
}
