import DLCIR

/// batchnorm, layernorm and dropout (as `Lowering+Normalization.swift`).
extension FunctionEmitter {
  mutating func emitNormalization(_ op: Operation) throws(CodegenError) -> Bool {
    switch op.opcode {
    case "batchnorm", "batchnorm_train", "batchnorm_grad":
      let xs = dims(op.operands[op.opcode == "batchnorm_grad" ? 1 : 0])
      let (n, c, spatial) = (xs[0].code, xs[1].code, Extent.product(xs[2...]).code)
      let eps = Self.literal(op, "eps", 1e-5), momentum = Self.literal(op, "momentum", 0.1)
      let ops = (0..<5).map { operand(op, $0) }
      switch op.opcode {
      case "batchnorm":
        let y = result(op)
        text.call("BatchNormKernel.inferenceForward", [
          "x: \(ops[0])", "gamma: \(ops[1])", "beta: \(ops[2])", "runningMean: \(ops[3])", "runningVar: \(ops[4])",
          "y: \(y)", "batch: \(n)", "channels: \(c)", "spatial: \(spatial)", "eps: \(eps)",
        ])
      case "batchnorm_train":
        let (y, mean, invstd) = (result(op, 0), result(op, 1), result(op, 2))
        text.call("BatchNormKernel.trainForward", [
          "x: \(ops[0])", "gamma: \(ops[1])", "beta: \(ops[2])", "runningMean: \(ops[3])", "runningVar: \(ops[4])",
          "y: \(y)", "mean: \(mean)", "invstd: \(invstd)", "batch: \(n)", "channels: \(c)", "spatial: \(spatial)",
          "momentum: \(momentum)", "eps: \(eps)",
        ])
      default:
        let (dx, dg, db) = (result(op, 0), result(op, 1), result(op, 2))
        text.call("BatchNormKernel.backward", [
          "dy: \(ops[0])", "x: \(ops[1])", "gamma: \(ops[2])", "mean: \(ops[3])", "invstd: \(ops[4])", "dx: \(dx)",
          "dgamma: \(dg)", "dbeta: \(db)", "batch: \(n)", "channels: \(c)", "spatial: \(spatial)",
        ])
      }
    case "layernorm":
      let xs = dims(op.operands[0])
      let features = xs.last!.factor, rows = Extent.product(xs) / features
      let (x, g, b) = (operand(op, 0), operand(op, 1), operand(op, 2))
      let y = result(op)
      text.call("LayerNormKernel.forward", [
        "x: \(x)", "gamma: \(g)", "beta: \(b)", "y: \(y)", "rows: \(rows.code)", "features: \(features)",
        "eps: \(Self.literal(op, "eps", 1e-5))",
      ])
    case "layernorm_grad":
      let xs = dims(op.operands[1])
      let features = xs.last!.factor, rows = Extent.product(xs) / features
      let (dy, x, g) = (operand(op, 0), operand(op, 1), operand(op, 2))
      let (dx, dg, db) = (result(op, 0), result(op, 1), result(op, 2))
      text.call("LayerNormKernel.backward", [
        "dy: \(dy)", "x: \(x)", "gamma: \(g)", "dx: \(dx)", "dgamma: \(dg)", "dbeta: \(db)", "rows: \(rows.code)",
        "features: \(features)", "eps: \(Self.literal(op, "eps", 1e-5))",
      ])
    case "dropout":
      // The inference form is the identity.
      let n = count(op.operands[0]).code
      let x = operand(op, 0)
      let y = result(op)
      text.call("ElementwiseKernel.copy", [x, "to: \(y)", "count: \(n)"])
    case "dropout_train", "dropout_grad":
      let n = count(op.operands[0]).code
      let x = operand(op, 0)
      let y = result(op)
      let stream = stream(op)
      let rate = Self.literal(op, "rate")
      if op.opcode == "dropout_train" {
        text.call("DropoutKernel.forward", ["x: \(x)", "y: \(y)", "count: \(n)", "rate: \(rate)", "stream: \(stream)"])
      } else {
        text.call("DropoutKernel.backward", ["dy: \(x)", "dx: \(y)", "count: \(n)", "rate: \(rate)", "stream: \(stream)"])
      }
    default: return false
    }
    return true
  }
}
