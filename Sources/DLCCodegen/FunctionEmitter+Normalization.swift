import DLCIR

/// batchnorm, layernorm and dropout (as `Lowering+Normalization.swift`), and the
/// activations and softmax (as `Lowering+Activation.swift`) when they run on their own.
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

  mutating func emitActivation(_ op: Operation) throws(CodegenError) -> Bool {
    let forward: [String: String] = ["relu": "relu", "leaky_relu": "leakyRelu", "sigmoid": "sigmoid", "tanh": "tanh", "gelu": "gelu"]
    let backward: [String: (String, String)] = [
      "relu_grad": ("reluBackward", "x"), "leaky_relu_grad": ("leakyReluBackward", "x"),
      "sigmoid_grad": ("sigmoidBackward", "y"), "tanh_grad": ("tanhBackward", "y"), "gelu_grad": ("geluBackward", "x"),
    ]
    var extra: [String] = []
    if op.opcode.hasPrefix("leaky_relu") { extra = ["slope: \(Self.literal(op, "slope", 0.01))"] }
    if op.opcode.hasPrefix("gelu") { extra = ["approximate: \(op.attributes["approximate"]?.stringValue == "tanh")"] }
    if let name = forward[op.opcode] {
      let n = count(op.results.isEmpty ? op.operands[0] : .value(op.results[0].name)).code
      let x = operand(op, 0)
      let y = result(op)
      text.call("ActivationKernel." + name, ["x: \(x)", "y: \(y)", "count: \(n)"] + extra)
    } else if let (name, second) = backward[op.opcode] {
      let n = Extent.product(resultDims(op)).code
      let (dy, other) = (operand(op, 0), operand(op, 1))
      let dx = result(op)
      text.call("ActivationKernel." + name, ["dy: \(dy)", "\(second): \(other)", "dx: \(dx)", "count: \(n)"] + extra)
    } else if op.opcode == "softmax" || op.opcode == "softmax_grad" {
      let shape = dims(op.operands[op.opcode == "softmax" ? 0 : 1])
      let (outer, size, inner) = Self.split(shape, perSampleAxis: Self.int(op, "axis"))
      let sizes = ["outer: \(outer.code)", "axis: \(size.code)", "inner: \(inner.code)"]
      if op.opcode == "softmax" {
        let x = operand(op, 0)
        let y = result(op)
        text.call("SoftmaxKernel.forward", ["x: \(x)", "y: \(y)"] + sizes)
      } else {
        let (dy, y) = (operand(op, 0), operand(op, 1))
        let dx = result(op)
        text.call("SoftmaxKernel.backward", ["dy: \(dy)", "y: \(y)", "dx: \(dx)"] + sizes)
      }
    } else {
      return false
    }
    return true
  }
}
