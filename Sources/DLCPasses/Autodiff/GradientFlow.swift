import DLCIR

/// Which forward ops of `@train_step` are differentiated, and which of their operands
/// get gradients.
///
/// A value gets a gradient when it both depends on a trained parameter (forward) and
/// reaches the loss (backward); a parameter when it is trained and its op is
/// differentiated. Only floating-point operands carry gradients (not class indices,
/// token ids or the step). So the model's input, the frozen prefix of a model and the
/// targets get none, and no backward op is emitted that no trained parameter needs.
struct GradientFlow {
  /// Per forward op: whether its VJP runs.
  private(set) var active: [Bool]
  /// Per forward op and operand: whether the operand's gradient is wanted.
  private(set) var wants: [[Bool]]
  /// How many gradients each value or parameter receives (more than one are added).
  private(set) var contributions: [Operand: Int] = [:]

  /// Analyses `ops`, whose loss is value `root`.
  init(ops: [Operation], root: String, isTrained: (String) -> Bool, type: (Operand) -> TensorType) {
    func differentiable(_ o: Operand) -> Bool { type(o).element.isFloatingPoint }
    // Forward: values that depend on a trained parameter. Only an op's first result
    // carries a gradient; the others (batch statistics, attention internals) are saved
    // for its backward op.
    var varies = Set<String>()
    for op in ops {
      let depends = op.operands.contains { o in
        guard differentiable(o) else { return false }
        switch o {
        case .value(let v): return varies.contains(v)
        case .param(let p): return isTrained(p)
        }
      }
      if depends { varies.insert(op.results[0].name) }
    }
    // Backward: values the loss depends on.
    var reaches: Set<String> = [root]
    for op in ops.reversed() where reaches.contains(op.results[0].name) {
      for case .value(let v) in op.operands where differentiable(.value(v)) { reaches.insert(v) }
    }
    func needsGradient(_ v: String) -> Bool { varies.contains(v) && reaches.contains(v) }
    active = ops.map { needsGradient($0.results[0].name) }
    wants = zip(ops, active).map { op, isActive in
      op.operands.map { o in
        guard isActive, differentiable(o) else { return false }
        switch o {
        case .value(let v): return needsGradient(v)
        case .param(let p): return isTrained(p)
        }
      }
    }
    for (op, w) in zip(ops, wants) {
      for (o, wanted) in zip(op.operands, w) where wanted { contributions[o, default: 0] += 1 }
    }
  }
}
