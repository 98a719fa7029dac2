import DLCIR

/// VJPs of conv2d and the pools.
let spatialVJPs: [String: VJPRule] = [
  "conv2d": conv2dVJP, "maxpool2d": maxpoolVJP, "avgpool2d": avgpoolVJP, "global_avgpool": globalAvgPoolVJP,
]

/// conv2d(x, W, b?) {stride, padding, dilation}: dx = conv2d_grad_input(dy, W),
/// dW = conv2d_grad_weight(dy, x), db = conv2d_grad_bias(dy).
func conv2dVJP(_ c: VJPCall, _ b: inout GradientBuilder) throws(AutodiffError) -> [Int: String] {
  let dy = try c.incoming()
  let window = c.op.attributes
  var out: [Int: String] = [:]
  c.gradient(0, "conv2d_grad_input", [dy, c.operand(1)], window, into: &out, &b)
  c.gradient(1, "conv2d_grad_weight", [dy, c.operand(0)], window, into: &out, &b)
  c.gradient(2, "conv2d_grad_bias", [dy], into: &out, &b)
  return out
}

/// maxpool2d(x): dx = maxpool2d_grad(dy, x), the window's first maximum takes it.
func maxpoolVJP(_ c: VJPCall, _ b: inout GradientBuilder) throws(AutodiffError) -> [Int: String] {
  var out: [Int: String] = [:]
  c.gradient(0, "maxpool2d_grad", [try c.incoming(), c.operand(0)], c.op.attributes, into: &out, &b)
  return out
}

/// avgpool2d(x): dx = avgpool2d_grad(dy).
func avgpoolVJP(_ c: VJPCall, _ b: inout GradientBuilder) throws(AutodiffError) -> [Int: String] {
  var out: [Int: String] = [:]
  c.gradient(0, "avgpool2d_grad", [try c.incoming()], c.op.attributes, into: &out, &b)
  return out
}

/// global_avgpool(x): dx = global_avgpool_grad(dy).
func globalAvgPoolVJP(_ c: VJPCall, _ b: inout GradientBuilder) throws(AutodiffError) -> [Int: String] {
  var out: [Int: String] = [:]
  c.gradient(0, "global_avgpool_grad", [try c.incoming()], into: &out, &b)
  return out
}
