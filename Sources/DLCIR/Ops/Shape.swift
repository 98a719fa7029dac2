/// Ops that only move elements: flatten, reshape, concat.

let shapeOps: [OpSchema] = [flatten, reshape, concat]

let flatten = OpSchema("flatten", "all per-sample axes into one", infer: { ops, _ throws(ShapeError) in
  try operandCount(ops, 1...1, "flatten")
  let x = try sample(ops[0], "the input")
  return [batched([x.reduce(1, *)], ops[0].element)]
}, flops: noFlops)

let reshape = OpSchema("reshape", "a new per-sample shape with the same element count", attributes: ["shape": (.intList, true)],
                       infer: { ops, a throws(ShapeError) in
  try operandCount(ops, 1...1, "reshape")
  let x = try sample(ops[0], "the input")
  let shape = a["shape"]?.intList ?? []
  guard !shape.isEmpty, shape.allSatisfy({ $0 > 0 }) else { throw ShapeError("reshape needs positive dimensions, found \(shapeText(shape))") }
  guard shape.reduce(1, *) == x.reduce(1, *) else {
    throw ShapeError("cannot reshape \(shapeText(x)) (\(x.reduce(1, *)) elements) to \(shapeText(shape)) (\(shape.reduce(1, *)) elements)")
  }
  return [batched(shape, ops[0].element)]
}, flops: noFlops)

let concat = OpSchema("concat", "inputs joined along an axis", attributes: ["axis": (.int, true)], infer: { ops, a throws(ShapeError) in
  guard ops.count >= 2 else { throw ShapeError("'concat' needs at least 2 inputs, found \(ops.count)") }
  let first = try sample(ops[0], "the input")
  let raw = a["axis"]?.intValue ?? -1
  guard (-first.count..<first.count).contains(raw) else { throw ShapeError("axis \(raw) is out of range for \(shapeText(first))") }
  let axis = raw < 0 ? raw + first.count : raw
  var out = first
  for t in ops.dropFirst() {
    let s = try sample(t, "the input")
    guard s.count == first.count, t.element == ops[0].element,
          s.indices.allSatisfy({ $0 == axis || s[$0] == first[$0] }) else {
      throw ShapeError("'concat' along axis \(raw) needs equal other dimensions, found \(shapeText(first)) and \(shapeText(s))")
    }
    out[axis] += s[axis]
  }
  return [batched(out, ops[0].element)]
}, flops: noFlops)
