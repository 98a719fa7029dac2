import DLCIR

/// Builds `@train_step` from `@predict` and `@loss`, as a list of named steps: the
/// signature, the forward ops in training form, the loss inlined, then the backward sweep
/// in reverse program order with every parameter's update as early as it may go.
struct TrainStep {
  private let module: Module
  private let plan: OptimizerPlan
  private let isTrained: (String) -> Bool
  /// The pruning mask of each masked parameter (`@w` → `w_mask`).
  private let masks: [String: String]
  private var b: GradientBuilder
  /// The complete gradient of each value, by value name.
  private var gradients: [String: String] = [:]
  /// The gradients received so far, per value or parameter.
  private var partials: [Operand: [String]] = [:]
  /// The complete gradient of each parameter, until its update is emitted.
  private var parameterGradients: [String: String] = [:]
  /// The parameters updated, in the order of their updates.
  private(set) var updated: [String] = []
  private var lr = "", step = ""

  init(module: Module, plan: OptimizerPlan, isTrained: @escaping (String) -> Bool, masks: [String: String] = [:]) {
    self.module = module
    self.plan = plan
    self.isTrained = isTrained
    self.masks = masks
    b = GradientBuilder(parameters: module.parameters)
  }

  /// The function, or why it cannot be derived.
  mutating func build() throws(AutodiffError) -> Function {
    let (predict, loss) = try functions()
    var rename = [loss.arguments[0].name: predict.returns[0]]
    let arguments = signature(predict, loss, &rename)
    let frozen = module.attributes["train"]?.dictValue?["freeze"]?.listValue?.compactMap(\.stringValue) ?? []
    let layers = module.parameters.reduce(into: [String: String]()) { $0[$1.name] = $1.attributes["layer"]?.stringValue }
    var forms = TrainingForms(step: step, isTrained: isTrained, frozenLayers: Set(frozen), layerOf: layers)
    for op in predict.body { b.append(try forms.convert(op, &b)) }
    let root = inline(loss, &rename)
    try backward(b.body, root: root)
    return Function(name: "train_step", arguments: arguments, results: [.scalarF32] + predict.results, body: b.body,
                    returns: [root, predict.returns[0]])
  }

  /// `@predict` and `@loss`, checked to fit together.
  private func functions() throws(AutodiffError) -> (Function, Function) {
    guard let predict = module.function(named: "predict"), let loss = module.function(named: "loss") else {
      throw AutodiffError("autodiff needs the functions @predict and @loss")
    }
    guard predict.results.count == 1, predict.returns.count == 1 else {
      throw AutodiffError("autodiff needs @predict to return one value, found \(predict.results.count)")
    }
    guard loss.arguments.first?.type == predict.results[0], loss.results == [.scalarF32], loss.returns.count == 1 else {
      throw AutodiffError("autodiff needs @loss to take @predict's output first and return one tensor<f32>")
    }
    return (predict, loss)
  }

  /// The arguments: @predict's, @loss's after the output, %lr and %step. Forward values
  /// keep their names; the others take theirs next, with a suffix if a layer has it.
  private mutating func signature(_ predict: Function, _ loss: Function, _ rename: inout [String: String]) -> [Value] {
    for a in predict.arguments { b.declare(a.name, a.type) }
    for op in predict.body { for r in op.results { b.declare(r.name, r.type) } }
    var arguments = predict.arguments
    for a in loss.arguments.dropFirst() {
      let name = b.fresh(a.name)
      rename[a.name] = name
      arguments.append(Value(name: name, type: a.type))
    }
    lr = b.fresh("lr")
    step = b.fresh("step")
    arguments += [Value(name: lr, type: .scalarF32), Value(name: step, type: TensorType(dims: [], element: .i64))]
    for a in arguments { b.declare(a.name, a.type) }
    return arguments
  }

  /// Appends @loss's ops with its values renamed into this function; returns the loss.
  private mutating func inline(_ loss: Function, _ rename: inout [String: String]) -> String {
    for var op in loss.body {
      op.operands = op.operands.map { o in
        if case .value(let v) = o, let new = rename[v] { return .value(new) }
        return o
      }
      for i in op.results.indices {
        let name = b.fresh(op.results[i].name)
        rename[op.results[i].name] = name
        op.results[i].name = name
      }
      b.append(op)
    }
    return rename[loss.returns[0]]!
  }

  /// The backward sweep over `forward` in reverse: each differentiated op's VJP, the
  /// sums of gradients that arrive from several uses, and each parameter's update right
  /// after the first op using it (in program order) is differentiated, so that the update
  /// follows both its gradient and every backward read of the parameter; a pruned
  /// parameter's `apply_mask` follows its update.
  private mutating func backward(_ forward: [Operation], root: String) throws(AutodiffError) {
    let flow = GradientFlow(ops: forward, root: root, isTrained: isTrained, type: b.type(of:))
    var anchors = [[String]](repeating: [], count: forward.count)
    var anchored = Set<String>()
    for (k, op) in forward.enumerated() {
      for case .param(let p) in op.operands where flow.contributions[.param(p)] != nil && anchored.insert(p).inserted {
        anchors[k].append(p)
      }
    }
    for k in forward.indices.reversed() {
      let op = forward[k]
      b.location = op.location
      if flow.active[k] { try differentiate(op, wants: flow.wants[k], root: root, flow) }
      for p in anchors[k] {
        guard let g = parameterGradients.removeValue(forKey: p) else { continue }
        b.append(plan.update(p, grad: g, lr: lr, step: step, location: op.location))
        if let mask = masks[p] {
          // Pruned weights stay zero: the update may have moved them.
          b.append(Operation(results: [], opcode: "apply_mask", operands: [.param(p), .param(mask)], location: op.location))
        }
        updated.append(p)
      }
    }
  }

  /// Runs `op`'s VJP rule and hands each operand its gradient.
  private mutating func differentiate(_ op: Operation, wants: [Bool], root: String, _ flow: GradientFlow) throws(AutodiffError) {
    let y = op.results[0].name
    guard let rule = VJPRules.rule(op.opcode) else {
      throw AutodiffError("autodiff has no gradient rule for '\(op.opcode)' (%\(y))")
    }
    let dy = y == root ? nil : gradients[y]
    guard dy != nil || y == root else { throw AutodiffError("internal error: %\(y) has no gradient before its op is differentiated") }
    let names = zip(op.operands, wants).map { o, wanted in
      !wanted ? "\(o.name).grad.unused" : (flow.contributions[o] ?? 0) > 1 ? "\(o.name).grad.\(y)" : "\(o.name).grad"
    }
    let out = try rule(VJPCall(op: op, dy: dy, wants: wants, names: names), &b)
    let wanted = wants.indices.filter { wants[$0] }
    guard out.keys.sorted() == wanted else {
      throw AutodiffError("internal error: the gradient rule of '\(op.opcode)' gave operands \(out.keys.sorted()), not \(wanted)")
    }
    for i in wanted { accumulate(op.operands[i], out[i]!, expected: flow.contributions[op.operands[i]] ?? 1) }
  }

  /// Records one gradient of `o`; with the last one, the sum (an `add`) is emitted when
  /// there are several, and the gradient is complete.
  private mutating func accumulate(_ o: Operand, _ g: String, expected: Int) {
    partials[o, default: []].append(g)
    guard let parts = partials[o], parts.count == expected else { return }
    partials[o] = nil
    let total = parts.count == 1 ? g : b.emit("add", parts.map(Operand.value), name: "\(o.name).grad", type: b.type(of: o))
    switch o {
    case .value(let v): gradients[v] = total
    case .param(let p): parameterGradients[p] = total
    }
  }
}
