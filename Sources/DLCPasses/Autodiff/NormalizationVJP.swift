import DLCIR

/// VJPs of layernorm, groupnorm, batchnorm (training and frozen forms) and dropout (training form).
let normalizationVJPs: [String: VJPRule] = [
  "layernorm": layernormVJP, "groupnorm": groupnormVJP, "batchnorm_train": batchnormTrainVJP, "batchnorm": frozenBatchnormVJP,
  "dropout_train": dropoutTrainVJP,
]

/// groupnorm(x, [gamma, beta]) {groups, eps}: (dx, [dgamma, dbeta]) = groupnorm_grad(dy, x, [gamma]) {groups, eps}.
func groupnormVJP(_ c: VJPCall, _ b: inout GradientBuilder) throws(AutodiffError) -> [Int: String] {
  let dy = try c.incoming()
  let affine = c.op.operands.count == 3
  return c.gradients(of: affine ? [0, 1, 2] : [0], "groupnorm_grad", [dy, c.operand(0)] + (affine ? [c.operand(1)] : []),
                     c.op.attributes, &b)
}

/// layernorm(x, gamma, beta) {eps}: (dx, dgamma, dbeta) = layernorm_grad(dy, x, gamma) {eps}.
func layernormVJP(_ c: VJPCall, _ b: inout GradientBuilder) throws(AutodiffError) -> [Int: String] {
  let dy = try c.incoming()
  return c.gradients(of: [0, 1, 2], "layernorm_grad", [dy, c.operand(0), c.operand(1)], c.op.attributes, &b)
}

/// batchnorm_train(x, [gamma, beta], running_mean, running_var) → (y, mean, invstd):
/// (dx, [dgamma, dbeta]) = batchnorm_grad(dy, x, [gamma], mean, invstd).
func batchnormTrainVJP(_ c: VJPCall, _ b: inout GradientBuilder) throws(AutodiffError) -> [Int: String] {
  let dy = try c.incoming()
  let (mean, invstd) = (Operand.value(c.op.results[1].name), Operand.value(c.op.results[2].name))
  let affine = c.op.operands.count == 5
  return c.gradients(of: affine ? [0, 1, 2] : [0], "batchnorm_grad", [dy, c.operand(0)] + (affine ? [c.operand(1)] : []) + [mean, invstd],
                     [:], &b)
}

/// A frozen batchnorm runs in its inference form, a fixed per-channel affine map; the
/// IR has no op for its input gradient yet, so trainable layers may not come before it.
func frozenBatchnormVJP(_ c: VJPCall, _ b: inout GradientBuilder) throws(AutodiffError) -> [Int: String] {
  guard !c.wants(0) else {
    throw AutodiffError("the frozen batchnorm %\(c.op.results[0].name) has trainable layers before it; "
      + "freeze those layers too, or do not freeze the batchnorm")
  }
  return [:]
}

/// dropout_train(x, step) {rate, stream}: dx = dropout_grad(dy, step) {rate, stream},
/// the same mask regenerated from the same stream.
func dropoutTrainVJP(_ c: VJPCall, _ b: inout GradientBuilder) throws(AutodiffError) -> [Int: String] {
  var out: [Int: String] = [:]
  c.gradient(0, "dropout_grad", [try c.incoming(), c.operand(1)], c.op.attributes, into: &out, &b)
  return out
}
