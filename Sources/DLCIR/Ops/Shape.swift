/// Ops that only change how a sample's elements are arranged: flatten and reshape.

let shapeOps: [OpSchema] = [flatten, reshape]

/// flatten(x [N, d…]) → [N, Π d]: all per-sample axes into one, row-major.
let flatten = OpSchema(
  name: "flatten", summary: "all per-sample axes into one", operands: ["x"], traits: [.elementwise, .identity],
  infer: { a throws(ShapeError) in
    let x = try a.sample(0, "input")
    return [TensorType(perSample: [try product(x)], element: a.operands[0].element)]
  },
  flops: noFlops)

/// reshape(x [N, d…]) {shape} → [N, shape…]: a new per-sample shape, row-major, with
/// the same element count. The shape is explicit (the type checker resolves `-1`).
let reshape = OpSchema(
  name: "reshape", summary: "a new per-sample shape with the same element count", operands: ["x"],
  attributes: [.required("shape", .list(.int), "the new per-sample shape")],
  traits: [.elementwise, .identity],
  infer: { a throws(ShapeError) in
    let x = try a.sample(0, "input")
    let shape = a.attributes["shape"]?.intList ?? []
    guard !shape.isEmpty, shape.allSatisfy({ $0 > 0 }) else {
      throw ShapeError("reshape needs positive dimensions, found \(shapeText(shape))")
    }
    let (have, want) = (try product(x), try product(shape))
    guard have == want else {
      throw ShapeError("cannot reshape \(shapeText(x)) (\(have) elements) to \(shapeText(shape)) (\(want) elements)",
                       help: "use -1 for one dimension to have it computed")
    }
    return [TensorType(perSample: shape, element: a.operands[0].element)]
  },
  flops: noFlops)
