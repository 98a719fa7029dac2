import DLCIR

/// Unstructured magnitude pruning: a 0/1 mask per dense and conv2d weight, the smallest
/// weights zeroed at one global threshold or per layer, raised along the polynomial
/// schedule while fine-tuning.
extension Prune {
  /// A weight that is masked.
  struct MaskedWeight {
    var weight: String
    var mask: String
    /// The layer, for remarks, and where it is in the spec.
    var layer: String
    var location: IRLocation?
  }

  /// Adds the masks, prunes to the schedule's first sparsity, fine-tunes (raising the
  /// sparsity before each epoch), and remarks the sparsity every weight ends with.
  func pruneUnstructured(_ module: inout Module, function f: Int, context: PassContext) throws {
    let targets = addMasks(&module, function: f, context: context)
    guard !targets.isEmpty else {
      context.remark(name, "nothing to prune: '@predict' has no f32 dense or conv2d weight"
                     + (pruneOutput ? "" : " besides the output layer's (set 'prune_output: true' to prune it)"))
      return
    }
    guard var weights = context.weights else {
      for t in targets {
        context.remark(name, "'\(t.layer)': masks '@\(t.weight)' with '@\(t.mask)' (values need weights)", at: t.location)
      }
      return
    }
    let gradual = schedule == .polynomial && finetuneEpochs > 0 && context.fineTune != nil
    try updateMasks(targets, sparsity: gradual ? scheduledSparsity(epoch: 0) : sparsity, weights: &weights)
    context.weights = weights
    if gradual {
      let steps = (0..<finetuneEpochs).map { Self.fixed(scheduledSparsity(epoch: $0), digits: 3) }
      context.remark(name, "polynomial schedule: sparsity " + steps.joined(separator: ", ") + " before each fine-tuning epoch")
    }
    try fineTune(module, context: context) { epoch, w in
      if gradual, epoch < finetuneEpochs {
        try updateMasks(targets, sparsity: scheduledSparsity(epoch: epoch), weights: &w)
      } else {
        try applyMasks(targets, weights: &w)
      }
    }
    try remarkSparsity(targets, context: context)
  }

  /// The sparsity before fine-tuning epoch `e` of E: s·(1 − (1 − (e+1)/E)³), which is
  /// s for the last epoch (Zhu & Gupta 2017, eq. 1, with one pruning step per epoch).
  func scheduledSparsity(epoch e: Int) -> Double {
    guard finetuneEpochs > 0 else { return sparsity }
    let t = min(1, Double(e + 1) / Double(finetuneEpochs))
    let rest = 1 - t
    return sparsity * (1 - rest * rest * rest)
  }

  /// `@w_mask` for every f32 dense and conv2d weight of function `f` (once per weight),
  /// placed after its weight; weights of other types, and the output layer unless
  /// `pruneOutput`, get a remark instead.
  func addMasks(_ module: inout Module, function f: Int, context: PassContext) -> [MaskedWeight] {
    var targets: [MaskedWeight] = []
    var seen = Set<String>()
    let function = module.functions[f]
    let outputs = Self.outputLayers(function)
    for i in Self.linearOps(function, ["dense", "conv2d"]) {
      let op = function.body[i]
      guard op.operands.count >= 2, case .param(let w) = op.operands[1], let wi = module.parameterIndex(w) else { continue }
      let weight = module.parameters[wi]
      let layer = weight.attributes["layer"]?.stringValue ?? op.results[0].name
      if outputs.contains(i), !pruneOutput {
        context.remark(name, "kept '\(layer)': it is the output layer (set 'prune_output: true' to prune it too)", at: op.location)
        continue
      }
      guard weight.type.element == .f32 else {
        context.remark(name, "kept '\(layer)': its weights are \(weight.type.element.rawValue), not f32", at: op.location)
        continue
      }
      guard seen.insert(w).inserted else { continue }
      let mask = w + "_mask"
      if module.parameter(named: mask) == nil {
        let attributes: [String: Attribute] = [
          "init": .dict(["kind": .string("constant"), "value": .float(1)]), "layer": .string(layer), "role": .string("mask"),
          "trainable": .bool(false),
        ]
        module.parameters.insert(Parameter(name: mask, type: weight.type, attributes: attributes, location: weight.location), at: wi + 1)
      }
      targets.append(MaskedWeight(weight: w, mask: mask, layer: layer, location: op.location))
    }
    return targets
  }

  /// The dense and conv2d ops of `function` whose results reach its returns through no
  /// other dense or conv2d (walking back from the returns, stopping at each such op).
  public static func outputLayers(_ function: Function) -> Set<Int> {
    var found = Set<Int>(), visited = Set<String>()
    var pending = function.returns
    while let value = pending.popLast() {
      guard visited.insert(value).inserted, let i = function.definingIndex(of: value) else { continue }
      let op = function.body[i]
      if op.opcode == "dense" || op.opcode == "conv2d" {
        found.insert(i)
        continue
      }
      for case .value(let input) in op.operands { pending.append(input) }
    }
    return found
  }

  /// Recomputes every mask from the current magnitudes so that a fraction `s` of the
  /// weights is pruned (of all of them at once, or of each layer), and zeroes them.
  /// Ties go to the earlier layer and the lower index, so the result is deterministic.
  func updateMasks(_ targets: [MaskedWeight], sparsity s: Double, weights: inout Weights) throws {
    let values = try targets.map { t throws(PassError) in try weights.floats(t.weight) }
    var masks = values.map { [Float](repeating: 1, count: $0.count) }
    switch scope {
    case .global:
      var magnitudes: [Float] = []
      var owner: [(layer: Int, index: Int)] = []
      for (l, v) in values.enumerated() {
        magnitudes += v.map(abs)
        owner += v.indices.map { (l, $0) }
      }
      for flat in Self.smallest(magnitudes, fraction: s) { masks[owner[flat].layer][owner[flat].index] = 0 }
    case .layer:
      for (l, v) in values.enumerated() {
        for i in Self.smallest(v.map(abs), fraction: s) { masks[l][i] = 0 }
      }
    }
    for (l, t) in targets.enumerated() {
      let shape = weights[t.weight]!.shape
      weights[t.mask] = Weights.Tensor(shape: shape, floats: masks[l])
      weights[t.weight] = Weights.Tensor(shape: shape, floats: Self.masked(values[l], masks[l]))
    }
  }

  /// Zeroes the masked weights again (after training, which `apply_mask` already did).
  func applyMasks(_ targets: [MaskedWeight], weights: inout Weights) throws {
    for t in targets {
      let w = try weights.floats(t.weight), m = try weights.floats(t.mask)
      weights[t.weight]?.storage = .f32(Self.masked(w, m))
    }
  }

  /// `w` with the entries whose mask is 0 set to +0.0: chosen, not multiplied, so a
  /// negative weight does not become −0.0, whose bits the compact storage of pruned
  /// weights (`SparseTensors`) would have to keep.
  static func masked(_ w: [Float], _ mask: [Float]) -> [Float] {
    zip(w, mask).map { $1 == 0 ? 0 : $0 }
  }

  /// The indices of the round(fraction·count) smallest values; ties by index.
  static func smallest(_ magnitudes: [Float], fraction: Double) -> [Int] {
    let k = min(magnitudes.count, Int((fraction * Double(magnitudes.count)).rounded()))
    guard k > 0 else { return [] }
    let order = magnitudes.indices.sorted { a, b in
      magnitudes[a] < magnitudes[b] || (magnitudes[a] == magnitudes[b] && a < b)
    }
    return Array(order.prefix(k))
  }

  /// One remark per weight with its final sparsity, and the total.
  func remarkSparsity(_ targets: [MaskedWeight], context: PassContext) throws {
    guard let weights = context.weights else { return }
    var pruned = 0, total = 0
    for t in targets {
      let m = try weights.floats(t.mask)
      let zeros = m.filter { $0 == 0 }.count
      pruned += zeros
      total += m.count
      context.remark(name, "'\(t.layer)': pruned \(zeros) of \(m.count) weights of '@\(t.weight)' (\(Self.percent(zeros, m.count)))",
                     at: t.location)
    }
    context.remark(name, "\(scope.rawValue) magnitude pruning: \(pruned) of \(total) weights are zero (\(Self.percent(pruned, total)))")
  }

  /// `50.0%`.
  static func percent(_ part: Int, _ whole: Int) -> String {
    fixed(whole > 0 ? 100 * Double(part) / Double(whole) : 0, digits: 1) + "%"
  }

  /// `x` with `digits` decimals (`0.271`), for remarks; x ≥ 0.
  static func fixed(_ x: Double, digits: Int) -> String {
    var scale = 1
    for _ in 0..<digits { scale *= 10 }
    let n = Int((x * Double(scale)).rounded())
    let fraction = String(n % scale)
    return "\(n / scale)." + String(repeating: "0", count: digits - fraction.count) + fraction
  }
}
