import DLCIR

/// The optimizer of a module's `train` attribute, as update ops and state parameters
/// (docs/training-ir.md, "Optimizer updates").
struct OptimizerPlan {
  /// `sgd_update` or `adam_update`.
  let opcode: String
  /// The update's attributes.
  let attributes: [String: Attribute]
  /// The state each parameter gets, in operand order: `momentum_buffer`, or `exp_avg`,
  /// `exp_avg_sq` and, with amsgrad, `max_exp_avg_sq`.
  let stateRoles: [String]

  /// Reads `train.optimizer`: `sgd`, `adam` or `adamw`, every parameter spelled out.
  init(_ optimizer: [String: Attribute]) throws(AutodiffError) {
    let kind = optimizer["kind"]?.stringValue ?? ""
    func number(_ key: String) throws(AutodiffError) -> Double {
      guard let v = optimizer[key]?.floatValue else { throw AutodiffError("train.optimizer of kind '\(kind)' has no number '\(key)'") }
      return v
    }
    func flag(_ key: String) throws(AutodiffError) -> Bool {
      guard let v = optimizer[key]?.boolValue else { throw AutodiffError("train.optimizer of kind '\(kind)' has no boolean '\(key)'") }
      return v
    }
    switch kind {
    case "sgd":
      let momentum = try number("momentum")
      opcode = "sgd_update"
      attributes = [
        "momentum": .float(momentum), "dampening": .float(try number("dampening")), "nesterov": .bool(try flag("nesterov")),
        "weight_decay": .float(try number("weight_decay")),
      ]
      // PyTorch keeps no buffer without momentum.
      stateRoles = momentum == 0 ? [] : ["momentum_buffer"]
    case "adam", "adamw":
      guard let betas = optimizer["betas"]?.floatList, betas.count == 2 else {
        throw AutodiffError("train.optimizer of kind '\(kind)' has no pair 'betas'")
      }
      let amsgrad = try flag("amsgrad")
      opcode = "adam_update"
      attributes = [
        "beta1": .float(betas[0]), "beta2": .float(betas[1]), "eps": .float(try number("eps")),
        "weight_decay": .float(try number("weight_decay")), "amsgrad": .bool(amsgrad), "decoupled": .bool(kind == "adamw"),
      ]
      stateRoles = ["exp_avg", "exp_avg_sq"] + (amsgrad ? ["max_exp_avg_sq"] : [])
    default:
      throw AutodiffError("autodiff does not know the optimizer '\(kind)'; it knows sgd, adam and adamw")
    }
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
