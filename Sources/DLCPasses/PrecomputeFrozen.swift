import DLCIR

/// Splits `@predict` where its frozen part ends, so that training evaluates the frozen
/// prefix once per sample instead of once per step (transfer learning, `train.freeze`).
///
/// The prefix is every op computable from the input without a trained parameter: its
/// parameters are all frozen (`trainable = false` or a layer in `train.freeze`) and its
/// operands come from the input or the prefix. Parameterless ops join it only when a
/// frozen layer needs them, or as a chain right after it (the activation of the last
/// frozen layer). The prefix must be deterministic in training: a random op (dropout,
/// attention) feeding a frozen layer is an error at that op, since caching would keep one
/// draw; a random op after the prefix simply stays in the head. A batchnorm whose
/// parameters are frozen runs in its inference form (see `TrainingForms`), so it may be
/// precomputed; one with trained parameters is itself trained and ends the prefix. The
/// rest of the model (the head) must read exactly one value of the prefix, the boundary.
///
/// Result: `@precompute(%input) -> boundary` holds the prefix and `@predict` becomes the
/// head, taking the boundary as its argument; `@loss` and the parameters (frozen ones
/// included, so checkpoints hold the whole model) are unchanged. `autodiff` then derives
/// `@train_step` for the head alone, with the same random streams as without the pass
/// (the prefix has no random op, so the head's are numbered alike). Run on the checked
/// module, before `autodiff`.
///
/// Before (`freeze: [enc1, code]`):
/// ```
/// func @predict(%input: tensor<Nx64xf32>) -> (tensor<Nx10xf32>) {
///   %enc1 = dense(%input, @enc1.weight, @enc1.bias) : tensor<Nx32xf32>
///   %relu_1 = relu(%enc1) : tensor<Nx32xf32>
///   %code = dense(%relu_1, @code.weight, @code.bias) : tensor<Nx8xf32>
///   %head = dense(%code, @head.weight, @head.bias) : tensor<Nx32xf32>
///   %logits = dense(%head, @logits.weight, @logits.bias) : tensor<Nx10xf32>
///   return %logits
/// }
/// ```
/// After:
/// ```
/// func @precompute(%input: tensor<Nx64xf32>) -> (tensor<Nx8xf32>) {
///   %enc1 = dense(%input, @enc1.weight, @enc1.bias) : tensor<Nx32xf32>
///   %relu_1 = relu(%enc1) : tensor<Nx32xf32>
///   %code = dense(%relu_1, @code.weight, @code.bias) : tensor<Nx8xf32>
///   return %code
/// }
/// func @predict(%code: tensor<Nx8xf32>) -> (tensor<Nx10xf32>) {
///   %head = dense(%code, @head.weight, @head.bias) : tensor<Nx32xf32>
///   %logits = dense(%head, @logits.weight, @logits.bias) : tensor<Nx10xf32>
///   return %logits
/// }
/// ```
public struct PrecomputeFrozen: ModelPass {
  public let name = "precompute-frozen"
  public let summary = "split off the frozen prefix of @predict as @precompute, evaluated once per sample"

  public init() {}

  public func run(on module: inout Module, context: PassContext) throws {
    guard let f = module.functions.firstIndex(where: { $0.name == "predict" }) else {
      throw PassError("the module has no '@predict' to split")
    }
    guard module.function(named: "train_step") == nil, module.function(named: "precompute") == nil else {
      throw PassError("precompute-frozen runs on the checked model, before 'autodiff', and once")
    }
    let predict = module.functions[f]
    guard predict.arguments.count == 1, let input = predict.arguments.first else {
      throw PassError("'@predict' takes \(predict.arguments.count) inputs; precomputing needs exactly one")
    }
    let frozenLayers = Set(module.attributes["train"]?["freeze"]?.listValue?.compactMap(\.stringValue) ?? [])
    let trained = Autodiff.trainedParameters(module, frozenLayers: frozenLayers)

    let prefix = try Self.prefix(of: predict, trained: trained)
    let boundary = try Self.boundary(of: predict, prefix: prefix)
    let types = module.valueTypes(in: predict)
    let boundaryValue = Value(name: boundary, type: types[boundary]!)
    let precompute = Function(
      name: "precompute", arguments: [input], results: [boundaryValue.type],
      body: predict.body.indices.filter { prefix[$0] }.map { predict.body[$0] }, returns: [boundary])
    let head = Function(
      name: "predict", arguments: [boundaryValue], results: predict.results,
      body: predict.body.indices.filter { !prefix[$0] }.map { predict.body[$0] }, returns: predict.returns)
    module.functions[f] = head
    module.functions.insert(precompute, at: f)

    remarkOutcome(precompute: precompute, head: head, module: module, trained: trained, context: context)
  }

  /// Which ops of `predict` form the frozen prefix (by body index).
  static func prefix(of predict: Function, trained: Set<String>) throws(PassError) -> [Bool] {
    let body = predict.body
    var computable = [Bool](repeating: false, count: body.count)
    var available: Set<String> = [predict.arguments[0].name]
    // Values downstream of a random op (and the op), computable but not cacheable.
    var drawnBy: [String: Operation] = [:]
    for (i, op) in body.enumerated() {
      let params = op.operands.compactMap { o -> String? in if case .param(let p) = o { return p } else { return nil } }
      guard !params.contains(where: trained.contains) else { continue }
      var random: Operation?
      var ready = true
      for case .value(let v) in op.operands {
        if let source = drawnBy[v] { random = random ?? source } else if !available.contains(v) { ready = false }
      }
      guard ready else { continue }
      let isRandom = OpRegistry.schema(op.opcode)?.traits.contains(.random) ?? false
      if isRandom, !params.isEmpty {
        throw PassError(
          "layer '\(layer(op))' (\(op.opcode)) in the frozen prefix draws random numbers at training time; precomputing would freeze one draw",
          at: op.location, help: "leave precompute_frozen out, or make '\(layer(op))' deterministic")
      }
      if let source = random ?? (isRandom ? op : nil) {
        if !params.isEmpty {
          throw PassError(
            "layer '\(layer(source))' (\(source.opcode)) in the frozen prefix draws random numbers at training time; precomputing would freeze one draw",
            at: source.location,
            help: "it feeds the frozen layer '\(layer(op))'; move it after the frozen layers, or leave precompute_frozen out")
        }
        for r in op.results { drawnBy[r.name] = source }
        continue
      }
      computable[i] = true
      for r in op.results { available.insert(r.name) }
    }

    // Keep the frozen layers and what they read; then chains of parameterless ops after them.
    var prefix = [Bool](repeating: false, count: body.count)
    var needed: Set<String> = []
    for i in body.indices.reversed() where computable[i] {
      let op = body[i]
      let hasParameters = op.operands.contains { if case .param = $0 { return true } else { return false } }
      guard hasParameters || op.results.contains(where: { needed.contains($0.name) }) else { continue }
      prefix[i] = true
      for case .value(let v) in op.operands { needed.insert(v) }
    }
    guard prefix.contains(true) else {
      let first = body.first { op in op.operands.contains { if case .param(let p) = $0 { return trained.contains(p) } else { return false } } }
      throw PassError(
        "no frozen layer reads the model input" + (first.map { ": '\(layer($0))' comes first and is trained" } ?? ""),
        at: first?.location, help: "freeze the layers from the input on in 'train.freeze', or leave precompute_frozen out")
    }
    let uses = predict.useCounts()
    var inPrefix = Set(body.indices.filter { prefix[$0] }.flatMap { body[$0].results.map(\.name) })
    for i in body.indices where !prefix[i] && computable[i] {
      let op = body[i]
      let values = op.operands.compactMap { o -> String? in if case .value(let v) = o { return v } else { return nil } }
      guard values.count == op.operands.count, values.count == 1, inPrefix.contains(values[0]), uses[values[0]] == 1,
            op.results.count == 1, OpRegistry.schema(op.opcode)?.isPure ?? false else { continue }
      prefix[i] = true
      inPrefix.insert(op.results[0].name)
    }
    return prefix
  }

  /// The one value of the prefix that the head reads (or returns).
  static func boundary(of predict: Function, prefix: [Bool]) throws(PassError) -> String {
    let input = predict.arguments[0].name
    var defined: Set<String> = [input]
    for i in predict.body.indices where prefix[i] { for r in predict.body[i].results { defined.insert(r.name) } }
    var read: [(value: String, by: Operation?)] = []
    for i in predict.body.indices where !prefix[i] {
      for case .value(let v) in predict.body[i].operands where defined.contains(v) && !read.contains(where: { $0.value == v }) {
        read.append((v, predict.body[i]))
      }
    }
    for r in predict.returns where defined.contains(r) && !read.contains(where: { $0.value == r }) { read.append((r, nil)) }
    guard read.count == 1 else {
      let list = read.map { "'\($0.value)'" + ($0.by.map { " (read by '\(layer($0))')" } ?? " (returned)") }
      throw PassError(
        read.isEmpty ? "the rest of the model reads nothing of the frozen prefix"
          : "the rest of the model reads \(read.count) values of the frozen prefix, " + list.joined(separator: ", ")
          + "; precomputing caches exactly one",
        at: read.last?.by?.location, help: "let only the last frozen layer feed the trained layers")
    }
    return read[0].value
  }

  /// What was split off, for `--pass-statistics`; and frozen layers left in the head.
  func remarkOutcome(precompute: Function, head: Function, module: Module, trained: Set<String>, context: PassContext) {
    let total = module.flopsPerSample(of: precompute) + module.flopsPerSample(of: head)
    let saved = module.flopsPerSample(of: precompute)
    let share = total > 0 ? " (\(saved * 100 / total)% of the FLOPs per sample)" : ""
    let first = precompute.body.first.map(Self.layer) ?? "", last = precompute.returns[0]
    context.remark(
      name, "precomputes \(precompute.body.count) ops, '\(first)' to '\(last)'\(share); training starts at '%\(last)'",
      at: precompute.body.first?.location)
    for op in head.body where op.operands.contains(where: { if case .param(let p) = $0 { return !trained.contains(p) } else { return false } })
      && !op.operands.contains(where: { if case .param(let p) = $0 { return trained.contains(p) } else { return false } }) {
      context.remark(name, "frozen layer '\(Self.layer(op))' runs in every step: it reads a value the head computes", at: op.location)
    }
  }

  /// The layer an op belongs to, as messages name it: its first result.
  static func layer(_ op: Operation) -> String { op.results.first?.name ?? op.opcode }
}

extension PrecomputeFrozen {
  /// What a backend needs of a split module's `@precompute`: its output, its text for
  /// the cache key, the parameters it reads and the `cache` option.
  public struct Prefix: Sendable, Hashable {
    /// The per-sample shape of the boundary value.
    public var outputShape: [Int]
    /// The parameters' declarations and `@precompute`, printed without source locations,
    /// so that moving lines in a spec does not change what a cache is keyed on.
    public var text: String
    /// The parameters `@precompute` reads, in module order.
    public var parameters: [String]
    /// Whether the spec asked for `cache: disk`.
    public var diskCache: Bool

    /// The prefix of `module`, or nil when it has no `@precompute`.
    public init?(of module: Module) {
      guard var function = module.function(named: "precompute"), let shape = function.results.first?.perSampleShape else {
        return nil
      }
      for i in function.body.indices { function.body[i].location = nil }
      let read = Set(function.body.flatMap { $0.operands.compactMap { o -> String? in if case .param(let p) = o { return p } else { return nil } } })
      let parameters = module.parameters.filter { read.contains($0.name) }
      outputShape = shape
      text = parameters.map { "param @\($0.name) : \($0.type)\n" }.joined() + printFunction(function)
      self.parameters = parameters.map(\.name)
      let entry = OptimizePipeline.entries(of: module).first { $0.kind == "precompute_frozen" }
      diskCache = entry?.options["cache"]?.stringValue == "disk"
    }
  }
}

extension PrecomputeFrozen {
  /// `module` with `@precompute` put back in front of `@predict` (the head's argument is
  /// the boundary value's own name), the inverse of the pass; `module` when it was not split.
  public static func rejoined(_ module: Module) -> Module {
    guard let p = module.functions.firstIndex(where: { $0.name == "precompute" }),
          let f = module.functions.firstIndex(where: { $0.name == "predict" }) else { return module }
    var m = module
    let prefix = m.functions[p], head = m.functions[f]
    m.functions[f] = Function(name: "predict", arguments: prefix.arguments, results: head.results,
                              body: prefix.body + head.body, returns: head.returns)
    m.functions.remove(at: p)
    return m
  }
}
