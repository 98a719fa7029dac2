import DLCIR
import DLCKernels

/// Elementwise activations and softmax, and their gradients.
extension Lowering {
  func lowerActivation(_ op: Operation) throws(RuntimeError) -> Step? {
    let n = op.results.isEmpty ? 0 : resultShape(op).reduce(1, *)
    switch op.opcode {
    case "relu":
      let (x, y) = (f(op, 0), out(op))
      return { ActivationKernel.relu(x: x, y: y, count: n) }
    case "leaky_relu":
      let (x, y, slope) = (f(op, 0), out(op), Self.float(op, "slope", 0.01))
      return { ActivationKernel.leakyRelu(x: x, y: y, count: n, slope: slope) }
    case "sigmoid":
      let (x, y) = (f(op, 0), out(op))
      return { ActivationKernel.sigmoid(x: x, y: y, count: n) }
    case "tanh":
      let (x, y) = (f(op, 0), out(op))
      return { ActivationKernel.tanh(x: x, y: y, count: n) }
    case "gelu":
      let (x, y, approximate) = (f(op, 0), out(op), op.attributes["approximate"]?.stringValue == "tanh")
      return { ActivationKernel.gelu(x: x, y: y, count: n, approximate: approximate) }
    case "softmax":
      let (outer, size, inner) = Self.split(shape: shape(op.operands[0]), perSampleAxis: Self.int(op, "axis"))
      let (x, y) = (f(op, 0), out(op))
      return { SoftmaxKernel.forward(x: x, y: y, outer: outer, axis: size, inner: inner) }
    case "relu_grad":
      let (dy, x, dx) = (f(op, 0), f(op, 1), out(op))
      return { ActivationKernel.reluBackward(dy: dy, x: x, dx: dx, count: n) }
    case "leaky_relu_grad":
      let (dy, x, dx, slope) = (f(op, 0), f(op, 1), out(op), Self.float(op, "slope", 0.01))
      return { ActivationKernel.leakyReluBackward(dy: dy, x: x, dx: dx, count: n, slope: slope) }
    case "sigmoid_grad":
      let (dy, y, dx) = (f(op, 0), f(op, 1), out(op))
      return { ActivationKernel.sigmoidBackward(dy: dy, y: y, dx: dx, count: n) }
    case "tanh_grad":
      let (dy, y, dx) = (f(op, 0), f(op, 1), out(op))
      return { ActivationKernel.tanhBackward(dy: dy, y: y, dx: dx, count: n) }
    case "gelu_grad":
      let (dy, x, dx, approximate) = (f(op, 0), f(op, 1), out(op), op.attributes["approximate"]?.stringValue == "tanh")
      return { ActivationKernel.geluBackward(dy: dy, x: x, dx: dx, count: n, approximate: approximate) }
    case "softmax_grad":
      let (outer, size, inner) = Self.split(shape: shape(op.operands[1]), perSampleAxis: Self.int(op, "axis"))
      let (dy, y, dx) = (f(op, 0), f(op, 1), out(op))
      return { SoftmaxKernel.backward(dy: dy, y: y, dx: dx, outer: outer, axis: size, inner: inner) }
    default: return nil
    }
  }
}
