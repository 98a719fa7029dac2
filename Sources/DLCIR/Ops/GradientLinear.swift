/// Backward ops of dense and embedding. For y = x·Wᵀ + b over the last axis:
/// dx = dy·W, dW = Σ dyᵀ·x over all rows, db = Σ dy over all rows.

let linearGradientOps: [OpSchema] = [denseGradInput, denseGradWeight, denseGradBias, embeddingGrad]

/// The per-sample dims of a gradient dy of a dense output: [out] or [L, out].
private func denseDy(_ a: OpArguments) throws(ShapeError) -> [Int] {
  let dy = try a.sample(0, "gradient")
  guard dy.count == 1 || dy.count == 2 else {
    throw ShapeError("'\(a.opcode)' needs a gradient [out] or [L, out] per sample, found \(shapeText(dy))")
  }
  try a.requireFloating(0, "gradient")
  return dy
}

/// dense_grad_input(dy [N, (L,) out], weight [out, in]) → dx [N, (L,) in] = dy·W.
let denseGradInput = OpSchema(
  name: "dense_grad_input", summary: "gradient of 'dense' with respect to its input: dy·w", operands: ["dy", "weight"],
  infer: { a throws(ShapeError) in
    let dy = try denseDy(a)
    let w = try a.fixed(1, "weight")
    guard w.count == 2, w[0] == dy[dy.count - 1] else {
      throw ShapeError("the weight of 'dense_grad_input' is \(shapeText(w)) but must be [\(dy[dy.count - 1]), in] for a gradient of \(dy[dy.count - 1]) units")
    }
    try a.requireSameElement(1, "weight")
    return [TensorType(perSample: dy.dropLast() + [w[1]], element: a.operands[0].element)]
  },
  flops: { a, results in mul(2, a.operands[0].elementCountPerSample, results[0].perSampleShape?.last ?? 0) })

/// dense_grad_weight(dy [N, (L,) out], x [N, (L,) in]) → dW [out, in] = Σ dyᵀ·x.
let denseGradWeight = OpSchema(
  name: "dense_grad_weight", summary: "gradient of 'dense' with respect to its weight: dyᵀ·x over all rows",
  operands: ["dy", "x"],
  infer: { a throws(ShapeError) in
    let dy = try denseDy(a)
    let x = try a.sample(1, "input")
    guard x.count == dy.count, x.dropLast() == dy.dropLast() else {
      throw ShapeError("'dense_grad_weight' needs a gradient and an input with the same rows, found \(shapeText(dy)) and \(shapeText(x))")
    }
    try a.requireSameElement(1, "input")
    return [TensorType(shape: [dy[dy.count - 1], x[x.count - 1]], element: a.operands[0].element)]
  },
  flops: { a, results in mul(2, a.operands[0].elementCountPerSample, results[0].fixedShape?.last ?? 0) })

/// dense_grad_bias(dy [N, (L,) out]) → db [out] = Σ dy over all rows.
let denseGradBias = OpSchema(
  name: "dense_grad_bias", summary: "gradient of 'dense' with respect to its bias: dy summed over all rows", operands: ["dy"],
  infer: { a throws(ShapeError) in
    let dy = try denseDy(a)
    return [TensorType(shape: [dy[dy.count - 1]], element: a.operands[0].element)]
  },
  flops: { a, _ in a.operands[0].elementCountPerSample })

/// embedding_grad(dy [N, (L,) D], ids [N, (L)]) → dtable [V, D]: the rows of dy added
/// into the rows the ids name. V comes from the declared result type.
let embeddingGrad = OpSchema(
  name: "embedding_grad", summary: "gradient of 'embedding' with respect to its table: rows scattered and summed",
  operands: ["dy", "ids"],
  infer: { a throws(ShapeError) in
    let dy = try a.sample(0, "gradient")
    try a.requireFloating(0, "gradient")
    let ids = try a.sample(1, "ids")
    guard a.operands[1].element == .i32 || a.operands[1].element == .i64 else {
      throw ShapeError("'embedding_grad' needs integer ids, found \(a.operands[1].element.rawValue)")
    }
    guard dy.count == ids.count + 1, Array(dy.dropLast()) == ids else {
      throw ShapeError("'embedding_grad' needs a gradient [\(ids.map(String.init).joined(separator: ", "))\(ids.isEmpty ? "" : ", ")D] for ids \(shapeText(ids)), found \(shapeText(dy))")
    }
    let table = try a.declared(0, gives: "the vocabulary size")
    guard let v = table.fixedShape, v.count == 2, v[1] == dy[dy.count - 1], table.element == a.operands[0].element else {
      throw ShapeError("the result of 'embedding_grad' must be a table [V, \(dy[dy.count - 1])] of \(a.operands[0].element.rawValue), found \(table)")
    }
    return [table]
  },
  flops: { a, _ in a.operands[0].elementCountPerSample })
