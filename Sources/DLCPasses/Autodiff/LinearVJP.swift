import DLCIR

/// VJPs of dense and embedding.
let linearVJPs: [String: VJPRule] = ["dense": denseVJP, "embedding": embeddingVJP]

/// dense(x, W, b?): dx = dense_grad_input(dy, W), dW = dense_grad_weight(dy, x),
/// db = dense_grad_bias(dy).
func denseVJP(_ c: VJPCall, _ b: inout GradientBuilder) throws(AutodiffError) -> [Int: String] {
  let dy = try c.incoming()
  var out: [Int: String] = [:]
  c.gradient(0, "dense_grad_input", [dy, c.operand(1)], into: &out, &b)
  c.gradient(1, "dense_grad_weight", [dy, c.operand(0)], into: &out, &b)
  c.gradient(2, "dense_grad_bias", [dy], into: &out, &b)
  return out
}

/// embedding(ids, table): dtable = embedding_grad(dy, ids); ids have no gradient.
func embeddingVJP(_ c: VJPCall, _ b: inout GradientBuilder) throws(AutodiffError) -> [Int: String] {
  let dy = try c.incoming()
  var out: [Int: String] = [:]
  c.gradient(1, "embedding_grad", [dy, c.operand(0)], into: &out, &b)
  return out
}
