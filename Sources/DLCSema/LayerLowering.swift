/// Lowering layers to IR ops, one layer at a time, with shapes inferred by the IR's own
/// shape rules (`OpRegistry`), so the checker and the verifier can never disagree.
import DLCIR
import DLCSpec
import DLCSyntax

/// Builds the `predict` function's body and the module's parameters.
struct LayerLowering {
  let diags: DiagnosticEngine
  let frozen: Set<String>
  var parameters: [Parameter] = []
  var body: [Operation] = []

  /// Lowers one layer given its input values; returns its output, or nil after reporting why.
  mutating func lower(_ node: LayerNode, inputs: [Value]) -> Value? {
    guard let use = node.spec.use, let x = inputs.first else { return nil }
    let at = node.spec.kindRange
    let name = node.name
    if use.name != "embedding", let bad = inputs.first(where: { $0.type.element != .f32 }) {
      return diags.fail(Diagnostic(.inputDTypeMismatch(name, "f32", bad.type.element.rawValue), at: at)
        .help("integer token ids go through '- embedding' first"))
    }
    let sample = x.type.sample
    var operands: [Operand] = inputs.map { .value($0.name) }
    var attrs: [String: Attribute] = [:]
    var opcode = use.name
    switch use.name {
    case "dense":
      let units = use.int("units")!
      let fanIn = sample.last ?? 0
      operands.append(weight(node, "weight", [units, fanIn], use.entryUse("init")!, "weight"))
      if use.bool("bias") == true { operands.append(weight(node, "bias", [units], use.entryUse("bias_init")!, "bias")) }
    case "conv2d":
      guard let geometry = convGeometry(use, node) else { return nil }
      attrs = geometry
      let (kh, kw) = pair(use.ints("kernel")!)
      let channels = sample.count == 3 ? sample[0] : 0
      operands.append(weight(node, "weight", [use.int("filters")!, channels, kh, kw], use.entryUse("init")!, "weight"))
      if use.bool("bias") == true {
        operands.append(weight(node, "bias", [use.int("filters")!], use.entryUse("bias_init")!, "bias"))
      }
    case "maxpool2d", "avgpool2d":
      let size = use.ints("size")!
      attrs = ["size": ints(size), "stride": ints(use.ints("stride") ?? size), "padding": ints(use.ints("padding")!)]
    case "reshape":
      guard let shape = resolveReshape(use.ints("shape")!, from: sample, node) else { return nil }
      attrs = ["shape": ints(shape)]
    case "embedding":
      guard x.type.element == .i32 else {
        return diags.fail(Diagnostic(.inputDTypeMismatch(name, "i32 (token id)", x.type.element.rawValue), at: at)
          .help("set 'input_dtype: i32' in 'model' so the input holds token ids"))
      }
      operands.append(weight(node, "table", [use.int("vocab")!, use.int("dim")!], use.entryUse("init")!, "table"))
    case "batchnorm":
      let c = sample.count == 3 ? sample[0] : (sample.first ?? 0)
      if use.bool("affine") == true {
        operands += [weight(node, "gamma", [c], constant(1), "gamma"), weight(node, "beta", [c], constant(0), "beta")]
      }
      operands += [
        weight(node, "running_mean", [c], constant(0), "running_mean", trainable: false),
        weight(node, "running_var", [c], constant(1), "running_var", trainable: false),
      ]
      attrs = ["momentum": .float(use.double("momentum")!), "eps": .float(use.double("eps")!)]
    case "layernorm":
      let d = sample.last ?? 0
      operands += [weight(node, "gamma", [d], constant(1), "gamma"), weight(node, "beta", [d], constant(0), "beta")]
      attrs = ["eps": .float(use.double("eps")!)]
    case "groupnorm", "instancenorm":
      guard let groups = normGroups(use, sample, node) else { return nil }
      if use.bool("affine") == true {
        let c = sample.first ?? 0
        operands += [weight(node, "gamma", [c], constant(1), "gamma"), weight(node, "beta", [c], constant(0), "beta")]
      }
      (opcode, attrs) = ("groupnorm", ["groups": .int(groups), "eps": .float(use.double("eps")!)])
    case "self_attention":
      let d = sample.last ?? 0
      let bias = use.bool("bias") == true
      let d3 = saturatingMultiply(3, d)
      operands.append(weight(node, "w_qkv", [d3, d], use.entryUse("init")!, "weight"))
      if bias { operands.append(weight(node, "b_qkv", [d3], constant(0), "bias")) }
      operands.append(weight(node, "w_out", [d, d], use.entryUse("init")!, "weight"))
      if bias { operands.append(weight(node, "b_out", [d], constant(0), "bias")) }
      attrs = ["heads": .int(use.int("heads")!), "causal": .bool(use.bool("causal")!),
               "dropout": .float(use.double("dropout")!), "bias": .bool(bias)]
    case "concat":
      attrs = ["axis": .int(use.int("axis")!)]
    default:
      // Activations and parameter-free layers: their catalog parameters are the op's attributes.
      (opcode, attrs) = activationOp(use)
    }
    if let dims = uncountable {
      uncountable = nil
      return diags.fail(Diagnostic(.tooManyElements("layer '\(name)': a parameter of shape \(text(dims))"), at: at)
        .help("use fewer units or a smaller kernel"))
    }
    guard var out = emit(opcode, name: name, operands: operands, attrs: attrs, node: node) else { return nil }
    if let act = use.entryUse("activation") {
      let (op, a) = activationOp(act)
      guard let y = emit(op, name: "\(name).\(act.name)", operands: [.value(out.name)], attrs: a, node: node) else { return nil }
      out = y
    }
    return out
  }

  /// An activation's opcode and attributes.
  private func activationOp(_ use: EntryUse) -> (String, [String: Attribute]) {
    if use.name == ExpressionActivation.name, let (expr, derivative) = ExpressionActivation.attributes(use) {
      // A formula: one `expression` op carrying it and its derivative.
      return ("expression", ["expr": .string(expr), "derivative": .string(derivative)])
    }
    var attrs: [String: Attribute] = [:]
    for p in use.entry.params { if let v = use.value(p.name) { attrs[p.name] = v.attribute } }
    if let variant = ActivationVariant.all[use.name] { return variant.lowered(use.name, attrs) }
    return (use.name, attrs)
  }

  /// Appends one op after inferring its result type; reports a shape error at the layer.
  private mutating func emit(_ opcode: String, name: String, operands: [Operand], attrs: [String: Attribute], node: LayerNode) -> Value? {
    guard let schema = OpRegistry.schema(opcode) else { preconditionFailure("no IR op for '\(opcode)'") }
    let operandTypes = operands.map(type(of:))
    let results: [TensorType]
    do {
      results = try schema.infer(operands: operandTypes, attributes: attrs)
    } catch {
      return diags.fail(Diagnostic(.shape(node.name, error.message), at: node.spec.kindRange).help(error.help))
    }
    let value = Value(name: name, type: results[0])
    types[name] = results[0]
    body.append(Operation(results: [value], opcode: opcode, operands: operands, attributes: attrs,
                          location: node.spec.kindRange.irLocation))
    return value
  }

  private func type(of operand: Operand) -> TensorType {
    switch operand {
    case .param(let n), .value(let n): return types[n]!
    }
  }

  /// The shape of a parameter of the layer being lowered whose element count does not
  /// fit in an `Int`; the layer is then reported instead of emitted.
  var uncountable: [Int]?

  /// Types of every value and parameter so far, by name (values and parameters cannot
  /// clash: parameter names contain a dot, layer names do not).
  var types: [String: TensorType] = [:]

  /// Declares a parameter of the layer and returns it as an operand.
  private mutating func weight(
    _ node: LayerNode, _ suffix: String, _ dims: [Int], _ initializer: EntryUse, _ role: String, trainable: Bool = true
  ) -> Operand {
    let name = "\(node.name).\(suffix)"
    if checkedProduct(dims) == nil, uncountable == nil { uncountable = dims }
    checkInitializer(initializer, dims: dims, parameter: name, node: node)
    let attrs: [String: Attribute] = [
      "init": initializer.attribute, "role": .string(role), "layer": .string(node.name),
      "trainable": .bool(trainable && !frozen.contains(node.name)),
    ]
    parameters.append(Parameter(name: name, type: .fixed(dims), attributes: attrs, location: node.spec.kindRange.irLocation))
    types[name] = .fixed(dims)
    return .param(name)
  }

  private func constant(_ v: Double) -> EntryUse {
    EntryUse(entry: Catalog.entry(.initializer, v == 0 ? "zeros" : "constant")!,
             args: v == 0 ? [:] : ["value": Arg(.float(v), range: nil)])
  }

  private func ints(_ v: [Int]) -> Attribute { .list(v.map(Attribute.int)) }
  private func pair(_ v: [Int]) -> (Int, Int) { (v[0], v[1]) }

  /// Stride, dilation and padding of a conv2d; `same` and `valid` become numbers.
  private func convGeometry(_ use: EntryUse, _ node: LayerNode) -> [String: Attribute]? {
    let kernel = use.ints("kernel")!, stride = use.ints("stride")!, dilation = use.ints("dilation")!
    var padding: [Int]
    switch use.value("padding") {
    case .string("valid")?: padding = [0, 0]
    case .string("same")?:
      let span = zip(kernel, dilation).map { saturatingMultiply($0 - 1, $1) }
      guard stride == [1, 1] else {
        return diags.fail(Diagnostic(.shape(node.name, "padding 'same' needs stride 1"), at: use.range(of: "padding"))
          .help("give the padding as a number, e.g. 'padding: \(span[0] / 2)'"))
      }
      guard span.allSatisfy({ $0 % 2 == 0 }) else {
        return diags.fail(Diagnostic(.shape(node.name, "padding 'same' needs an odd kernel size"), at: use.range(of: "kernel"))
          .help("use an odd kernel such as 3 or 5"))
      }
      padding = span.map { $0 / 2 }
    default: padding = use.ints("padding")!
    }
    return ["stride": ints(stride), "padding": ints(padding), "dilation": ints(dilation)]
  }

  /// The groups of a groupnorm, or of an instancenorm (one per channel), after checking
  /// them against the input; nil after reporting why they do not fit.
  private func normGroups(_ use: EntryUse, _ sample: [Int], _ node: LayerNode) -> Int? {
    guard let channels = sample.first else { return 1 }  // the op's rule reports a sample without axes
    guard use.name == "instancenorm" else {
      let groups = use.int("groups")!
      guard channels % groups != 0 else { return groups }
      return diags.fail(Diagnostic(.shape(node.name, "\(groups) groups do not divide \(channels) channels"), at: use.range(of: "groups"))
        .help("use a number of groups that divides \(channels): \(groupChoices(channels))"))
    }
    if use.bool("track_running_stats") == true {
      return diags.fail(Diagnostic(.unsupportedOption("track_running_stats: true", "instancenorm"), at: use.range(of: "track_running_stats"))
        .help("leave it out: each sample is normalized with its own statistics in training and evaluation alike (PyTorch's default)"))
    }
    guard sample.dropFirst().reduce(1, saturatingMultiply) > 1 else {
      return diags.fail(Diagnostic(.shape(node.name, "instance normalization needs more than one position per channel, found \(text(sample))"),
                                   at: node.spec.kindRange)
        .help("use '- layernorm' or '- batchnorm' to normalize features [F]"))
    }
    return channels
  }

  /// Replaces a `-1` in a reshape target by the dimension that keeps the element count.
  private func resolveReshape(_ shape: [Int], from sample: [Int], _ node: LayerNode) -> [Int]? {
    guard let hole = shape.firstIndex(of: -1) else { return shape }
    // The input's count fits (the shape rules check every result); the target's may not.
    let total = sample.reduce(1, saturatingMultiply)
    let known = shape.filter { $0 != -1 }.reduce(1, saturatingMultiply)
    guard known > 0, known < Int.max, total % known == 0 else {
      let from = "[" + sample.map(String.init).joined(separator: ", ") + "]"
      return diags.fail(Diagnostic(.shape(node.name, "cannot reshape \(from) (\(total) elements) to a shape with \(known) elements per -1 step"),
                                   at: node.spec.use?.range(of: "shape")))
    }
    var out = shape
    out[hole] = total / known
    return out
  }
}

/// An activation whose optional parameter, when given and not 0, selects a row of its own:
/// `relu` with a `shift` is `shifted_relu`. Without it the activation keeps its plain row,
/// so every spec written before the parameter existed lowers, prints and trains as before.
public struct ActivationVariant: Sendable {
  /// The catalog parameter that selects the variant.
  public let parameter: String
  /// The pointwise row the activation lowers to with the parameter, which is its only attribute.
  public let opcode: String

  /// By catalog activation name.
  public static let all: [String: ActivationVariant] = ["relu": ActivationVariant(parameter: "shift", opcode: "shifted_relu")]

  /// The opcode and attributes of a use of activation `name` whose catalog parameters are `attrs`.
  func lowered(_ name: String, _ attrs: [String: Attribute]) -> (String, [String: Attribute]) {
    var rest = attrs
    guard let value = rest.removeValue(forKey: parameter), value.floatValue != 0 else { return (name, rest) }
    rest[parameter] = value
    return (opcode, rest)
  }
}
