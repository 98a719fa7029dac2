import DLCIR
import DLCKernels

/// dense and embedding, forward and backward. A dense weight is [out, in]; x and dy are
/// rows of `in` and `out` features (any leading dims are rows).
let linearBindings: [String: KernelBinding] = [
  "dense": KernelBinding { v in
    let w = v.dims(1)
    let (outF, inF) = (w[0], w[1])
    return [
      KernelCall("DenseKernel.forward", [
        .init("x", .operand(0)), .init("weight", .operand(1)), .init("bias", .optionalOperand(2)), .init("y", .result(0)),
        .init("rows", .size(v.count(0) / inF.factor)), .init("inFeatures", .size(inF)), .init("outFeatures", .size(outF)),
      ]) { a in
        let (x, w, b, y) = (a.f32("x"), a.f32("weight"), a.optionalF32("bias"), a.f32("y"))
        let (rows, inF, outF) = (a.int("rows"), a.int("inFeatures"), a.int("outFeatures"))
        return { DenseKernel.forward(x: x, weight: w, bias: b, y: y, rows: rows, inFeatures: inF, outFeatures: outF) }
      }
    ]
  },
  "dense_grad_input": KernelBinding { v in
    let w = v.dims(1)
    let (outF, inF) = (w[0], w[1])
    return [
      KernelCall("DenseKernel.gradInput", [
        .init("dy", .operand(0)), .init("weight", .operand(1)), .init("dx", .result(0)),
        .init("rows", .size(v.count(0) / outF.factor)), .init("inFeatures", .size(inF)), .init("outFeatures", .size(outF)),
      ]) { a in
        let (dy, w, dx) = (a.f32("dy"), a.f32("weight"), a.f32("dx"))
        let (rows, inF, outF) = (a.int("rows"), a.int("inFeatures"), a.int("outFeatures"))
        return { DenseKernel.gradInput(dy: dy, weight: w, dx: dx, rows: rows, inFeatures: inF, outFeatures: outF) }
      }
    ]
  },
  "dense_grad_weight": KernelBinding { v in
    let w = v.resultDims()
    let (outF, inF) = (w[0], w[1])
    return [
      KernelCall("DenseKernel.gradWeight", [
        .init("dy", .operand(0)), .init("x", .operand(1)), .init("dweight", .result(0)),
        .init("rows", .size(v.count(0) / outF.factor)), .init("inFeatures", .size(inF)), .init("outFeatures", .size(outF)),
      ]) { a in
        let (dy, x, dw) = (a.f32("dy"), a.f32("x"), a.f32("dweight"))
        let (rows, inF, outF) = (a.int("rows"), a.int("inFeatures"), a.int("outFeatures"))
        return { DenseKernel.gradWeight(dy: dy, x: x, dweight: dw, rows: rows, inFeatures: inF, outFeatures: outF) }
      }
    ]
  },
  "dense_grad_bias": KernelBinding { v in
    let outF = v.resultDims()[0]
    return [
      KernelCall("DenseKernel.gradBias", [
        .init("dy", .operand(0)), .init("dbias", .result(0)), .init("rows", .size(v.count(0) / outF.factor)),
        .init("outFeatures", .size(outF)),
      ]) { a in
        let (dy, db, rows, outF) = (a.f32("dy"), a.f32("dbias"), a.int("rows"), a.int("outFeatures"))
        return { DenseKernel.gradBias(dy: dy, dbias: db, rows: rows, outFeatures: outF) }
      }
    ]
  },
  "embedding": KernelBinding { v in
    let table = v.dims(1)
    return [
      KernelCall(
        "EmbeddingKernel.clampIds", [.init("ids", .operand(0)), .init("count", .size(v.count(0))), .init("vocab", .size(table[0]))],
        comment: "Ids come from data: a bad id reads row 0, never outside the table."
      ) { a in
        let (ids, n, vocab) = (a.i32("ids"), a.int("count"), a.int("vocab"))
        return { EmbeddingKernel.clampIds(ids: ids, count: n, vocab: vocab) }
      },
      KernelCall("EmbeddingKernel.forward", [
        .init("ids", .operand(0)), .init("table", .operand(1)), .init("y", .result(0)), .init("count", .size(v.count(0))),
        .init("dim", .size(table[1])),
      ]) { a in
        let (ids, table, y, n, dim) = (a.i32("ids"), a.f32("table"), a.f32("y"), a.int("count"), a.int("dim"))
        return { EmbeddingKernel.forward(ids: ids, table: table, y: y, count: n, dim: dim) }
      },
    ]
  },
  "embedding_grad": KernelBinding { v in
    let table = v.resultDims()
    return [
      KernelCall("EmbeddingKernel.backward", [
        .init("dy", .operand(0)), .init("ids", .operand(1)), .init("dtable", .result(0)), .init("count", .size(v.count(1))),
        .init("dim", .size(table[1])), .init("vocab", .size(table[0])),
      ]) { a in
        let (dy, ids, dtable) = (a.f32("dy"), a.i32("ids"), a.f32("dtable"))
        let (n, dim, vocab) = (a.int("count"), a.int("dim"), a.int("vocab"))
        return { EmbeddingKernel.backward(dy: dy, ids: ids, dtable: dtable, count: n, dim: dim, vocab: vocab) }
      }
    ]
  },
]
