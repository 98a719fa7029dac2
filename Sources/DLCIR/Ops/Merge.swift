/// Ops that join several values: elementwise add and multiply, concat, and slice (the
/// part of a tensor along an axis, concat's inverse and its VJP).

let mergeOps: [OpSchema] = [merge("add", "elementwise sum"), merge("multiply", "elementwise product"), concat, slice]

/// add / multiply(a, b, rest…) of two or more tensors of one type.
func merge(_ name: String, _ summary: String) -> OpSchema {
  OpSchema(
    name: name, summary: summary, operands: ["a", "b", "rest…"], traits: .elementwise,
    infer: { a throws(ShapeError) in
      let first = a.operands[0]
      for t in a.operands.dropFirst() where t != first {
        throw ShapeError("'\(name)' needs inputs of one shape, found \(describe(first)) and \(describe(t))",
                         help: first.perSampleShape?.count == t.perSampleShape?.count
                           ? "make both branches end in the same width, e.g. with a '- dense' layer" : nil)
      }
      return [first]
    },
    flops: { a, results in mul(a.operands.count - 1, results[0].elementCountPerSample) })
}

/// concat(a, b, rest…) {axis}: joins batched tensors along a per-sample axis (negative
/// counts from the end); all other dims and the element type must agree.
let concat = OpSchema(
  name: "concat", summary: "inputs joined along an axis", operands: ["a", "b", "rest…"],
  attributes: [.required("axis", .int, "per-sample axis; negative counts from the end")],
  infer: { a throws(ShapeError) in
    let first = try a.sample(0, "first input")
    let raw = try a.int("axis")
    guard raw >= -first.count, raw < first.count else {
      throw ShapeError("axis \(raw) is out of range for \(shapeText(first))",
                       help: first.isEmpty ? nil : "use an axis from \(-first.count) to \(first.count - 1)")
    }
    let axis = raw < 0 ? raw + first.count : raw
    var out = first
    for i in a.operands.indices.dropFirst() {
      let s = try a.sample(i, "input")
      guard s.count == first.count, s.indices.allSatisfy({ $0 == axis || s[$0] == first[$0] }) else {
        throw ShapeError("'concat' along axis \(raw) needs the other dimensions equal, found \(shapeText(first)) and \(shapeText(s))")
      }
      guard a.operands[i].element == a.operands[0].element else {
        throw ShapeError("'concat' needs inputs of one element type, found \(a.operands[0].element.rawValue) and \(a.operands[i].element.rawValue)")
      }
      out[axis] = sum(out[axis], s[axis])
    }
    return [TensorType(perSample: out, element: a.operands[0].element)]
  },
  flops: noFlops)

/// slice(x) {axis, start, length}: elements start..<start + length along a per-sample
/// axis (negative counts from the end) of a batched tensor.
let slice = OpSchema(
  name: "slice", summary: "a part of a tensor along an axis", operands: ["x"],
  attributes: [
    .required("axis", .int, "per-sample axis; negative counts from the end"),
    .required("start", .int, "first index taken, ≥ 0"),
    .required("length", .int, "number of indices taken, > 0"),
  ],
  infer: { a throws(ShapeError) in
    var x = try a.sample(0, "input")
    let raw = try a.int("axis"), start = try a.int("start"), length = try a.int("length")
    guard raw >= -x.count, raw < x.count else {
      throw ShapeError("axis \(raw) is out of range for \(shapeText(x))",
                       help: x.isEmpty ? nil : "use an axis from \(-x.count) to \(x.count - 1)")
    }
    let axis = raw < 0 ? raw + x.count : raw
    guard start >= 0, length > 0, start <= x[axis] - length else {
      throw ShapeError("'slice' of \(length) from \(start) does not fit axis \(raw) of \(shapeText(x))")
    }
    x[axis] = length
    return [TensorType(perSample: x, element: a.operands[0].element)]
  },
  flops: noFlops)

/// A type as a user reads it: the per-sample shape of an activation, else the type.
func describe(_ t: TensorType) -> String {
  t.perSampleShape.map { shapeText($0) + (t.element == .f32 ? "" : " of \(t.element.rawValue)") } ?? t.description
}
