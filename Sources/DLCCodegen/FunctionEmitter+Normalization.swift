import DLCIR
import DLCPasses

/// The activations and softmax (as `Lowering+Activation.swift`) when they run on their own.
extension FunctionEmitter {
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
