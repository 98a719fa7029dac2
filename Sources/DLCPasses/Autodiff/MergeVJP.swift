import DLCIR

/// VJPs of the merges and of the ops that only rearrange elements; they use forward ops.
let mergeVJPs: [String: VJPRule] = [
  "add": addVJP, "multiply": multiplyVJP, "concat": concatVJP, "flatten": reshapeBackVJP, "reshape": reshapeBackVJP,
]

/// add(a, b, …): every operand's gradient is dy itself; no op is emitted.
func addVJP(_ c: VJPCall, _ b: inout GradientBuilder) throws(AutodiffError) -> [Int: String] {
  let dy = try c.incoming().name
  var out: [Int: String] = [:]
  for i in c.op.operands.indices where c.wants(i) { out[i] = dy }
  return out
}

/// multiply(a, b, …): d operand i = multiply(dy, every other operand).
func multiplyVJP(_ c: VJPCall, _ b: inout GradientBuilder) throws(AutodiffError) -> [Int: String] {
  let dy = try c.incoming()
  var out: [Int: String] = [:]
  for i in c.op.operands.indices {
    let others = c.op.operands.indices.filter { $0 != i }.map(c.operand)
    c.gradient(i, "multiply", [dy] + others, into: &out, &b)
  }
  return out
}

/// concat(a, b, …) {axis}: d operand i = slice(dy) {axis, start, length}, its own part.
func concatVJP(_ c: VJPCall, _ b: inout GradientBuilder) throws(AutodiffError) -> [Int: String] {
  let dy = try c.incoming()
  guard let raw = c.op.attributes["axis"]?.intValue, let rank = b.type(of: dy).perSampleShape?.count else {
    throw AutodiffError("'concat' %\(c.op.results[0].name) needs an axis over batched operands")
  }
  let axis = raw < 0 ? raw + rank : raw
  var out: [Int: String] = [:]
  var start = 0
  for i in c.op.operands.indices {
    let length = b.type(of: c.operand(i)).perSampleShape?[axis] ?? 0
    let part: [String: Attribute] = ["axis": .int(raw), "start": .int(start), "length": .int(length)]
    c.gradient(i, "slice", [dy], part, into: &out, &b)
    start += length
  }
  return out
}

/// flatten(x), reshape(x): dx = reshape(dy) {shape = x's per-sample shape}.
func reshapeBackVJP(_ c: VJPCall, _ b: inout GradientBuilder) throws(AutodiffError) -> [Int: String] {
  let dy = try c.incoming()
  guard let shape = b.type(of: c.operand(0)).perSampleShape, !shape.isEmpty else {
    throw AutodiffError("cannot reshape the gradient of %\(c.op.results[0].name) back to \(b.type(of: c.operand(0)))")
  }
  var out: [Int: String] = [:]
  c.gradient(0, "reshape", [dy], ["shape": .list(shape.map(Attribute.int))], into: &out, &b)
  return out
}
