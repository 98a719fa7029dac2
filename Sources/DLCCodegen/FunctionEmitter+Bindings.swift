import DLCIR
import DLCPasses

/// Ops a `KernelBinding` describes, printed as the calls the interpreter makes: the
/// pointers an argument names are declared first (shape structs as reusable locals), then
/// each call with its arguments in the binding's order.
extension FunctionEmitter {
  /// Writes the calls of `op` when a binding describes it; false otherwise.
  mutating func emitBinding(_ op: Operation) throws(CodegenError) -> Bool {
    guard let binding = KernelBindings.binding(for: op.opcode) else { return false }
    for call in binding.calls(view(op)) {
      var records: [String: String] = [:]
      for argument in call.arguments {
        guard case .record(let record) = argument.value else { continue }
        records[argument.label] = recordLocal(record, op)
      }
      var arguments: [String] = []
      // A Float array is passed from inside `array.withUnsafeBufferPointer { w in … }`.
      var array: String?
      for argument in call.arguments {
        var value: String
        if case .floats(let values) = argument.value {
          array = try floatArray(values)
          value = "w.baseAddress"
        } else {
          value = code(argument.value, op, records: records, label: argument.label)
        }
        arguments.append(argument.labelled ? "\(argument.label): \(value)" : value)
      }
      if let comment = call.comment { text.comment(comment) }
      let prefix = call.returns.map { "let \(declareLocal(op.results[$0].name)) = " } ?? ""
      let function = call.receiver.map { code($0, op, records: records) + "." + call.function } ?? call.function
      if let array {
        text.block(prefix + array + ".withUnsafeBufferPointer { w in") { $0.call(function, arguments) }
      } else {
        text.call(function, arguments, prefix: prefix)
      }
    }
    return true
  }

  /// What a binding sees of `op`: its types are this method's.
  func view(_ op: Operation) -> OpView {
    let (context, fused) = (context, fused)
    return OpView(op: op) { operand in
      switch operand {
      case .param(let name): return context.parameterTypes[name]!
      case .value(let name): return fused.types[name]!
      }
    }
  }

  /// A local bound to a shape struct (`let conv_1_shape = Conv2DShape(…)`), reused when equal.
  mutating func recordLocal(_ record: KernelRecord, _ op: Operation) -> String {
    let fields = record.fields.map { ($0.label, code($0.value, op, records: [:])) }
    return shapeLocal(layerName(op) + record.suffix, record.type, fields)
  }

  /// The layer an op belongs to, for naming its shape locals.
  func layerName(_ op: Operation) -> String {
    context.layer(at: op.location, fallback: op.results.first?.name ?? op.opcode)
  }

  /// The Swift name of a Float array: a class constant, or the balanced class weights the
  /// training loop set (checked once per method).
  private mutating func floatArray(_ array: KernelValue.FloatArray) throws(CodegenError) -> String {
    switch array {
    case .constant(let name, let values): return context.constant(name, values)
    case .balancedClassWeights(let classes):
      if firstTime("#balanced") {
        text.block("guard let balanced = balancedClassWeights, balanced.count == \(classes) else {") {
          $0.line("throw TrainingError(\"'class_weights: balanced' needs the class counts of the training split\")")
        }
      }
      return "balanced"
    }
  }

  /// The Swift text of an argument of `op`.
  private mutating func code(_ value: KernelValue, _ op: Operation, records: [String: String], label: String = "") -> String {
    switch value {
    case .operand(let i): return operand(op, i)
    case .optionalOperand(let i): return optional(op, i)
    case .result(let i): return result(op, i)
    case .none: return "nil"
    case .scratch(let offset, let element):
      let base = scratch(ModelClass.accessor(element).name)
      guard let offset else { return base }
      return base + " + " + offset.code
    case .size(let extent): return extent.code
    case .int(let v): return String(v)
    case .float(let v): return SwiftName.float(v)
    case .double(let v): return Self.doubleCode(v)
    case .bool(let v): return String(v)
    case .stream: return stream(op)
    case .scalarOperand(let i, let kind):
      // The learning rate and the step are arguments of the emitted method, not pointers.
      let name = operand(op, i)
      let scalar = direct.contains(op.operands[i].name) ? name : name + ".pointee"
      return kind == .int ? "Int(\(scalar))" : scalar
    case .record:
      return records[label]!
    case .affine(let scale, let zeroPoint, let role):
      return context.activationRange(op.results[0].name, opcode: op.opcode, scale, zeroPoint, role: role)
    case .prepared(let i, let part):
      // The packed weights are a property of the model class, packed on first use.
      guard case .param(let name) = op.operands[i] else { return operand(op, i) }
      let w = dims(op.operands[i])
      let property = context.prepared(name, rows: w[0].factor, columns: w.dropFirst().reduce(1) { $0 * $1.factor })
      return part == .object ? property : property + "." + part.rawValue
    case .floats: preconditionFailure("a Float array is passed through its buffer pointer")
    case .pinnedFloats(let name, let values): return context.constant(name, values)
    case .segments(let parts):
      return "[" + parts.map { "(UnsafePointer(\(operand(op, $0.operand))), \($0.size.code))" }.joined(separator: ", ") + "]"
    }
  }

  /// A Double literal at full precision (optimizer hyperparameters).
  static func doubleCode(_ value: Double) -> String {
    if value.isNaN { return "Double.nan" }
    if value.isInfinite { return value < 0 ? "-Double.infinity" : "Double.infinity" }
    let text = "\(value)"
    return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
  }
}

extension Extent {
  /// The size as emitted code: `256`, `n`, `n * 256`.
  var code: String {
    guard batched else { return SwiftName.int(factor) }
    return factor == 1 ? "n" : "n * \(SwiftName.int(factor))"
  }
}

/// The binding's size type, visible to every emitter file.
typealias Extent = DLCPasses.Extent
