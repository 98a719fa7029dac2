import DLCIR

/// dense and embedding, forward and backward (as `Lowering+Linear.swift`).
extension FunctionEmitter {
  mutating func emitLinear(_ op: Operation) throws(CodegenError) -> Bool {
    switch op.opcode {
    case "dense":
      let w = dims(op.operands[1])
      let (outF, inF) = (w[0].factor, w[1].factor)
      let rows = count(op.operands[0]) / inF
      let (x, weight, bias) = (operand(op, 0), operand(op, 1), optional(op, 2))
      let y = result(op)
      text.call("DenseKernel.forward", [
        "x: \(x)", "weight: \(weight)", "bias: \(bias)", "y: \(y)", "rows: \(rows.code)", "inFeatures: \(inF)",
        "outFeatures: \(outF)",
      ])
    case "dense_grad_input":
      let w = dims(op.operands[1])
      let (outF, inF) = (w[0].factor, w[1].factor)
      let rows = count(op.operands[0]) / outF
      let (dy, weight) = (operand(op, 0), operand(op, 1))
      let dx = result(op)
      text.call("DenseKernel.gradInput", [
        "dy: \(dy)", "weight: \(weight)", "dx: \(dx)", "rows: \(rows.code)", "inFeatures: \(inF)", "outFeatures: \(outF)",
      ])
    case "dense_grad_weight":
      let w = resultDims(op)
      let (outF, inF) = (w[0].factor, w[1].factor)
      let rows = count(op.operands[0]) / outF
      let (dy, x) = (operand(op, 0), operand(op, 1))
      let dw = result(op)
      text.call("DenseKernel.gradWeight", [
        "dy: \(dy)", "x: \(x)", "dweight: \(dw)", "rows: \(rows.code)", "inFeatures: \(inF)", "outFeatures: \(outF)",
      ])
    case "dense_grad_bias":
      let outF = resultDims(op)[0].factor
      let rows = count(op.operands[0]) / outF
      let dy = operand(op, 0)
      let db = result(op)
      text.call("DenseKernel.gradBias", ["dy: \(dy)", "dbias: \(db)", "rows: \(rows.code)", "outFeatures: \(outF)"])
    case "embedding":
      let table = dims(op.operands[1])
      let (vocab, dim) = (table[0].factor, table[1].factor)
      let n = count(op.operands[0]).code
      let (ids, weights) = (operand(op, 0), operand(op, 1))
      let y = result(op)
      text.comment("Ids come from data: a bad id reads row 0, never outside the table.")
      text.line("for i in 0..<\(n) where \(ids)[i] < 0 || Int(\(ids)[i]) >= \(vocab) { \(ids)[i] = 0 }")
      text.call("EmbeddingKernel.forward", ["ids: \(ids)", "table: \(weights)", "y: \(y)", "count: \(n)", "dim: \(dim)"])
    case "embedding_grad":
      let table = resultDims(op)
      let n = count(op.operands[1]).code
      let (dy, ids) = (operand(op, 0), operand(op, 1))
      let dtable = result(op)
      text.call("EmbeddingKernel.backward", [
        "dy: \(dy)", "ids: \(ids)", "dtable: \(dtable)", "count: \(n)", "dim: \(table[1].factor)", "vocab: \(table[0].factor)",
      ])
    default: return false
    }
    return true
  }
}
