/// Pooling ops over images [C, H, W] and sequences [L, D].

let spatialOps: [OpSchema] = [pool("maxpool2d", "maximum over windows"), pool("avgpool2d", "average over windows"), globalAvgPool]

/// maxpool2d/avgpool2d(x [N, C, H, W]) {size, stride, padding} → [N, C, H', W'].
func pool(_ name: String, _ summary: String) -> OpSchema {
  OpSchema(name, summary, attributes: ["size": .required(.intList), "stride": .required(.intList), "padding": .required(.intList)],
           infer: { ops, a throws(ShapeError) in
    try operandCount(ops, 1...1, name)
    let x = try sample(ops[0], "the input")
    guard x.count == 3 else {
      throw ShapeError("\(name) needs [C, H, W] input, found \(shapeText(x))", help: x.count == 2 ? "use 'global_avgpool' over a sequence" : nil)
    }
    let k = ints(a, "size", default: [2, 2]), p = ints(a, "padding", default: [0, 0])
    // PyTorch requires padding of at most half the window.
    if k.count == 2, p.count == 2, p[0] * 2 > k[0] || p[1] * 2 > k[1] {
      throw ShapeError("padding \(p[0] == p[1] ? String(p[0]) : shapeText(p)) is more than half the window \(sizeText(k))",
                       help: "use padding of at most \(min(k[0], k[1]) / 2)")
    }
    return [batched([x[0]] + (try window(x, "window", size: k, stride: ints(a, "stride", default: k), padding: p, dilation: [1, 1])))]
  }, flops: { _, r, a in
    // One comparison or addition per window element per output element.
    let k = ints(a, "size", default: [2, 2])
    return r[0].elementCount(batch: 1) * k.reduce(1, *)
  })
}

/// global_avgpool: [N, C, H, W] → [N, C]; [N, L, D] → [N, D].
let globalAvgPool = OpSchema("global_avgpool", "average over all positions", infer: { ops, _ throws(ShapeError) in
  try operandCount(ops, 1...1, "global_avgpool")
  let x = try sample(ops[0], "the input")
  switch x.count {
  case 3: return [batched([x[0]], ops[0].element)]
  case 2: return [batched([x[1]], ops[0].element)]
  default: throw ShapeError("global_avgpool needs [C, H, W] or [L, D] input, found \(shapeText(x))")
  }
}, flops: { ops, _, _ in ops[0].elementCount(batch: 1) })
