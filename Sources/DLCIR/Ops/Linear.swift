/// Ops with a weight matrix or table: dense and embedding. Weight layouts follow
/// PyTorch (`Linear.weight` is `[out, in]`, `Embedding.weight` is `[V, D]`) so
/// checkpoints carry over.

let linearOps: [OpSchema] = [dense, embedding]

/// dense(x [N, F] or [N, L, F], weight [out, F], bias [out]?) → [N, out] or [N, L, out]:
/// y = x·Wᵀ + b over the last axis (PyTorch `nn.Linear`).
let dense = OpSchema(
  name: "dense", summary: "y = x·wᵀ + b over the last axis", operands: ["x", "weight", "bias?"],
  traits: .hasParameters,
  infer: { a throws(ShapeError) in
    let x = try a.sample(0, "input")
    guard x.count == 1 || x.count == 2 else {
      throw ShapeError("dense applies to [F] or [L, F] inputs, found \(shapeText(x))", help: "add '- flatten' before it")
    }
    try a.requireFloating(0, "input")
    let w = try a.fixed(1, "weight")
    guard w.count == 2, w[1] == x[x.count - 1] else {
      throw ShapeError("the weight of 'dense' is \(shapeText(w)) but must be [out, \(x[x.count - 1])] for \(x[x.count - 1]) input features")
    }
    try a.requireSameElement(1, "weight")
    if a.has(2) { try a.requireVector(2, "bias", count: w[0], of: "units") }
    return [TensorType(perSample: x.dropLast() + [w[0]], element: a.operands[0].element)]
  },
  flops: { a, results in
    // 2·in·out multiply-adds per output row, plus one bias add per output element.
    let out = results[0].elementCountPerSample
    let fanIn = a.operands[1].fixedShape?.last ?? 0
    return sum(mul(2, fanIn, out), a.has(2) ? out : 0)
  })

/// embedding(ids i32 [N] or [N, L], table [V, D]) → [N, D] or [N, L, D]: rows of the
/// table looked up by id (PyTorch `nn.Embedding`).
let embedding = OpSchema(
  name: "embedding", summary: "rows of a table, looked up by integer id", operands: ["ids", "table"],
  traits: .hasParameters,
  infer: { a throws(ShapeError) in
    let ids = try a.sample(0, "ids")
    guard a.operands[0].element == .i32 || a.operands[0].element == .i64 else {
      throw ShapeError("'embedding' needs integer ids (i32), found \(a.operands[0].element.rawValue)",
                       help: "set 'input_dtype: i32' in 'model' so the input holds token ids")
    }
    guard ids.count <= 1 else {
      throw ShapeError("'embedding' needs ids [L] or a single id per sample, found \(shapeText(ids))")
    }
    let table = try a.fixed(1, "table")
    guard table.count == 2 else { throw ShapeError("the table of 'embedding' must be [V, D], found \(shapeText(table))") }
    guard a.operands[1].element.isFloatingPoint else {
      throw ShapeError("the table of 'embedding' must be floating-point, found \(a.operands[1].element.rawValue)")
    }
    return [TensorType(perSample: ids + [table[1]], element: a.operands[1].element)]
  },
  flops: noFlops)
