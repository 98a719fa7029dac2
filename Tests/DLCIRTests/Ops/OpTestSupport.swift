import DLCIR
import Testing

/// Infers `opcode`'s result types through its schema.
func infer(_ opcode: String, _ operands: [TensorType], _ attrs: [String: Attribute] = [:]) throws(ShapeError) -> [TensorType] {
  guard let schema = OpRegistry.schema(opcode) else { throw ShapeError("no schema for \(opcode)") }
  return try schema.infer(operands: operands, attributes: attrs)
}

/// The shape error for these operands, or nil if they fit.
func failure(_ opcode: String, _ operands: [TensorType], _ attrs: [String: Attribute] = [:]) -> ShapeError? {
  do {
    _ = try infer(opcode, operands, attrs)
    return nil
  } catch {
    return error
  }
}

/// FLOPs per sample of `opcode` on these operands (results are inferred).
func flops(_ opcode: String, _ operands: [TensorType], _ attrs: [String: Attribute] = [:]) -> Int? {
  guard let schema = OpRegistry.schema(opcode) else { return nil }
  let results = (try? schema.infer(operands: operands, attributes: attrs)) ?? []
  return schema.flopsPerSample(operands: operands, results: results, attributes: attrs)
}

/// `[a, b, …]` as an int-list attribute.
func ints(_ v: Int...) -> Attribute { .list(v.map(Attribute.int)) }
