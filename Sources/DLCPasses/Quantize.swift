import DLCIR
import DLCKernels

/// Post-training quantization of dense and conv2d (the affine scheme of Jacob et al. 2018,
/// `DLCKernels/Quantized.swift`): int8 weights per output channel, symmetric, and
///
/// - `activations: int8` (static): each layer's input range is calibrated on training
///   batches (min-max or a percentile of |x|), the input is quantized to u8 once, and
///   when a layer's only reader is a ReLU whose readers are all quantized layers, the
///   layer writes u8 for them directly, the ReLU fused into the requantization;
/// - `activations: dynamic`: dense layers measure their input's range per batch (as
///   PyTorch's dynamic quantization, which also leaves convolutions in float);
/// - `weights: fp16`: weights stored as f16, products in f32.
///
/// Dropout is the identity at inference and is removed first, so it does not break a
/// chain of quantized layers. Every layer quantized or left in float gets a remark.
///
/// Before (int8, static):
/// ```
/// %dense_1 = dense(%input, @dense_1.weight, @dense_1.bias) : tensor<Nx512xf32>
/// %relu_1 = relu(%dense_1) : tensor<Nx512xf32>
/// %dense_2 = dense(%relu_1, @dense_2.weight, @dense_2.bias) : tensor<Nx10xf32>
/// ```
/// After:
/// ```
/// %input.q = quantize(%input) {scale = 0.0235, zero_point = 128} : tensor<Nx784xu8>
/// %relu_1 = dense_int8(%input.q, @dense_1.weight, @dense_1.weight_scale, @dense_1.bias)
///           {relu = true, x_scale = 0.0235, x_zero_point = 128, y_scale = 0.031, y_zero_point = 0} : tensor<Nx512xu8>
/// %dense_2 = dense_int8(%relu_1, @dense_2.weight, @dense_2.weight_scale, @dense_2.bias)
///           {x_scale = 0.031, x_zero_point = 0} : tensor<Nx10xf32>
/// ```
public struct Quantize: ModelPass {
  public enum Weights8: String, Sendable { case int8, fp16 }
  public enum Activations: String, Sendable { case int8, dynamic, float }
  public enum Calibration: Sendable, Equatable {
    case minMax
    case percentile(Double)
  }

  public let name = "quantize"
  public let summary = "int8 or fp16 weights for dense and conv2d; int8 activations, static or dynamic"
  public var weights: Weights8
  public var activations: Activations
  public var calibration: Calibration
  public var calibrationBatches: Int

  public init(weights: Weights8 = .int8, activations: Activations = .int8, calibration: Calibration = .minMax, calibrationBatches: Int = 8) {
    self.weights = weights
    self.activations = activations
    self.calibration = calibration
    self.calibrationBatches = calibrationBatches
  }

  /// The pass with the options of the spec's `quantize:` entry.
  public init(options: [String: Attribute]) throws(PassError) {
    // Every option is given: Sema (and `dlc optimize --passes`) write the catalog's
    // defaults, including activations that follow fp16 weights.
    let o = EntryOptions(pass: "quantize", options)
    guard let w = Weights8(rawValue: try o.string("weights")), let a = Activations(rawValue: try o.string("activations")) else {
      throw PassError("quantize: unknown 'weights' or 'activations' option")
    }
    guard (w == .fp16) == (a == .float) else {
      throw PassError("quantize: fp16 weights go with float activations, int8 weights with int8 or dynamic activations")
    }
    let method = try o.string("calibration")
    let calibration: Calibration = method == "percentile" ? .percentile(try o.double("percentile")) : .minMax
    self.init(weights: w, activations: a, calibration: calibration, calibrationBatches: max(1, try o.int("calibration_batches")))
  }

  public func run(on module: inout Module, context: PassContext) throws {
    let f = try module.deployedPredictIndex(for: "quantize", help: "quantize after training")
    removeDropout(&module, f, context)
    let layers = candidates(module, f, context)
    guard !layers.isEmpty else {
      context.remark(name, "no dense or conv2d with f32 weights to quantize")
      return
    }
    switch (weights, activations) {
    case (.fp16, _): try toHalf(layers, &module, f, context)
    case (.int8, .dynamic): try dynamic(layers, &module, f, context)
    default: try staticInt8(layers, &module, f, context)
    }
  }

  // MARK: steps

  /// Drops dropout ops: the identity at inference.
  func removeDropout(_ module: inout Module, _ f: Int, _ context: PassContext) {
    while let i = module.functions[f].body.firstIndex(where: { $0.opcode == "dropout" }) {
      let op = module.functions[f].body.remove(at: i)
      guard case .value(let x) = op.operands[0] else { continue }
      module.functions[f].replaceUses(of: op.results[0].name, with: x)
      context.remark(name, "removed '\(op.results[0].name)': dropout is the identity at inference", at: op.location)
    }
  }

  /// The dense and conv2d ops whose weights can be quantized, by result name.
  func candidates(_ module: Module, _ f: Int, _ context: PassContext) -> Set<String> {
    var out = Set<String>()
    for op in module.functions[f].body where op.opcode == "dense" || op.opcode == "conv2d" {
      let layer = op.results[0].name
      guard case .param(let w) = op.operands[1], let p = module.parameter(named: w), p.type.element == .f32 else {
        context.remark(name, "kept '\(layer)' in float: its weight is not an f32 parameter", at: op.location)
        continue
      }
      guard module.parameterUses(w) == 1 else {
        context.remark(name, "kept '\(layer)' in float: its weight is shared with another op", at: op.location)
        continue
      }
      if activations == .dynamic, op.opcode == "conv2d" {
        context.remark(name, "kept '\(layer)' in float: dynamic quantization covers dense layers (as PyTorch's)", at: op.location)
        continue
      }
      out.insert(layer)
    }
    return out
  }

  /// fp16 weights: the parameter becomes f16, the op `dense_f16` / `conv2d_f16`.
  func toHalf(_ layers: Set<String>, _ module: inout Module, _ f: Int, _ context: PassContext) throws {
    for i in module.functions[f].body.indices where layers.contains(module.functions[f].body[i].results.first?.name ?? "") {
      var op = module.functions[f].body[i]
      let w = op.operands[1].name
      try retype(w, to: .f16, in: &module)
      if var values = context.weights {
        let floats = try values.floats(w)
        values[w] = Weights.Tensor(shape: values[w]!.shape, storage: .f16(floats.map { Float16($0).bitPattern }))
        context.weights = values
      }
      op.opcode = op.opcode == "dense" ? "dense_f16" : "conv2d_f16"
      module.functions[f].body[i] = op
      context.remark(name, "'\(op.results[0].name)': f16 weights", at: op.location)
    }
  }

  /// int8 weights, activations quantized per batch inside `dense_dynamic_int8`.
  func dynamic(_ layers: Set<String>, _ module: inout Module, _ f: Int, _ context: PassContext) throws {
    for i in module.functions[f].body.indices where layers.contains(module.functions[f].body[i].results.first?.name ?? "") {
      var op = module.functions[f].body[i]
      let scale = try quantizeWeight(op, &module, context)
      op.opcode = "dense_dynamic_int8"
      op.operands.insert(.param(scale), at: 2)
      module.functions[f].body[i] = op
      context.remark(name, "'\(op.results[0].name)': int8 weights per channel, input range per batch", at: op.location)
    }
  }

  /// int8 weights and calibrated u8 activations, chained where a ReLU allows it.
  func staticInt8(_ layers: Set<String>, _ module: inout Module, _ f: Int, _ context: PassContext) throws {
    let original = module
    let body = module.functions[f].body
    let uses = module.functions[f].useCounts()
    let readers: (String) -> [Operation] = { v in body.filter { $0.operands.contains(.value(v)) } }

    // 1. Which layers write u8 for the next ones: a sole ReLU reader whose readers are
    //    all quantized layers taking it as their input.
    var fusedRelu: [String: String] = [:]  // layer → its relu's result
    for layer in layers {
      let r = readers(layer)
      guard uses[layer] == 1, r.count == 1, r[0].opcode == "relu" else { continue }
      let relu = r[0].results[0].name
      let next = readers(relu)
      guard !next.isEmpty, uses[relu] == next.count,
            next.allSatisfy({ layers.contains($0.results[0].name) && $0.operands[0] == .value(relu) }) else { continue }
      fusedRelu[layer] = relu
    }
    let u8Values = Set(fusedRelu.values)

    // 2. Calibration: the float inputs to quantize and the fused outputs.
    var observed: [String] = []
    for op in body where layers.contains(op.results[0].name) {
      if case .value(let x) = op.operands[0], !u8Values.contains(x), !observed.contains(x) { observed.append(x) }
    }
    for layer in layers.sorted() { if let relu = fusedRelu[layer] { observed.append(relu) } }
    let ranges = try calibrate(observed, original, context)

    // 3. The rewrite, in order.
    var out: [Operation] = []
    var quantizedInputs: [String: String] = [:]  // float value → its u8 copy
    for op in body {
      let layer = op.results.first?.name ?? ""
      if u8Values.contains(layer) { continue }  // a fused ReLU
      guard layers.contains(layer), case .value(let x) = op.operands[0] else {
        out.append(op)
        continue
      }
      var input = x
      let inQ: AffineQuantization
      if u8Values.contains(x) {
        inQ = ranges[x]!
      } else {
        inQ = ranges[x]!
        if let q = quantizedInputs[x] {
          input = q
        } else {
          input = fresh(x + ".q", module, out)
          quantizedInputs[x] = input
          var type = original.valueTypes(in: original.functions[f])[x]!
          type.element = .u8
          out.append(Operation(results: [Value(name: input, type: type)], opcode: "quantize", operands: [.value(x)],
                               attributes: affine(inQ, "scale", "zero_point"), location: op.location))
        }
      }
      var q = op
      q.opcode = op.opcode == "dense" ? "dense_int8" : "conv2d_int8"
      q.operands[0] = .value(input)
      q.operands.insert(.param(try quantizeWeight(op, &module, context)), at: 2)
      q.attributes.merge(affine(inQ, "x_scale", "x_zero_point")) { _, new in new }
      var note = "int8 weights per channel, input "
        + (context.weights == nil ? "range from calibration" : "scale \(IRFormat.float(Double(inQ.scale))) zero point \(inQ.zeroPoint)")
      if let relu = fusedRelu[layer] {
        let outQ = ranges[relu]!
        q.attributes.merge(affine(outQ, "y_scale", "y_zero_point")) { _, new in new }
        q.attributes["relu"] = .bool(true)
        q.results = [Value(name: relu, type: TensorType(dims: op.results[0].type.dims, element: .u8))]
        note += "; writes u8 for the next layer, '\(relu)' fused"
      }
      out.append(q)
      context.remark(name, "'\(layer)': " + note, at: op.location)
    }
    module.functions[f].body = out
  }

  // MARK: helpers

  /// Quantizes weight operand 1 of `op` in place (i8) and adds its `<weight>_scale`
  /// parameter (f32 per output channel); returns the scale's name.
  func quantizeWeight(_ op: Operation, _ module: inout Module, _ context: PassContext) throws -> String {
    let w = op.operands[1].name
    guard let index = module.parameterIndex(w), let shape = module.parameters[index].type.fixedShape, let rows = shape.first else {
      throw PassError("parameter '@\(w)' has no fixed shape", at: op.location)
    }
    try retype(w, to: .i8, in: &module)
    var scaleName = w + "_scale"
    while module.parameter(named: scaleName) != nil { scaleName += "_" }
    var attributes = module.parameters[index].attributes
    attributes["role"] = .string("weight_scale")
    attributes["trainable"] = .bool(false)
    attributes["init"] = .dict(["kind": .string("constant"), "value": .float(1)])
    module.parameters.insert(Parameter(name: scaleName, type: TensorType(shape: [rows]), attributes: attributes,
                                       location: module.parameters[index].location), at: index + 1)
    if var values = context.weights {
      let floats = try values.floats(w)
      let columns = floats.count / max(rows, 1)
      var q = [Int8](repeating: 0, count: floats.count), scales = [Float](repeating: 1, count: rows)
      var sums = [Int32](repeating: 0, count: rows)
      floats.withUnsafeBufferPointer { src in
        q.withUnsafeMutableBufferPointer { dst in
          Quantized.quantizeWeightsPerChannel(src.baseAddress!, rows: rows, columns: columns, q: dst.baseAddress!,
                                              scales: &scales, rowSums: &sums)
        }
      }
      values[w] = Weights.Tensor(shape: shape, storage: .i8(q))
      values[scaleName] = Weights.Tensor(shape: [rows], floats: scales)
      context.weights = values
    }
    return scaleName
  }

  /// Sets parameter `name`'s element type; it is no longer trained.
  func retype(_ name: String, to element: ElementType, in module: inout Module) throws {
    guard let i = module.parameterIndex(name) else { throw PassError("no parameter '@\(name)'") }
    module.parameters[i].type.element = element
    module.parameters[i].attributes["trainable"] = .bool(false)
  }

  /// The u8 parameters of each value in `values`, from calibration on training batches
  /// (without weights, placeholders that keep the IR's shape: scale 1, zero point 0).
  func calibrate(_ values: [String], _ module: Module, _ context: PassContext) throws -> [String: AffineQuantization] {
    guard let weights = context.weights else {
      return Dictionary(uniqueKeysWithValues: values.map { ($0, AffineQuantization(scale: 1, zeroPoint: 0)) })
    }
    guard let observe = context.observeActivations else {
      throw PassError("quantize needs training batches to calibrate activation ranges, and none were given",
                      help: "use 'activations: dynamic', which needs no calibration")
    }
    var minMax: [String: MinMaxObserver] = [:]
    var percentiles: [String: PercentileObserver] = [:]
    try observe(module, weights, values, calibrationBatches) { value, batch in
      guard let base = batch.baseAddress else { return }
      switch calibration {
      case .minMax: minMax[value, default: MinMaxObserver()].observe(base, count: batch.count)
      case .percentile(let p): percentiles[value, default: PercentileObserver(percentile: p)].observe(base, count: batch.count)
      }
    }
    var out: [String: AffineQuantization] = [:]
    for v in values {
      let range = calibration == .minMax ? minMax[v]?.range : percentiles[v]?.range
      guard let range else { throw PassError("calibration saw no values of '\(v)'") }
      out[v] = AffineQuantization(min: range.min, max: range.max)
    }
    return out
  }

  func affine(_ q: AffineQuantization, _ scale: String, _ zeroPoint: String) -> [String: Attribute] {
    [scale: .float(Double(q.scale)), zeroPoint: .int(Int(q.zeroPoint))]
  }

  /// `base`, or `base_2`, … so that no value of the module or of `body` has the name.
  func fresh(_ base: String, _ module: Module, _ body: [Operation]) -> String {
    let taken = Set(module.functions.flatMap { f in f.arguments.map(\.name) + f.body.flatMap { $0.results.map(\.name) } }
                    + body.flatMap { $0.results.map(\.name) })
    var name = base, k = 2
    while taken.contains(name) { name = "\(base)_\(k)"; k += 1 }
    return name
  }
}
