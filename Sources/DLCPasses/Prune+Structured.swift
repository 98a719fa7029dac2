import DLCIR

/// Structured pruning: whole dense neurons or conv2d channels go, and every shape along
/// their way shrinks with them.
///
/// From the pruned layer's result the removed axis is followed through the ops that act
/// on each unit alone (activations, dropout, pools, batchnorm, layernorm, flatten) to the
/// dense or conv2d that reads it, which loses those input columns. Anything else on the
/// way (an add or concat with another branch, attention, reshape, the model output) keeps
/// the layer, with the reason as a remark.
extension Prune {
  /// Where the units lie along a value: on per-sample axis `axis`, unit u covering
  /// indices u·block ..< (u+1)·block (block > 1 after flattening channels).
  struct UnitAxis: Equatable {
    var axis: Int
    var block: Int
  }

  /// A parameter that shrinks with the layer: along `axis`, in blocks of `block`.
  struct Shrink: Equatable {
    var parameter: String
    var axis: Int
    var block: Int
  }

  /// What following the units through one reader gives.
  enum Step {
    /// The reader's result carries the units at `UnitAxis`; its parameters shrink.
    case through(UnitAxis, [Shrink])
    /// The reader consumes the units (a dense or conv2d that loses input columns).
    case ends([Shrink])
    /// The units cannot go further; the reason.
    case blocked(String)
  }

  /// What a layer's pruning changes, or why the layer is kept.
  enum Plan {
    case prune([Shrink])
    case keep(String)
  }

  var unitName: String { structure == .channel ? "channels" : "neurons" }

  /// Prunes every dense (`neuron`) or conv2d (`channel`) layer of function `f` it can,
  /// in program order, each planned on the module its predecessors left.
  func pruneStructured(_ module: inout Module, function f: Int, context: PassContext) throws {
    let opcode = structure == .channel ? "conv2d" : "dense"
    let candidates = Self.linearOps(module.functions[f], [opcode])
    if candidates.isEmpty { context.remark(name, "nothing to prune: '@predict' has no \(opcode)") }
    for i in candidates {
      let op = module.functions[f].body[i]
      let layer = layerName(op, module)
      let shrinks: [Shrink]
      switch plan(producer: i, in: f, module: module) {
      case .keep(let why):
        context.remark(name, "kept '\(layer)': \(why)", at: op.location)
        continue
      case .prune(let s): shrinks = s
      }
      let weight = shrinks[0].parameter
      let n = module.parameter(named: weight)?.type.fixedShape?.first ?? 0
      let k = max(1, Int(((1 - sparsity) * Double(n)).rounded()))
      guard k < n else {
        context.remark(name, "kept '\(layer)': sparsity \(IRFormat.float(sparsity)) removes none of its \(n) \(unitName)", at: op.location)
        continue
      }
      let keep = try context.weights.map { Self.largestRows(try $0.floats(weight), rows: n, keeping: k) } ?? Array(0..<k)
      let before = elements(shrinks, module)
      try apply(shrinks, keep: keep, module: &module, weights: &context.weights)
      try Self.inferTypes(&module, function: f)
      let others = shrinks.map { layerName(of: $0.parameter, module) }.filter { $0 != layer }
      var seen: [String] = []
      for o in others where !seen.contains(o) { seen.append(o) }
      let with = seen.isEmpty ? "" : " with " + seen.map { "'\($0)'" }.joined(separator: ", ") + ";"
      context.remark(name, "'\(layer)': kept \(k) of \(n) \(unitName) (largest L1 norm);\(with) \(before) → \(elements(shrinks, module)) parameters",
                     at: op.location)
    }
  }

  /// Follows the units of the layer at body index `i` to every op they reach.
  func plan(producer i: Int, in f: Int, module: Module) -> Plan {
    let function = module.functions[f]
    let op = function.body[i]
    guard op.operands.count >= 2, case .param(let w) = op.operands[1] else { return .keep("it has no weight parameter") }
    guard let dims = op.results[0].type.perSampleShape else { return .keep("its result has no batch axis") }
    var shrinks = [Shrink(parameter: w, axis: 0, block: 1)]
    if op.operands.count > 2 { shrinks.append(Shrink(parameter: op.operands[2].name, axis: 0, block: 1)) }
    let types = Self.typeLookup(module, function)
    var work = [(op.results[0].name, UnitAxis(axis: structure == .channel ? 0 : dims.count - 1, block: 1))]
    while let (value, unit) = work.popLast() {
      if function.returns.contains(value) { return .keep("its \(unitName) reach the model output") }
      for reader in function.body where reader.operands.contains(.value(value)) {
        switch follow(reader, from: value, unit: unit, types: types) {
        case .through(let next, let more):
          shrinks += more
          work.append((reader.results[0].name, next))
        case .ends(let more): shrinks += more
        case .blocked(let why): return .keep(why)
        }
      }
    }
    // Masks from an earlier unstructured pruning shrink with their weights.
    for s in shrinks where module.parameter(named: s.parameter + "_mask") != nil {
      shrinks.append(Shrink(parameter: s.parameter + "_mask", axis: s.axis, block: s.block))
    }
    for s in shrinks {
      guard let p = module.parameter(named: s.parameter) else { return .keep("'@\(s.parameter)' is not a parameter") }
      guard p.type.element == .f32 else { return .keep("'@\(s.parameter)' holds \(p.type.element.rawValue), not f32") }
      guard module.parameterUses(s.parameter) <= 1 else { return .keep("'@\(s.parameter)' is shared with another op") }
    }
    return .prune(shrinks)
  }

  /// How the units at `unit` of `value` pass through `reader`.
  func follow(_ reader: Operation, from value: String, unit: UnitAxis, types: (Operand) -> TensorType) -> Step {
    let dims = types(.value(value)).perSampleShape ?? []
    let what = reader.results.first.map { "'\(reader.opcode)' %\($0.name)" } ?? "'\(reader.opcode)'"
    let blocked = Step.blocked("its \(unitName) reach \(what), which cannot shrink with them")
    // Only ops that read the units as their one data operand can shrink with them.
    guard reader.operands.first == .value(value), !reader.operands.dropFirst().contains(.value(value)) else { return blocked }
    let lastAxis = unit.axis == dims.count - 1
    let channels = unit.axis == 0 && dims.count == 3
    if OpRegistry.schema(reader.opcode)?.traits.contains(.perUnit) == true { return .through(unit, []) }
    switch reader.opcode {
    case "maxpool2d", "avgpool2d", "global_avgpool":
      return channels ? .through(unit, []) : blocked
    case "batchnorm":
      guard unit.axis == 0, unit.block == 1 else { return blocked }
      return .through(unit, reader.operands.dropFirst().map { Shrink(parameter: $0.name, axis: 0, block: 1) })
    case "layernorm":
      // Over the pruned axis, fewer features enter its mean and variance.
      return .through(unit, lastAxis ? reader.operands.dropFirst().map { Shrink(parameter: $0.name, axis: 0, block: unit.block) } : [])
    case "flatten":
      guard unit.axis == 0 else { return blocked }
      return .through(UnitAxis(axis: 0, block: unit.block * dims.dropFirst().reduce(1, *)), [])
    case "dense":
      guard lastAxis, reader.operands.count >= 2 else { return blocked }
      return .ends([Shrink(parameter: reader.operands[1].name, axis: 1, block: unit.block)])
    case "conv2d":
      guard channels, unit.block == 1, reader.operands.count >= 2 else { return blocked }
      return .ends([Shrink(parameter: reader.operands[1].name, axis: 1, block: 1)])
    default:
      return blocked
    }
  }

  /// The `k` rows of a `rows`-row matrix with the largest L1 norm, in order; ties keep
  /// the lower index.
  static func largestRows(_ w: [Float], rows: Int, keeping k: Int) -> [Int] {
    let width = w.count / max(rows, 1)
    let norms = (0..<rows).map { r in w[r * width..<(r + 1) * width].reduce(0.0) { $0 + Double(abs($1)) } }
    let order = norms.indices.sorted { norms[$0] > norms[$1] || (norms[$0] == norms[$1] && $0 < $1) }
    return order.prefix(k).sorted()
  }

  /// Shrinks every parameter of `shrinks` to the `keep` units, in the IR and the weights.
  func apply(_ shrinks: [Shrink], keep: [Int], module: inout Module, weights: inout Weights?) throws {
    var done = Set<String>()
    for s in shrinks where done.insert(s.parameter).inserted {
      guard let pi = module.parameterIndex(s.parameter), var shape = module.parameters[pi].type.fixedShape else {
        throw PassError("internal error: '@\(s.parameter)' has no fixed shape")
      }
      if let values = weights {
        let v = try values.floats(s.parameter)
        weights?[s.parameter] = Weights.Tensor(
          shape: Self.shrunk(shape, s, keep.count), floats: Self.slice(v, shape: shape, s, keep: keep))
      }
      shape = Self.shrunk(shape, s, keep.count)
      module.parameters[pi].type = TensorType(shape: shape, element: module.parameters[pi].type.element)
    }
  }

  /// `shape` with `kept` units of `s.block` along `s.axis`.
  static func shrunk(_ shape: [Int], _ s: Shrink, _ kept: Int) -> [Int] {
    var out = shape
    out[s.axis] = kept * s.block
    return out
  }

  /// The blocks `keep` of `values` (row-major, `shape`) along `s.axis`.
  static func slice(_ values: [Float], shape: [Int], _ s: Shrink, keep: [Int]) -> [Float] {
    let outer = shape[..<s.axis].reduce(1, *), size = shape[s.axis], inner = shape[(s.axis + 1)...].reduce(1, *)
    var out: [Float] = []
    out.reserveCapacity(outer * keep.count * s.block * inner)
    for o in 0..<outer {
      for u in keep {
        let start = (o * size + u * s.block) * inner
        out += values[start..<start + s.block * inner]
      }
    }
    return out
  }

  /// Infers every result type of function `f` again with the ops' shape rules, in order.
  static func inferTypes(_ module: inout Module, function f: Int) throws {
    let params = Dictionary(module.parameters.map { ($0.name, $0.type) }, uniquingKeysWith: { a, _ in a })
    var values = Dictionary(module.functions[f].arguments.map { ($0.name, $0.type) }, uniquingKeysWith: { a, _ in a })
    for i in module.functions[f].body.indices {
      var op = module.functions[f].body[i]
      guard let schema = OpRegistry.schema(op.opcode) else { throw PassError("unknown op '\(op.opcode)'", at: op.location) }
      let operands = op.operands.map { o -> TensorType in
        switch o {
        case .param(let n): return params[n]!
        case .value(let n): return values[n]!
        }
      }
      do {
        let types = try schema.infer(operands: operands, attributes: op.attributes, declared: op.results.map(\.type))
        for r in op.results.indices { op.results[r].type = types[r] }
      } catch {
        throw PassError("internal error: after pruning, \(op.label) does not fit: \(error)", at: op.location)
      }
      for r in op.results { values[r.name] = r.type }
      module.functions[f].body[i] = op
    }
    module.functions[f].results = module.functions[f].returns.map { values[$0]! }
  }

  /// The type of an operand of `function`.
  static func typeLookup(_ module: Module, _ function: Function) -> (Operand) -> TensorType {
    let values = module.valueTypes(in: function)
    let params = Dictionary(module.parameters.map { ($0.name, $0.type) }, uniquingKeysWith: { a, _ in a })
    return { o in
      switch o {
      case .param(let n): return params[n] ?? TensorType(shape: [])
      case .value(let n): return values[n] ?? TensorType(shape: [])
      }
    }
  }

  /// Elements of the parameters in `shrinks` (each once).
  func elements(_ shrinks: [Shrink], _ module: Module) -> Int {
    Set(shrinks.map(\.parameter)).reduce(0) { $0 + (module.parameter(named: $1)?.type.elementCount() ?? 0) }
  }

  /// The layer an op belongs to: its weight's `layer`, else its result's name.
  func layerName(_ op: Operation, _ module: Module) -> String {
    op.operands.count > 1 ? layerName(of: op.operands[1].name, module) : op.results[0].name
  }

  /// The `layer` attribute of a parameter, else its name.
  func layerName(of parameter: String, _ module: Module) -> String {
    module.parameter(named: parameter)?.attributes["layer"]?.stringValue ?? parameter
  }
}
