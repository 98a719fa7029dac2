/// The type checker: a decoded `Spec` to a verified IR `Module`, or diagnostics.
///
/// In: a `Spec` (sections that failed to decode are nil) and the path it was read from.
/// Out: the IR module with `predict` and `loss` functions, parameters and the data and
/// training configuration as module attributes. Every check whose inputs decoded runs,
/// so one run reports all independent errors; a layer that failed poisons only the
/// layers that depend on it.
import DLCIR
import DLCSpec
import DLCSyntax

public enum Sema {
  /// Checks `spec` and lowers it to IR; nil when any error was reported.
  public static func check(_ spec: Spec, diagnostics diags: DiagnosticEngine) -> Module? {
    var checker = Checker(spec: spec, diags: diags)
    return checker.run()
  }
}

/// The state of one check.
struct Checker {
  let spec: Spec
  let diags: DiagnosticEngine
  var specPath: String { spec.file.path }

  mutating func run() -> Module? {
    let task = spec.data?.task?.value
    let training = TrainingChecks(diags: diags, spec: spec)

    // Step 1: the data files, read only as far as the checks need.
    var facts: DataFacts?
    if let data = spec.data, let task {
      let needLabels = task == .classification && data.classes == nil
      facts = DataProbe(diags: diags, specPath: specPath).probe(data, needLabels: needLabels)
      if let c = data.classes { facts?.classes = c.value }
      training.checkData(task: task, facts: facts)
    }

    // Step 2: the layer graph, base layers first.
    var base: BaseModel?
    if let b = spec.model?.base { base = BaseModel.load(b, specPath: specPath, diags: diags) }
    let layers = (base?.layers.map { ($0, true) } ?? []) + (spec.model?.layers.map { ($0, false) } ?? [])
    let graph = LayerGraph(layers: layers, diags: diags)
    checkFreeze(graph)

    // Step 3: shapes, in evaluation order.
    var lowering = LayerLowering(diags: diags, frozen: Set(spec.train?.freeze.map(\.value) ?? []))
    var outputs: [Int: Value] = [:]
    var input: Value?
    if let model = spec.model, let shape = model.input {
      if let base, base.inputShape != shape.value {
        diags.emit(Diagnostic(.baseInputMismatch(text(base.inputShape), text(shape.value)), at: shape.range)
          .note("the base model is named here", at: model.base?.spec.range))
      }
      let elements = checkedProduct(shape.value)
      if elements == nil {
        diags.emit(Diagnostic(.tooManyElements("the input shape \(text(shape.value))"), at: shape.range)
          .help(facts.map { "the data has \($0.features) features; use 'input: [\($0.features)]'" }))
      } else if let f = facts, let elements, elements != f.features {
        diags.emit(Diagnostic(.featureCountMismatch(text(shape.value), elements, f.features), at: shape.range)
          .help("use 'input: [\(f.features)]' or a shape with \(f.features) elements"))
      }
    }
    // An input too large to count is reported above; nothing after it can be checked.
    if let model = spec.model, let shape = model.input, checkedProduct(shape.value) != nil {
      let type = TensorType.batched(shape.value, model.inputDType.value == "i32" ? .i32 : .f32)
      input = Value(name: "input", type: type)
      lowering.types["input"] = type
      for i in graph.order where graph.nodes[i].resolved {
        let ins = graph.nodes[i].inputs.map { $0 == LayerGraph.modelInput ? input : outputs[$0] }
        guard ins.allSatisfy({ $0 != nil }) else { continue }  // an input failed: already reported
        if let out = lowering.lower(graph.nodes[i], inputs: ins.map { $0! }) { outputs[i] = out }
      }
    }
    for i in graph.unused() {
      diags.emit(Diagnostic(.unusedLayer(graph.nodes[i].name), at: graph.nodes[i].nameRange)
        .help("refer to it with 'from:' or remove it; the last layer is the model's output"))
    }

    // Step 4: the loss and training configuration against the model.
    let last = graph.nodes.indices.last
    let output = last.flatMap { outputs[$0] }
    if let task, let input {
      let modelOutput = output.map { ModelOutput(shape: $0.type.sample, layerName: graph.nodes[last!].name,
                                                 activation: endingActivation(graph.nodes[last!])) }
      training.checkLoss(task: task, facts: facts, output: modelOutput, inputShape: input.type.sample)
      training.checkMetrics(task: task)
    }
    training.checkOptimization()
    OptimizeChecks(diags: diags, spec: spec).check(layerKinds: graph.nodes.compactMap { $0.spec.use?.entry.name })

    // Any error, here or while decoding, means no module.
    guard !diags.hasErrors, let input, let output, let task, let facts, let name = spec.name,
          let loss = spec.loss, let train = spec.train, train.optimizer != nil, train.batchSize != nil, train.epochs != nil,
          let data = spec.data else { return nil }
    let predict = Function(name: "predict", arguments: [input], results: [output.type], body: lowering.body, returns: [output.name])
    let module = Module(name: name.value, attributes: moduleAttributes(task: task, facts: facts, data: data, train: train, base: base),
                        parameters: lowering.parameters,
                        functions: [predict, lossFunction(loss, task: task, output: output, input: input)])
    return module
  }

  /// The activation a layer ends in: an activation layer, or a dense/conv2d `activation:`.
  private func endingActivation(_ node: LayerNode) -> (name: String, range: SourceRange)? {
    guard let use = node.spec.use else { return nil }
    if use.entry.kind == .activation { return (use.name, node.spec.kindRange) }
    if let act = use.entryUse("activation") { return (act.name, act.range ?? node.spec.kindRange) }
    return nil
  }

  private func checkFreeze(_ graph: LayerGraph) {
    for name in spec.train?.freeze ?? [] {
      guard let i = graph.indexByName[name.value] else {
        diags.emit(Diagnostic(.frozenUnknown(name.value), at: name.range, label: "not a layer of this model")
          .help(Suggest.didYouMean(name.value, in: graph.nodes.map(\.name)) ?? "layers: " + graph.nodes.map(\.name).prefix(12).joined(separator: ", ")))
        continue
      }
      let hasParams = graph.nodes[i].spec.use.map(Self.hasParameters) ?? true
      if !hasParams { diags.emit(Diagnostic(.frozenWithoutParameters(name.value), at: name.range)) }
    }
  }

  /// Whether a layer has parameters that freezing keeps: its op's trait, but a group or
  /// instance norm without its affine part has none (a batchnorm keeps its running statistics).
  static func hasParameters(_ use: EntryUse) -> Bool {
    switch use.name {
    case "groupnorm", "instancenorm": return use.bool("affine") == true
    default: return OpRegistry.schema(use.name)?.traits.contains(.hasParameters) ?? false
    }
  }

  /// `func @loss(%output, %target) -> tensor<f32>`.
  private func lossFunction(_ loss: EntryUse, task: Task, output: Value, input: Value) -> Function {
    let target: TensorType
    switch task {
    case .classification where loss.name == "cross_entropy": target = TensorType(dims: [.batch], element: .i32)
    case .reconstruction: target = input.type
    default: target = output.type
    }
    var attrs: [String: Attribute] = [:]
    for p in loss.entry.params { if let v = loss.value(p.name) { attrs[p.name] = v.attribute } }
    let out = Value(name: "output", type: output.type)
    let tgt = Value(name: "target", type: target)
    let scalar = TensorType(dims: [], element: .f32)
    let op = Operation(results: [Value(name: "loss", type: scalar)], opcode: loss.name, operands: [.value("output"), .value("target")],
                       attributes: attrs, location: (loss.nameRange ?? loss.range)?.irLocation)
    return Function(name: "loss", arguments: [out, tgt], results: [scalar], body: [op], returns: ["loss"])
  }

  private func moduleAttributes(task: Task, facts: DataFacts, data: DataSpec, train: TrainSpec, base: BaseModel?) -> [String: Attribute] {
    var source: [String: Attribute] = [:]
    switch data.source {
    case .csv(let path, let target)?:
      source = ["kind": .string("csv"), "path": .string(FileReader.resolve(path.value, relativeTo: specPath)),
                "target": .list(target.map { .string($0.value) })]
      // Every feature column by name (the default too), so that predict matches columns by name.
      if let f = facts.featureNames ?? data.features?.map(\.value) { source["features"] = .list(f.map { .string($0) }) }
    case .npy(let x, let y)?:
      source = ["kind": .string("npy"), "x": .string(FileReader.resolve(x.value, relativeTo: specPath))]
      if let y { source["y"] = .string(FileReader.resolve(y.value, relativeTo: specPath)) }
    case nil: break
    }
    var d: [String: Attribute] = [
      "source": .dict(source), "task": .string(task.rawValue), "features": .int(facts.features),
      "split": data.split.attribute(), "normalize": .string(data.normalize.value),
    ]
    if let c = facts.classes, task == .classification { d["classes"] = .int(c) }
    if data.normalizeTarget.value != "none" { d["normalize_target"] = .string(data.normalizeTarget.value) }
    if facts.targets > 0 { d["targets"] = .int(facts.targets) }
    var t: [String: Attribute] = [
      "optimizer": train.optimizer!.attribute, "schedule": train.schedule.attribute,
      "batch_size": .int(train.batchSize!.value), "epochs": .int(train.epochs!.value),
      "metrics": .list((["loss"] + train.metrics.map(\.name).filter { $0 != "loss" }).map(Attribute.string)),
      "freeze": .list(train.freeze.map { .string($0.value) }),
    ]
    if let es = train.earlyStopping { t["early_stopping"] = es.attribute() }
    var attrs: [String: Attribute] = [
      "dlc": .int(1), "seed": .int(spec.seed), "spec": .string(specPath), "data": .dict(d), "train": .dict(t),
    ]
    if !spec.optimize.isEmpty { attrs["optimize"] = .list(spec.optimize.map(\.attribute)) }
    if let base {
      attrs["base"] = .dict(["spec": .string(base.path), "checkpoint": .string(base.checkpoint),
                             "layers": .list(base.layerNames.map(Attribute.string))])
    }
    return attrs
  }
}

func text(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }

/// The product of `dims`, or nil when it does not fit in an `Int`.
func checkedProduct(_ dims: [Int]) -> Int? {
  var total = 1
  for d in dims {
    let (p, overflow) = total.multipliedReportingOverflow(by: d)
    if overflow { return nil }
    total = p
  }
  return total
}
