/// Ops over images [N, C, H, W]: conv2d, max and average pooling, global average
/// pooling (which also averages sequences [N, L, D] over L).

let spatialOps: [OpSchema] = [conv2d, pool("maxpool2d", "maximum over windows"), pool("avgpool2d", "average over windows"), globalAvgPool]

/// conv2d(x [N, C, H, W], weight [K, C, kh, kw], bias [K]?) {stride, padding, dilation}
/// → [N, K, H', W']: 2-D cross-correlation as PyTorch's `nn.Conv2d` (groups = 1).
let conv2d = OpSchema(
  name: "conv2d", summary: "2-D convolution (cross-correlation) over [C, H, W]", operands: ["x", "weight", "bias?"],
  attributes: [
    .required("stride", .intPair, "step between windows, [sh, sw]"),
    .required("padding", .intPair, "zeros added on each side, [ph, pw]"),
    .required("dilation", .intPair, "spacing between kernel taps, [dh, dw]"),
  ],
  traits: .hasParameters,
  infer: { a throws(ShapeError) in
    let x = try a.sample(0, "input")
    guard x.count == 3 else {
      throw ShapeError("'conv2d' needs an image [C, H, W], found \(shapeText(x))",
                       help: x.count == 1 ? "give the model input as an image, e.g. 'input: [1, 8, 8]', or add '- reshape: [C, H, W]'" : nil)
    }
    try a.requireFloating(0, "input")
    let w = try a.fixed(1, "weight")
    guard w.count == 4, w[1] == x[0], w[2] > 0, w[3] > 0 else {
      throw ShapeError("the weight of 'conv2d' is \(shapeText(w)) but must be [K, \(x[0]), kh, kw] for \(x[0]) input channels")
    }
    try a.requireSameElement(1, "weight")
    if a.has(2) { try a.requireVector(2, "bias", count: w[0], of: "filters") }
    let out = try window(over: x, kernel: [w[2], w[3]], stride: a.pair("stride"), padding: a.pair("padding"),
                         dilation: a.pair("dilation"))
    return [TensorType(perSample: [w[0]] + out, element: a.operands[0].element)]
  },
  flops: { a, results in
    // Each output element is a C·kh·kw dot product (2 FLOPs per tap), plus the bias add.
    let w = a.operands[1].fixedShape ?? []
    let out = results[0].elementCountPerSample
    return sum(mul(2, count(Array(w.dropFirst())), out), a.has(2) ? out : 0)
  })

/// maxpool2d / avgpool2d (x [N, C, H, W]) {size, stride, padding} → [N, C, H', W'].
/// Padding counts as −∞ for max and as zeros for the average (PyTorch's defaults).
func pool(_ name: String, _ summary: String) -> OpSchema {
  OpSchema(
    name: name, summary: summary, operands: ["x"],
    attributes: [
      .required("size", .intPair, "window size, [kh, kw]"),
      .required("stride", .intPair, "step between windows, [sh, sw]"),
      .required("padding", .intPair, "padding on each side, [ph, pw]; at most half the window"),
    ],
    infer: { a throws(ShapeError) in
      let x = try a.sample(0, "input")
      guard x.count == 3 else {
        throw ShapeError("'\(name)' needs an image [C, H, W], found \(shapeText(x))",
                         help: x.count == 2 ? "use '- global_avgpool' to average a sequence" : nil)
      }
      try a.requireFloating(0, "input")
      let k = try a.pair("size"), p = try a.pair("padding")
      guard k.allSatisfy({ $0 > 0 }) else { throw ShapeError("the window size must be positive, found \(shapeText(k))") }
      // PyTorch rejects padding of more than half the window: a window of padding only.
      guard p[0] <= k[0] / 2, p[1] <= k[1] / 2 else {
        throw ShapeError("padding \(pairText(p)) is more than half the window \(sizeText(k))",
                         help: "use padding of at most \(pairText(k.map { $0 / 2 }))")
      }
      let out = try window(over: x, kernel: k, stride: a.pair("stride"), padding: p, dilation: [1, 1], noun: "window")
      return [TensorType(perSample: [x[0]] + out, element: a.operands[0].element)]
    },
    flops: { a, results in
      // One comparison or addition per window element of each output element.
      let k = a.attributes["size"]?.intList ?? []
      return mul(results[0].elementCountPerSample, count(k))
    })
}

/// global_avgpool: [N, C, H, W] → [N, C] (over positions), [N, L, D] → [N, D] (over L).
let globalAvgPool = OpSchema(
  name: "global_avgpool", summary: "average over all positions", operands: ["x"],
  infer: { a throws(ShapeError) in
    let x = try a.sample(0, "input")
    try a.requireFloating(0, "input")
    switch x.count {
    case 3: return [TensorType(perSample: [x[0]], element: a.operands[0].element)]
    case 2: return [TensorType(perSample: [x[1]], element: a.operands[0].element)]
    default:
      throw ShapeError("'global_avgpool' needs an image [C, H, W] or a sequence [L, D], found \(shapeText(x))",
                       help: x.count == 1 ? "the input already has one vector per sample; remove this layer" : nil)
    }
  },
  flops: { a, _ in a.operands[0].elementCountPerSample })

/// Output size [H', W'] of a sliding window over x = [C, H, W], per axis
/// ⌊(n + 2p − d·(k − 1) − 1) / s⌋ + 1 (PyTorch `nn.Conv2d` documentation, "Shape").
/// `noun` names the window in errors ("kernel" for conv2d, "window" for pooling).
func window(
  over x: [Int], kernel k: [Int], stride s: [Int], padding p: [Int], dilation d: [Int], noun: String = "kernel"
) throws(ShapeError) -> [Int] {
  guard s.allSatisfy({ $0 > 0 }) else { throw ShapeError("the stride must be positive, found \(shapeText(s))") }
  guard d.allSatisfy({ $0 > 0 }) else { throw ShapeError("the dilation must be positive, found \(shapeText(d))") }
  guard p.allSatisfy({ $0 >= 0 }) else { throw ShapeError("the padding must not be negative, found \(shapeText(p))") }
  var out: [Int] = []
  for i in 0..<2 {
    let span = sum(mul(d[i], k[i] - 1), 1)
    let padded = sum(x[i + 1], mul(2, p[i]))
    guard span <= padded else {
      let kernel = d == [1, 1] ? "\(noun) \(sizeText(k))" : "\(noun) \(sizeText(k)) with dilation \(pairText(d))"
      throw ShapeError("\(kernel) does not fit input \(sizeText(Array(x[1...2]))) with padding \(pairText(p))",
                       help: noun == "kernel" ? "use 'padding: same' or a smaller kernel" : "use a smaller window")
    }
    out.append((padded - span) / s[i] + 1)
  }
  return out
}
