import DLCIR

/// The optimizer of a module's `train` attribute, as update ops and state parameters
/// (docs/training-ir.md, "Optimizer updates"), by the optimizer's `UpdateRule`.
struct OptimizerPlan {
  /// The update op (`sgd_update`, `adam_update`, …).
  let opcode: String
  /// The update's attributes.
  let attributes: [String: Attribute]
  /// The state each parameter gets, in operand order (`momentum_buffer`; `exp_avg`,
  /// `exp_avg_sq`, `max_exp_avg_sq`; …).
  let stateRoles: [String]

  /// Reads `train.optimizer`, every parameter spelled out.
  init(_ optimizer: [String: Attribute]) throws(AutodiffError) {
    let kind = optimizer["kind"]?.stringValue ?? ""
    guard let rule = UpdateRule.rule(for: kind) else {
      let known = UpdateRule.all.flatMap(\.kinds).map { "'\($0)'" }.joined(separator: ", ")
      throw AutodiffError("autodiff does not know the optimizer '\(kind)'; it knows \(known)")
    }
    guard let attributes = rule.attributes(for: optimizer) else {
      let wanted = rule.schema.attributes.map { "'\($0.name)' (\($0.kind))" }.joined(separator: ", ")
      throw AutodiffError("train.optimizer of kind '\(kind)' does not give the update's \(wanted)")
    }
    opcode = rule.schema.name
    self.attributes = attributes
    stateRoles = rule.stateNames(attributes)
  }

  /// The state parameters of `p`: `@<p>.<role>`, zeros of `p`'s type, not trainable.
  func state(of p: Parameter) -> [Parameter] {
    stateRoles.map { role in
      var attributes: [String: Attribute] = [
        "init": .dict(["kind": .string("zeros")]), "role": .string(role), "state": .string("optimizer"), "trainable": .bool(false),
      ]
      if let layer = p.attributes["layer"] { attributes["layer"] = layer }
      return Parameter(name: "\(p.name).\(role)", type: p.type, attributes: attributes, location: p.location)
    }
  }

  /// The update of `p` by gradient `grad`: `opcode(@p, %grad, @state…, %lr, %step) {…}`.
  func update(_ p: String, grad: String, lr: String, step: String, location: IRLocation?) -> Operation {
    let state = stateRoles.map { Operand.param("\(p).\($0)") }
    let operands = [Operand.param(p), .value(grad)] + state + [.value(lr), .value(step)]
    return Operation(results: [], opcode: opcode, operands: operands, attributes: attributes, location: location)
  }
}
