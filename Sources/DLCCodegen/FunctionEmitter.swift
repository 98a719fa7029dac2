import DLCIR
import DLCKernels
import DLCPasses

/// Writes the straight-line body of one emitted method (`trainStep`, `predict`, `loss`):
/// for each step of a fused function, the pointers it defines, then its kernel call or
/// fused loop, in blocks headed by the layer and the spec line they come from.
///
/// Each op becomes the kernel call the interpreter's `Lowering` makes for it, with the
/// same arguments: printed from the op's kernel binding (`FunctionEmitter+Bindings.swift`),
/// or, for the activations and optimizer updates, from their own cases. Sizes are literals
/// except `n`, the batch of the call.
struct FunctionEmitter {
  let context: EmitContext
  let fused: FusedFunction
  /// Values that are Swift arguments of the method rather than arena slots.
  let direct: Set<String>
  var text = SwiftText()
  /// Values (and streams, shapes) this method has declared a local for.
  private var declared: Set<String> = []
  /// Shape literals already bound to a local, by their text.
  private var shapeLocals: [String: String] = [:]
  /// The index of the step being written (for its scratch offset).
  private var stepIndex = 0

  init(context: EmitContext, fused: FusedFunction, direct: Set<String>, depth: Int) {
    self.context = context
    self.fused = fused
    self.direct = direct
    text.depth = depth
  }

  /// Writes `steps` in blocks of consecutive steps from one spec location.
  mutating func emit(_ steps: ArraySlice<FusedFunction.Step>) throws(CodegenError) {
    var previous: IRLocation?? = .none
    for (index, step) in zip(steps.indices, steps) {
      stepIndex = index
      switch step {
      case .op(let op):
        if previous != .some(op.location) {
          header(op)
          previous = .some(op.location)
        }
        try emit(op)
      case .fused(let group):
        text.line()
        let layers = group.ops.map { context.layer(at: $0.location, fallback: $0.results[0].name) }
        var seen: [String] = []
        for l in layers where !seen.contains(l) { seen.append(l) }
        let sources = group.ops.compactMap(\.location).map { context.source($0) }
        var uniqueSources: [String] = []
        for s in sources where !uniqueSources.contains(s) { uniqueSources.append(s) }
        let values = group.ops.map { context.name($0.results[0].name) }
        let backward = group.ops.contains { $0.opcode.hasSuffix("_grad") }
        var title = seen.joined(separator: " → ") + (backward ? ", backward" : "") + ": one loop"
        if values != seen { title += " for " + values.joined(separator: " → ") }
        text.comment(title)
        for s in uniqueSources { text.comment("  " + s) }
        try emitFused(group)
        previous = .none
      }
    }
  }

  /// `// dense_1 (specs/x.yaml:16: - dense: 256)`, backward blocks marked as such.
  private mutating func header(_ op: Operation) {
    let fallback = op.results.first?.name ?? op.operands.first?.name ?? op.opcode
    let layer = context.layer(at: op.location, fallback: fallback)
    let backward = op.opcode.hasSuffix("_grad") || op.opcode.hasSuffix("_update") || op.opcode == "slice"
      || (op.results.first?.name.contains(".grad") ?? false)
    text.line()
    text.comment("\(layer)\(backward ? ", backward" : "") (\(context.source(op.location)))")
  }

  // MARK: values

  /// The local holding value `name` (declaring it from the arena on first use): a
  /// pointer, or the Swift argument for the learning rate and the step.
  mutating func value(_ name: String) -> String {
    let swiftName = context.name(name)
    if direct.contains(name) || declared.contains(name) { return swiftName }
    declared.insert(name)
    guard let offset = fused.plan.offsets[name], let type = fused.types[name] else {
      return swiftName
    }
    text.line("let \(swiftName) = arena.\(ModelClass.accessor(type.element).name)(\(SwiftName.int(offset)))")
    return swiftName
  }

  /// A pointer argument for `operand`: a parameter (`p.dense_1_weight`) or a value.
  mutating func pointer(_ operand: Operand) -> String {
    switch operand {
    case .param(let name): return context.parameter(name)
    case .value(let name): return value(name)
    }
  }

  /// Operand `i` of `op` as a pointer argument.
  mutating func operand(_ op: Operation, _ i: Int) -> String { pointer(op.operands[i]) }

  /// Operand `i` of `op` when present, else `nil`.
  mutating func optional(_ op: Operation, _ i: Int) -> String { i < op.operands.count ? operand(op, i) : "nil" }

  /// Result `i` of `op`, declared.
  mutating func result(_ op: Operation, _ i: Int = 0) -> String { value(op.results[i].name) }

  /// This op's scratch space in the arena.
  func scratch(_ accessor: String = "f32") -> String {
    "arena.\(accessor)(\(SwiftName.int(fused.plan.scratchOffsets[stepIndex] ?? 0)))"
  }

  /// True the first time it is asked for `key` in this method (declare-once locals).
  mutating func firstTime(_ key: String) -> Bool { declared.insert(key).inserted }

  /// Records that the method has a local named after value `name` (a scalar loss).
  mutating func declareLocal(_ name: String) -> String {
    declared.insert(name)
    return context.name(name)
  }

  /// A random stream local for the op's `stream` attribute at this step (declared once).
  mutating func stream(_ op: Operation) -> String {
    let id = OpAttributes(op).int("stream")
    let name = "stream\(id)"
    if firstTime("#" + name) {
      text.line("let \(name) = RandomStream(seed: seed, purpose: .dropout, id: \(id), step: UInt64(bitPattern: step))")
    }
    return name
  }

  /// A local bound to a shape literal (`let conv_1_shape = Conv2DShape(…)`), reused when equal.
  mutating func shapeLocal(_ base: String, _ type: String, _ fields: [(String, String)]) -> String {
    let literal = type + "(" + fields.map { "\($0.0): \($0.1)" }.joined(separator: ", ") + ")"
    if let name = shapeLocals[literal] { return name }
    var name = SwiftName.identifier(base) + "_shape", k = 2
    while shapeLocals.values.contains(name) {
      name = SwiftName.identifier(base) + "_shape_\(k)"
      k += 1
    }
    shapeLocals[literal] = name
    text.call(type, fields.map { "\($0.0): \($0.1)" }, prefix: "let \(name) = ")
    return name
  }

  // MARK: shapes

  /// The dims of `operand` (the batch dimension is `n`).
  func dims(_ operand: Operand) -> [Extent] {
    switch operand {
    case .param(let name): return Extent.dims(of: context.parameterTypes[name]!)
    case .value(let name): return Extent.dims(of: fused.types[name]!)
    }
  }

  /// The element count of `operand`.
  func count(_ operand: Operand) -> Extent { Extent.product(dims(operand)) }

  /// The dims of result `i` of `op`.
  func resultDims(_ op: Operation, _ i: Int = 0) -> [Extent] { Extent.dims(of: op.results[i].type) }

  // MARK: dispatch

  /// The kernel call of `op`.
  mutating func emit(_ op: Operation) throws(CodegenError) {
    if try emitBinding(op) { return }
    throw CodegenError("the emitter has no kernel for '\(op.opcode)' (\(op.label))")
  }
}

/// An IR construct the emitter cannot turn into Swift.
public struct CodegenError: Error, Sendable, CustomStringConvertible {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}
