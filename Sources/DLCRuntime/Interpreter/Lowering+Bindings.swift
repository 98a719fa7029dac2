import DLCIR
import DLCKernels
import DLCPasses

/// Ops a `KernelBinding` describes: every argument resolved to an address or a number at
/// this program's batch, once; the step is the closures the binding's calls return.
extension Lowering {
  /// The step of `op` when a binding describes it, else nil.
  func lowerBinding(_ op: Operation) throws(RuntimeError) -> Step? {
    guard let binding = KernelBindings.binding(for: op.opcode) else { return nil }
    let view = OpView(op: op, typeOf: typeOf)
    var steps: [Step] = []
    // One packed copy of an int8 weight per op, shared by its calls.
    var packed: [Int: Quantized.PreparedWeights] = [:]
    for call in binding.calls(view) {
      var labels = call.arguments.map(\.label), values: [ResolvedValue] = []
      for argument in call.arguments { values.append(try resolve(argument.value, op, packed: &packed)) }
      if let receiver = call.receiver {
        labels.append(KernelArguments.receiverLabel)
        values.append(try resolve(receiver, op, packed: &packed))
      }
      steps.append(
        call.bind(KernelArguments(function: call.function, labels: labels, values: values, returned: call.returns.map { out(op, $0) })))
    }
    if steps.count == 1 { return steps[0] }
    return { for step in steps { step() } }
  }

  /// An i8 weight parameter, packed (with its row sums) when its op first runs, after the
  /// checkpoint's weights were loaded.
  private func prepared(_ operand: Operand) -> Quantized.PreparedWeights {
    let dims = shape(operand)
    return Quantized.PreparedWeights(raw(operand).assumingMemoryBound(to: Int8.self), rows: dims.first ?? 0,
                                     columns: dims.dropFirst().reduce(1, *))
  }

  /// `value` at this batch, with this program's addresses.
  private func resolve(
    _ value: KernelValue, _ op: Operation, packed: inout [Int: Quantized.PreparedWeights]
  ) throws(RuntimeError) -> ResolvedValue {
    switch value {
    case .operand(let i): return .pointer(raw(op.operands[i]), typeOf(op.operands[i]).element)
    case .optionalOperand(let i):
      return i < op.operands.count ? .pointer(raw(op.operands[i]), typeOf(op.operands[i]).element) : .pointer(nil, .f32)
    case .result(let i): return .pointer(raw(.value(op.results[i].name)), op.results[i].type.element)
    case .none: return .pointer(nil, .f32)
    case .scratch(let offset, let element):
      let base = arena + (plan.scratchOffsets[opIndex] ?? 0)
      let bytes = (offset?.value(batch: batch) ?? 0) * (element == .f32 ? 4 : 1)
      return .pointer(base + bytes, element)
    case .size(let extent): return .int(extent.value(batch: batch))
    case .int(let v): return .int(v)
    case .float(let v): return .float(v)
    case .double(let v): return .double(v)
    case .bool(let v): return .bool(v)
    case .stream(let step):
      let id = OpAttributes(op).int("stream")
      return .stream(RandomStreamSource(seed: options.seed, id: UInt64(id), step: i64(op.operands[step])))
    case .scalarOperand(let i, _): return .pointer(raw(op.operands[i]), typeOf(op.operands[i]).element)
    case .segments(let parts):
      return .segments(parts.map { (UnsafePointer(f(op.operands[$0.operand])), $0.size.value(batch: batch)) })
    case .floats(.constant(_, let values)), .pinnedFloats(_, let values): return .floats(values)
    case .floats(.balancedClassWeights(let classes)):
      guard let balanced = options.balancedClassWeights, balanced.count == classes else {
        throw RuntimeError("'class_weights: balanced' needs the class counts of the training split")
      }
      return .floats(balanced)
    case .record(let record): return .record(record.resolved(batch: batch))
    case .affine(let scale, let zeroPoint, _):
      let attributes = OpAttributes(op)
      return .affine(AffineQuantization(scale: attributes.float(scale), zeroPoint: Int32(attributes.int(zeroPoint))))
    case .prepared(let i, let part):
      let weights = packed[i] ?? prepared(op.operands[i])
      packed[i] = weights
      switch part {
      case .object: return .prepared(weights)
      case .packed: return .pointer(UnsafeMutableRawPointer(weights.packed), .i8)
      case .rowSums: return .pointer(UnsafeMutableRawPointer(weights.rowSums), .i32)
      }
    }
  }
}
