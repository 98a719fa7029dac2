/// Optimizer updates: one op per trainable parameter per step, updating the parameter
/// and its optimizer state in place, each defined by an `UpdateRule`. They have no
/// results; the printer writes them `sgd_update(@p, %grad, …) {…}`. Formulas as the
/// PyTorch documentation gives them for its optimizers. Operands named `@…` are updated in place and
/// must be module parameters (the verifier checks it). A pruned parameter's update is
/// followed by `apply_mask`, which holds its pruned entries at zero.

let optimizerOps: [OpSchema] = UpdateRule.all.map(\.schema) + [applyMask]

/// An optimizer, defined once for the IR: the catalog names it runs (`train.optimizer`),
/// its update op (schema, attributes, state slots) and how the update's attributes come
/// from the optimizer's catalog parameters. Autodiff reads it to emit one update per
/// parameter; the verifier checks updates by its schema; the interpreter and the emitter
/// bind its op to one kernel. Adding an optimizer is a catalog entry, a rule here, a
/// kernel and its binding.
public struct UpdateRule: Sendable {
  /// The catalog names whose `train.optimizer` this rule runs.
  public let kinds: [String]
  /// The update op: `name(@p, grad, @state…, lr, step) {hyperparameters}`.
  public let schema: OpSchema
  /// The state each parameter gets, in operand order; each is present always or when an
  /// attribute says so (PyTorch keeps no momentum buffer without momentum).
  public let state: [StateSlot]
  /// The update's attributes from `train.optimizer` (which also holds `kind` and `lr`);
  /// the default takes each hyperparameter by its own name.
  let derive: @Sendable (_ optimizer: [String: Attribute]) -> [String: Attribute]

  /// Every rule; a catalog optimizer without one is refused by autodiff.
  public static let all: [UpdateRule] = [sgd, adam, rmsprop]

  /// The rule that runs catalog optimizer `kind`.
  public static func rule(for kind: String) -> UpdateRule? { all.first { $0.kinds.contains(kind) } }

  /// The update's attributes for `optimizer` (a `train.optimizer` dict); nil when one is
  /// missing or of the wrong kind.
  public func attributes(for optimizer: [String: Attribute]) -> [String: Attribute]? {
    let a = derive(optimizer)
    for spec in schema.attributes where spec.isRequired {
      guard let v = a[spec.name], spec.kind.accepts(v) else { return nil }
    }
    return a
  }

  /// The state slots present with update attributes `attributes`, in operand order.
  public func stateNames(_ attributes: [String: Attribute]) -> [String] {
    state.filter { $0.isPresent(attributes) }.map(\.name)
  }

  /// The rule whose update op is `opcode`.
  public static func rule(op opcode: String) -> UpdateRule? { all.first { $0.schema.name == opcode } }

  /// The operand index of each state slot of update `op` (an op of this rule), by name;
  /// absent slots have none. The backends bind state by name, not by counting operands.
  public func stateOperands(_ op: Operation) -> [String: Int] {
    Dictionary(uniqueKeysWithValues: stateNames(op.attributes).enumerated().map { ($0.element, $0.offset + 2) })
  }

  /// A rule whose op `name` takes `hyperparameters` as attributes (named as the catalog
  /// names the optimizer's parameters unless `derive` says otherwise) and `state`;
  /// `check` adds rules between hyperparameters; `flops` counts per element.
  init(
    kinds: [String], op name: String, summary: String, hyperparameters: [Hyperparameter], state: [StateSlot],
    derive: (@Sendable ([String: Attribute]) -> [String: Attribute])? = nil,
    check: @escaping @Sendable (OpArguments) throws(ShapeError) -> Void = { _ throws(ShapeError) in },
    flops: @escaping @Sendable (_ stateCount: Int) -> Int
  ) {
    self.kinds = kinds
    self.state = state
    let names = hyperparameters.map(\.name)
    self.derive = derive ?? { optimizer in optimizer.filter { names.contains($0.key) } }
    let operands = ["@param", "grad"] + state.map { "@" + $0.name + ($0.condition == nil ? "" : "?") } + ["lr", "step"]
    schema = OpSchema(
      name: name, summary: summary, operands: operands, attributes: hyperparameters.map(\.spec), traits: .updatesState,
      infer: { a throws(ShapeError) in
        for h in hyperparameters { try h.check(a) }
        try check(a)
        let present = state.filter { $0.isPresent(a.attributes) }.map(\.name)
        guard a.operands.count == present.count + 4 else {
          let conditions = state.compactMap(\.condition).map { "\($0) = \(a.attributes[$0].map(IRFormat.attribute) ?? "?")" }
          throw ShapeError(
            "'\(name)' with \(conditions.joined(separator: ", ")) takes \(present.count + 4) operands, found \(a.operands.count)",
            help: "give the parameter, the gradient, " + (present.isEmpty ? "" : present.joined(separator: ", ") + ", ")
              + "the learning rate and the step")
        }
        try checkUpdateOperands(a, buffers: present)
        return []
      },
      flops: { a, _ in mul(flops(a.operands.count - 4), a.operands[0].elementCountPerSample) })
  }
}

/// One state tensor of an optimizer, `@<p>.<name>`.
public struct StateSlot: Sendable {
  /// The role and name suffix (`exp_avg`): PyTorch's state key, kept so checkpoints resume.
  public let name: String
  /// The attribute deciding whether the slot exists; nil when it always does.
  public let condition: String?
  private let present: @Sendable (Attribute?) -> Bool

  /// A slot every parameter gets.
  static func always(_ name: String) -> StateSlot { StateSlot(name: name, condition: nil) { _ in true } }

  /// A slot present when number attribute `attribute` is not 0.
  static func whenNonzero(_ name: String, _ attribute: String) -> StateSlot {
    StateSlot(name: name, condition: attribute) { ($0?.floatValue ?? 0) != 0 }
  }

  /// A slot present when boolean attribute `attribute` is true.
  static func whenTrue(_ name: String, _ attribute: String) -> StateSlot {
    StateSlot(name: name, condition: attribute) { $0?.boolValue == true }
  }

  private init(name: String, condition: String?, present: @escaping @Sendable (Attribute?) -> Bool) {
    self.name = name
    self.condition = condition
    self.present = present
  }

  /// Whether the slot exists for an update with `attributes`.
  func isPresent(_ attributes: [String: Attribute]) -> Bool { present(condition.map { attributes[$0] } ?? nil) }
}

/// One hyperparameter of an update op: a number in a range or a boolean.
struct Hyperparameter: Sendable {
  let spec: AttributeSpec
  /// The range a number must lie in; nil for a boolean.
  let range: NumberRange?

  var name: String { spec.name }

  /// A finite number in `range` (`in [0, 1)`, `≥ 0`, `> 0`).
  static func number(_ name: String, _ summary: String, _ range: NumberRange) -> Self {
    Hyperparameter(spec: .required(name, .float, summary + ", " + range.text), range: range)
  }

  static func flag(_ name: String, _ summary: String) -> Self {
    Hyperparameter(spec: .required(name, .bool, summary), range: nil)
  }

  /// Checks the value of this hyperparameter in `a`.
  func check(_ a: OpArguments) throws(ShapeError) {
    guard let range else {
      _ = try a.bool(name)
      return
    }
    let v = try a.float(name)
    guard range.contains(v), v.isFinite else {
      throw ShapeError("\(name) of '\(a.opcode)' must be \(range.text), found \(IRFormat.float(v))")
    }
  }
}

/// The values a hyperparameter may take, in words and as a test.
struct NumberRange: Sendable {
  let text: String
  let contains: @Sendable (Double) -> Bool

  static let unitOpen = NumberRange(text: "in [0, 1)") { $0 >= 0 && $0 < 1 }
  static let nonNegative = NumberRange(text: "≥ 0") { $0 >= 0 }
  static let positive = NumberRange(text: "> 0") { $0 > 0 }
}

/// Checks the operands every update shares: the parameter (operand 0), the gradient and
/// the state buffers (the next `buffers` operands) of one floating-point type, then the
/// learning rate f32 and the step i64.
private func checkUpdateOperands(_ a: OpArguments, buffers: [String]) throws(ShapeError) {
  guard a.operands[0].fixedShape != nil else {
    throw ShapeError("the parameter of '\(a.opcode)' must have a fixed shape, found \(a.operands[0])")
  }
  guard a.operands[0].element.isFloatingPoint else {
    throw ShapeError("'\(a.opcode)' needs a floating-point parameter, found \(a.operands[0].element.rawValue)")
  }
  for (i, role) in (["gradient"] + buffers).enumerated() { try a.requireSameType(i + 1, role, as: 0, "parameter") }
  try a.requireScalar(buffers.count + 2, "learning rate", .f32)
  try a.requireScalar(buffers.count + 3, "step", .i64)
}

extension UpdateRule {
  /// `sgd` (torch.optim.SGD): sgd_update(@p, grad, @p.momentum_buffer?, lr, step)
  /// {momentum, dampening, nesterov, weight_decay}: g = grad + weight_decay·p; with
  /// momentum μ, b = g at step 1, else b = μ·b + (1 − dampening)·g, and g = g + μ·b
  /// (nesterov) or b; then p = p − lr·g.
  public static let sgd = UpdateRule(
    kinds: ["sgd"], op: "sgd_update", summary: "stochastic gradient descent step, with optional (Nesterov) momentum",
    hyperparameters: [
      .number("momentum", "momentum factor", .unitOpen),
      .number("dampening", "dampening of the momentum", .unitOpen),
      .flag("nesterov", "Nesterov momentum; needs momentum > 0 and dampening 0"),
      .number("weight_decay", "L2 penalty added to the gradient", .nonNegative),
    ],
    state: [.whenNonzero("momentum_buffer", "momentum")],
    check: { a throws(ShapeError) in
      let (nesterov, momentum, dampening) = (try a.bool("nesterov"), try a.float("momentum"), try a.float("dampening"))
      if nesterov, !(momentum > 0 && dampening == 0) { throw ShapeError("Nesterov momentum needs momentum > 0 and dampening 0") }
    },
    flops: { $0 == 1 ? 6 : 3 })

  /// `adam` and `adamw` (torch.optim.Adam, AdamW): adam_update(@p, grad, @p.exp_avg,
  /// @p.exp_avg_sq, @p.max_exp_avg_sq?, lr, step) {beta1, beta2, eps, weight_decay,
  /// amsgrad, decoupled}: Adam (Kingma & Ba 2015) with bias correction by step; weight
  /// decay is L2 added to the gradient, or with `decoupled = true` (AdamW, Loshchilov &
  /// Hutter 2019) p = p·(1 − lr·weight_decay). The catalog's `betas` pair becomes beta1
  /// and beta2; `decoupled` is whether the optimizer is `adamw`.
  public static let adam = UpdateRule(
    kinds: ["adam", "adamw"], op: "adam_update", summary: "Adam or AdamW step",
    hyperparameters: [
      .number("beta1", "decay of the first moment", .unitOpen),
      .number("beta2", "decay of the second moment", .unitOpen),
      .number("eps", "added to the denominator", .positive),
      .number("weight_decay", "weight decay", .nonNegative),
      .flag("amsgrad", "use the maximum of past second moments"),
      .flag("decoupled", "decay the weights directly (AdamW) instead of adding to the gradient"),
    ],
    state: [.always("exp_avg"), .always("exp_avg_sq"), .whenTrue("max_exp_avg_sq", "amsgrad")],
    derive: { o in
      var a = o.filter { ["eps", "weight_decay", "amsgrad"].contains($0.key) }
      if let betas = o["betas"]?.listValue, betas.count == 2 { (a["beta1"], a["beta2"]) = (betas[0], betas[1]) }
      a["decoupled"] = .bool(o["kind"]?.stringValue == "adamw")
      return a
    },
    flops: { $0 == 3 ? 13 : 12 })

  /// `rmsprop` (torch.optim.RMSprop): rmsprop_update(@p, grad, @p.square_avg,
  /// @p.momentum_buffer?, @p.grad_avg?, lr, step) {alpha, eps, momentum, centered,
  /// weight_decay}: g = grad + weight_decay·p; v = α·v + (1 − α)·g²; centered (Graves
  /// 2013): ḡ = α·ḡ + (1 − α)·g and d = √(v − ḡ²) + eps, else d = √v + eps; with momentum
  /// μ, b = μ·b + g/d and p = p − lr·b, else p = p − lr·g/d (Hinton 2012, lecture 6e).
  public static let rmsprop = UpdateRule(
    kinds: ["rmsprop"], op: "rmsprop_update", summary: "RMSprop step, optionally centered and with momentum",
    hyperparameters: [
      .number("alpha", "smoothing constant of the squared-gradient average", .unitOpen),
      .number("eps", "added to the denominator", .positive),
      .number("momentum", "momentum factor", .unitOpen),
      .flag("centered", "subtract the squared mean gradient from the squared-gradient average"),
      .number("weight_decay", "L2 penalty added to the gradient", .nonNegative),
    ],
    state: [.always("square_avg"), .whenNonzero("momentum_buffer", "momentum"), .whenTrue("grad_avg", "centered")],
    flops: { 7 + 3 * ($0 - 1) })
}

/// apply_mask(@p, mask): p = p ⊙ mask, in place. The mask is a parameter of p's type
/// holding 0 (pruned) or 1 (kept), made by the `prune` pass; autodiff puts this op right
/// after the update of every parameter that has one, so pruned weights stay zero through
/// training (Zhu & Gupta 2017 train with masks the same way).
let applyMask = OpSchema(
  name: "apply_mask", summary: "multiply a parameter by its 0/1 pruning mask, in place",
  operands: ["@param", "mask"],
  traits: .updatesState,
  infer: { a throws(ShapeError) in
    guard a.operands[0].fixedShape != nil else {
      throw ShapeError("the parameter of 'apply_mask' must have a fixed shape, found \(a.operands[0])")
    }
    guard a.operands[0].element == .f32 else {
      throw ShapeError("'apply_mask' needs an f32 parameter, found \(a.operands[0].element.rawValue)")
    }
    try a.requireSameType(1, "mask", as: 0, "parameter")
    return []
  },
  flops: { a, _ in a.operands[0].elementCountPerSample })
