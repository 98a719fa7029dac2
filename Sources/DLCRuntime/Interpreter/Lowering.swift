import DLCIR
import DLCKernels
import DLCPasses

/// Turns one op into a closure that calls its kernel, with every pointer and size
/// resolved. Ops a kernel binding describes go through `Lowering+Bindings.swift`; the
/// activations and optimizer updates still have their own files until they move onto
/// bindings. This file holds the dispatch and the address helpers.
struct Lowering {
  typealias Step = () -> Void
  typealias F = UnsafeMutablePointer<Float>

  let function: Function
  let batch: Int
  let arena: UnsafeMutableRawPointer
  let plan: MemoryPlan
  let parameters: ParameterStore
  let options: Program.Options
  /// The index of the op being lowered (for its scratch space).
  var opIndex = 0
  /// The IR type of an operand of this function.
  let typeOf: (Operand) -> TensorType

  init(
    module: Module, function: Function, batch: Int, arena: UnsafeMutableRawPointer, plan: MemoryPlan,
    parameters: ParameterStore, options: Program.Options
  ) {
    self.function = function
    self.batch = batch
    self.arena = arena
    self.plan = plan
    self.parameters = parameters
    self.options = options
    typeOf = Self.typeLookup(module: module, function: function)
  }

  /// The type lookup for `function` in `module`, for static helpers.
  static func typeLookup(module: Module, function: Function) -> (Operand) -> TensorType {
    let values = module.valueTypes(in: function)
    let params = Dictionary(module.parameters.map { ($0.name, $0.type) }, uniquingKeysWith: { a, _ in a })
    return { operand in
      switch operand {
      case .param(let name): return params[name]!
      case .value(let name): return values[name]!
      }
    }
  }

  /// The closure for `op`.
  func lower(_ op: Operation) throws(RuntimeError) -> Step {
    if let step = try lowerBinding(op) { return step }
    throw RuntimeError("the interpreter has no kernel for '\(op.opcode)' (\(op.label))")
  }

  // MARK: addresses and shapes

  /// The full shape of `operand` at this batch size.
  func shape(_ operand: Operand) -> [Int] {
    switch operand {
    case .param: return typeOf(operand).fixedShape ?? []
    case .value: return Self.resolve(typeOf(operand), batch: batch)
    }
  }

  /// The element count of `operand` at this batch size.
  func count(_ operand: Operand) -> Int { shape(operand).reduce(1, *) }

  /// The full shape of result `i` of `op`.
  func resultShape(_ op: Operation, _ i: Int = 0) -> [Int] { Self.resolve(op.results[i].type, batch: batch) }

  static func resolve(_ type: TensorType, batch: Int) -> [Int] {
    type.dims.map { if case .fixed(let n) = $0 { return n } else { return batch } }
  }

  /// A raw address of `operand`: a parameter's buffer or the value's place in the arena.
  func raw(_ operand: Operand) -> UnsafeMutableRawPointer {
    switch operand {
    case .param(let name): return UnsafeMutableRawPointer(parameters.pointer(name)!)
    case .value(let name): return arena + plan.offsets[name]!
    }
  }

  /// `operand` as Float32.
  func f(_ operand: Operand) -> F { raw(operand).assumingMemoryBound(to: Float.self) }

  /// `operand` as Int64 (the optimizer step).
  func i64(_ operand: Operand) -> UnsafeMutablePointer<Int64> { raw(operand).assumingMemoryBound(to: Int64.self) }

  /// Result `i` of `op` as Float32.
  func out(_ op: Operation, _ i: Int = 0) -> F { f(.value(op.results[i].name)) }
}
