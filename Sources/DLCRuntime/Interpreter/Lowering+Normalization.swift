import DLCIR
import DLCKernels

/// batchnorm, layernorm and dropout, in inference and training forms, and their gradients.
extension Lowering {
  func lowerNormalization(_ op: Operation) throws(RuntimeError) -> Step? {
    switch op.opcode {
    case "batchnorm", "batchnorm_train", "batchnorm_grad":
      // x is operand 0 of the forward forms and operand 1 of the gradient.
      let xs = shape(op.operands[op.opcode == "batchnorm_grad" ? 1 : 0])
      let (n, c, spatial) = (xs[0], xs[1], xs[2...].reduce(1, *))
      let eps = Self.float(op, "eps", 1e-5), momentum = Self.float(op, "momentum", 0.1)
      switch op.opcode {
      case "batchnorm":
        let (x, g, b, rm, rv, y) = (f(op, 0), f(op, 1), f(op, 2), f(op, 3), f(op, 4), out(op))
        return {
          BatchNormKernel.inferenceForward(x: x, gamma: g, beta: b, runningMean: rm, runningVar: rv, y: y,
                                           batch: n, channels: c, spatial: spatial, eps: eps)
        }
      case "batchnorm_train":
        let (x, g, b, rm, rv) = (f(op, 0), f(op, 1), f(op, 2), f(op, 3), f(op, 4))
        let (y, mean, invstd) = (out(op, 0), out(op, 1), out(op, 2))
        return {
          BatchNormKernel.trainForward(x: x, gamma: g, beta: b, runningMean: rm, runningVar: rv, y: y, mean: mean, invstd: invstd,
                                       batch: n, channels: c, spatial: spatial, momentum: momentum, eps: eps)
        }
      default:
        let (dy, x, g, mean, invstd) = (f(op, 0), f(op, 1), f(op, 2), f(op, 3), f(op, 4))
        let (dx, dg, db) = (out(op, 0), out(op, 1), out(op, 2))
        return {
          BatchNormKernel.backward(dy: dy, x: x, gamma: g, mean: mean, invstd: invstd, dx: dx, dgamma: dg, dbeta: db,
                                   batch: n, channels: c, spatial: spatial)
        }
      }
    case "layernorm":
      let xs = shape(op.operands[0])
      let features = xs.last!, rows = xs.reduce(1, *) / features
      let eps = Self.float(op, "eps", 1e-5)
      let (x, g, b, y) = (f(op, 0), f(op, 1), f(op, 2), out(op))
      return { LayerNormKernel.forward(x: x, gamma: g, beta: b, y: y, rows: rows, features: features, eps: eps) }
    case "layernorm_grad":
      let xs = shape(op.operands[1])
      let features = xs.last!, rows = xs.reduce(1, *) / features
      let eps = Self.float(op, "eps", 1e-5)
      let (dy, x, g) = (f(op, 0), f(op, 1), f(op, 2))
      let (dx, dg, db) = (out(op, 0), out(op, 1), out(op, 2))
      return { LayerNormKernel.backward(dy: dy, x: x, gamma: g, dx: dx, dgamma: dg, dbeta: db, rows: rows, features: features, eps: eps) }
    case "dropout":
      // The inference form is the identity.
      let (x, y, n) = (f(op, 0), out(op), count(op.operands[0]))
      return { ElementwiseKernel.copy(x, to: y, count: n) }
    case "dropout_train", "dropout_grad":
      let (x, y, n) = (f(op, 0), out(op), count(op.operands[0]))
      let step = i64(op.operands[1])
      let rate = Self.float(op, "rate")
      if op.opcode == "dropout_train" {
        return { DropoutKernel.forward(x: x, y: y, count: n, rate: rate, stream: self.stream(op, step: step.pointee)) }
      }
      return { DropoutKernel.backward(dy: x, dx: y, count: n, rate: rate, stream: self.stream(op, step: step.pointee)) }
    default: return nil
    }
  }
}
