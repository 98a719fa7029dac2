import DLCIR
import DLCKernels

/// dense and embedding, forward and backward.
extension Lowering {
  func lowerLinear(_ op: Operation) throws(RuntimeError) -> Step? {
    switch op.opcode {
    case "dense":
      let (x, w, b, y) = (f(op, 0), f(op, 1), optional(op, 2), out(op))
      let wShape = shape(op.operands[1])
      let (outF, inF) = (wShape[0], wShape[1])
      let rows = count(op.operands[0]) / inF
      return { DenseKernel.forward(x: x, weight: w, bias: b, y: y, rows: rows, inFeatures: inF, outFeatures: outF) }
    case "dense_grad_input":
      let (dy, w, dx) = (f(op, 0), f(op, 1), out(op))
      let wShape = shape(op.operands[1])
      let (outF, inF) = (wShape[0], wShape[1])
      let rows = count(op.operands[0]) / outF
      return { DenseKernel.gradInput(dy: dy, weight: w, dx: dx, rows: rows, inFeatures: inF, outFeatures: outF) }
    case "dense_grad_weight":
      let (dy, x, dw) = (f(op, 0), f(op, 1), out(op))
      let wShape = resultShape(op)
      let (outF, inF) = (wShape[0], wShape[1])
      let rows = count(op.operands[0]) / outF
      return { DenseKernel.gradWeight(dy: dy, x: x, dweight: dw, rows: rows, inFeatures: inF, outFeatures: outF) }
    case "dense_grad_bias":
      let (dy, db) = (f(op, 0), out(op))
      let outF = resultShape(op)[0]
      let rows = count(op.operands[0]) / outF
      return { DenseKernel.gradBias(dy: dy, dbias: db, rows: rows, outFeatures: outF) }
    case "embedding":
      let (ids, table, y) = (i32(op.operands[0]), f(op, 1), out(op))
      let tableShape = shape(op.operands[1])
      let (vocab, dim) = (tableShape[0], tableShape[1])
      let n = count(op.operands[0])
      return {
        // A memory-safety guard only: an id outside the table reads row 0 instead of
        // memory past it (the trainer does not feed integer inputs from data files yet).
        for i in 0..<n where ids[i] < 0 || Int(ids[i]) >= vocab { ids[i] = 0 }
        EmbeddingKernel.forward(ids: ids, table: table, y: y, count: n, dim: dim)
      }
    case "embedding_grad":
      let (dy, ids, dtable) = (f(op, 0), i32(op.operands[1]), out(op))
      let tableShape = resultShape(op)
      let n = count(op.operands[1])
      return { EmbeddingKernel.backward(dy: dy, ids: ids, dtable: dtable, count: n, dim: tableShape[1], vocab: tableShape[0]) }
    default: return nil
    }
  }
}
