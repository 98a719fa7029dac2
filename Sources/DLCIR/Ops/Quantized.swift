/// Quantized inference ops, written by the `quantize` pass (docs/training-ir.md has the
/// contract). The affine scheme of Jacob et al. 2018: real = scale · (q − zero_point).
/// Activations are uint8 (`u8`) with one scale and zero point per tensor; weights are
/// int8 (`i8`), symmetric (zero point 0), with one scale per output channel
/// (`weight_scale`, f32); products accumulate in int32. fp16 weights are stored as `f16`
/// and widened to f32 for the product.

let quantizedOps: [OpSchema] = [
  quantizeOp, dequantizeOp, quantizedLinear("dense_int8", conv: false), quantizedLinear("conv2d_int8", conv: true),
  denseDynamicInt8, halfLinear("dense_f16", conv: false), halfLinear("conv2d_f16", conv: true),
]

let affineAttributes: [AttributeSpec] = [
  .required("scale", .float, "the real value of one quantization step, > 0"),
  .required("zero_point", .int, "the uint8 code of real 0, in [0, 255]"),
]

/// quantize(x f32) {scale, zero_point} → u8 of the same shape: q = clamp(round(x/scale) + zp, 0, 255).
let quantizeOp = OpSchema(
  name: "quantize", summary: "f32 → u8 with one scale and zero point", operands: ["x"], attributes: affineAttributes,
  infer: { a throws(ShapeError) in
    guard a.operands[0].element == .f32 else { throw ShapeError("'quantize' takes f32, found \(a.operands[0].element.rawValue)") }
    try checkAffine(a, scale: "scale", zeroPoint: "zero_point")
    return [TensorType(dims: a.operands[0].dims, element: .u8)]
  },
  flops: { a, _ in a.operands[0].elementCountPerSample })

/// dequantize(q u8) {scale, zero_point} → f32 of the same shape: x = scale · (q − zp).
let dequantizeOp = OpSchema(
  name: "dequantize", summary: "u8 → f32 with one scale and zero point", operands: ["x"], attributes: affineAttributes,
  infer: { a throws(ShapeError) in
    guard a.operands[0].element == .u8 else { throw ShapeError("'dequantize' takes u8, found \(a.operands[0].element.rawValue)") }
    try checkAffine(a, scale: "scale", zeroPoint: "zero_point")
    return [TensorType(dims: a.operands[0].dims, element: .f32)]
  },
  flops: { a, _ in a.operands[0].elementCountPerSample })

/// dense_int8(x u8 [N, F] or [N, L, F], weight i8 [O, F], weight_scale f32 [O], bias f32 [O]?)
/// and conv2d_int8(x u8 [N, C, H, W], weight i8 [K, C, kh, kw], weight_scale [K], bias [K]?)
/// {x_scale, x_zero_point, y_scale?, y_zero_point?, relu?}: the integer product, then
/// y = x_scale · weight_scale[o] · acc + bias[o] as f32, or, with `y_scale`, requantized
/// to u8 (clamped below at `y_zero_point` when `relu`, a fused ReLU).
func quantizedLinear(_ name: String, conv: Bool) -> OpSchema {
  var attributes: [AttributeSpec] = [
    .required("x_scale", .float, "the input's scale"),
    .required("x_zero_point", .int, "the input's zero point"),
    .optional("y_scale", .float, "the output's scale: the result is u8, requantized"),
    .optional("y_zero_point", .int, "the output's zero point (with y_scale)"),
    .optional("relu", .bool, "clamp the requantized output at its zero point (a fused ReLU)"),
  ]
  if conv {
    attributes += [
      .required("stride", .intPair, "step between windows, [sh, sw]"),
      .required("padding", .intPair, "zero-point padding on each side, [ph, pw]"),
      .required("dilation", .intPair, "spacing between kernel taps, [dh, dw]"),
    ]
  }
  return OpSchema(
    name: name, summary: conv ? "int8 2-D convolution, int32 accumulation" : "int8 y = x·wᵀ + b, int32 accumulation",
    operands: ["x", "weight", "weight_scale", "bias?"], attributes: attributes, traits: .hasParameters,
    infer: { a throws(ShapeError) in
      guard a.operands[0].element == .u8 else { throw ShapeError("'\(name)' takes a u8 input, found \(a.operands[0].element.rawValue)") }
      guard a.operands[1].element == .i8 else { throw ShapeError("the weight of '\(name)' must be i8, found \(a.operands[1].element.rawValue)") }
      try checkAffine(a, scale: "x_scale", zeroPoint: "x_zero_point")
      let (outputs, shape) = try linearShape(a, name: name, conv: conv)
      try checkScales(a, outputs: outputs, name: name)
      let requantized = a.attributes["y_scale"] != nil
      if requantized {
        guard a.attributes["y_zero_point"] != nil else { throw ShapeError("'\(name)' has 'y_scale' without 'y_zero_point'") }
        try checkAffine(a, scale: "y_scale", zeroPoint: "y_zero_point")
      } else if a.attributes["relu"] != nil || a.attributes["y_zero_point"] != nil {
        throw ShapeError("'relu' and 'y_zero_point' of '\(name)' need 'y_scale' (a requantized output)")
      }
      return [TensorType(perSample: shape, element: requantized ? .u8 : .f32)]
    },
    flops: linearFlops(conv: conv))
}

/// dense_dynamic_int8(x f32, weight i8 [O, F], weight_scale f32 [O], bias f32 [O]?):
/// x is quantized per call with the range of the batch at hand, then as dense_int8.
let denseDynamicInt8 = OpSchema(
  name: "dense_dynamic_int8", summary: "int8 dense with the input's range measured per batch",
  operands: ["x", "weight", "weight_scale", "bias?"],
  traits: .hasParameters,
  infer: { a throws(ShapeError) in
    guard a.operands[0].element == .f32 else { throw ShapeError("'dense_dynamic_int8' takes f32, found \(a.operands[0].element.rawValue)") }
    guard a.operands[1].element == .i8 else { throw ShapeError("the weight of 'dense_dynamic_int8' must be i8") }
    let (outputs, shape) = try linearShape(a, name: "dense_dynamic_int8", conv: false)
    try checkScales(a, outputs: outputs, name: "dense_dynamic_int8")
    return [TensorType(perSample: shape, element: .f32)]
  },
  flops: linearFlops(conv: false))

/// dense_f16 / conv2d_f16: dense and conv2d with f16 weights (widened to f32), f32 bias.
func halfLinear(_ name: String, conv: Bool) -> OpSchema {
  OpSchema(
    name: name, summary: conv ? "conv2d with f16 weights" : "dense with f16 weights", operands: ["x", "weight", "bias?"],
    attributes: conv ? [
      .required("stride", .intPair, "step between windows, [sh, sw]"),
      .required("padding", .intPair, "zeros added on each side, [ph, pw]"),
      .required("dilation", .intPair, "spacing between kernel taps, [dh, dw]"),
    ] : [],
    traits: .hasParameters,
    infer: { a throws(ShapeError) in
      guard a.operands[0].element == .f32 else { throw ShapeError("'\(name)' takes f32, found \(a.operands[0].element.rawValue)") }
      guard a.operands[1].element == .f16 else { throw ShapeError("the weight of '\(name)' must be f16") }
      let (outputs, shape) = try linearShape(a, name: name, conv: conv, bias: 2)
      if a.has(2) {
        guard a.operands[2] == TensorType(shape: [outputs]) else { throw ShapeError("the bias of '\(name)' must be tensor<\(outputs)xf32>") }
      }
      return [TensorType(perSample: shape, element: .f32)]
    },
    flops: linearFlops(conv: conv, bias: 2))
}

/// The output channels and per-sample result shape of a quantized dense or conv.
private func linearShape(_ a: OpArguments, name: String, conv: Bool, bias: Int = 3) throws(ShapeError) -> (Int, [Int]) {
  let x = try a.sample(0, "input")
  let w = try a.fixed(1, "weight")
  let shape: [Int]
  if conv {
    guard x.count == 3, w.count == 4, w[1] == x[0], w[2] > 0, w[3] > 0 else {
      throw ShapeError("'\(name)' needs an image [C, H, W] and a weight [K, C, kh, kw], found \(shapeText(x)) and \(shapeText(w))")
    }
    shape = [w[0]] + (try window(over: x, kernel: [w[2], w[3]], stride: a.pair("stride"), padding: a.pair("padding"),
                                 dilation: a.pair("dilation")))
  } else {
    guard x.count == 1 || x.count == 2, w.count == 2, w[1] == x[x.count - 1] else {
      throw ShapeError("'\(name)' needs [F] or [L, F] inputs and a weight [out, F], found \(shapeText(x)) and \(shapeText(w))")
    }
    shape = x.dropLast() + [w[0]]
  }
  if a.has(bias) {
    guard a.operands[bias] == TensorType(shape: [w[0]]) else { throw ShapeError("the bias of '\(name)' must be tensor<\(w[0])xf32>") }
  }
  return (w[0], shape)
}

/// The per-channel weight scales: f32 [outputs].
private func checkScales(_ a: OpArguments, outputs: Int, name: String) throws(ShapeError) {
  guard a.operands[2] == TensorType(shape: [outputs]) else {
    throw ShapeError("the weight_scale of '\(name)' must be tensor<\(outputs)xf32>, found \(a.operands[2])")
  }
}

/// A scale > 0 and finite, a zero point in [0, 255].
private func checkAffine(_ a: OpArguments, scale: String, zeroPoint: String) throws(ShapeError) {
  let s = try a.float(scale), z = try a.int(zeroPoint)
  guard s > 0, s.isFinite else { throw ShapeError("'\(scale)' must be a positive number, found \(IRFormat.float(s))") }
  guard (0...255).contains(z) else { throw ShapeError("'\(zeroPoint)' must be in [0, 255], found \(z)") }
}

/// Multiply-adds as for dense and conv2d (2 FLOPs each), plus the bias add.
private func linearFlops(conv: Bool, bias: Int = 3) -> OpSchema.FlopsRule {
  { a, results in
    let w = a.operands[1].fixedShape ?? []
    let out = results[0].elementCountPerSample
    return sum(mul(2, count(Array(w.dropFirst())), out), a.has(bias) ? out : 0)
  }
}
