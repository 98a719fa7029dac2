import DLCIR
import DLCKernels

// How an op reaches its kernel, described once for both backends.
//
// A `KernelBinding` turns one IR op into the kernel calls that run it: for each call the
// kernel function's name as Swift spells it (`DenseKernel.forward`), its labelled
// arguments as typed `KernelValue`s (an operand's pointer, a size as an `Extent`, a
// literal, the op's random stream, a shape struct built from fields …), and a `bind`
// closure that receives the arguments resolved to machine values and returns the call.
//
// - The interpreter (`DLCRuntime`, `Lowering+Bindings.swift`) resolves every argument once
//   when a program is built (pointers into the arena and parameter store, sizes at the
//   program's batch) and keeps the closure `bind` returns: a training step is a loop over
//   those closures, with no lookups and no allocation.
// - The emitter (`DLCCodegen`, `FunctionEmitter+Bindings.swift`) prints the same calls as
//   Swift: `DenseKernel.forward(x: dense_1, weight: p.dense_1_weight, …, rows: n * 4, …)`.
//
// So the two backends cannot disagree on which kernel an op calls or with which
// arguments: the description is the only place that says it.
//
// Adding a binding:
// 1. In the family's file (`Bindings+Linear.swift`, …) write a function
//    `(OpView) -> [KernelCall]`. Read shapes through the view (`view.dims(0)`,
//    `view.count(0)`, `view.resultDims()` – sizes are `Extent`s, so they stay symbolic in
//    the batch) and attributes through `view.attributes` (typed, no fallbacks: the schema
//    makes them required).
// 2. List the kernel's arguments in the kernel's parameter order with the labels the
//    kernel declares; `bind` reads them back by label (`a.f32("x")`, `a.int("rows")`,
//    `a.stream("stream")`) and returns `{ Kernel.call(…) }`. Read everything before the
//    closure, so the step only calls the kernel.
// 3. Add the opcode to the family's table and the family to `KernelBindings.all`. If the
//    kernel needs scratch space, give the binding a `scratchBytes` rule; the memory plans
//    of both backends take it from there.
// Nothing in `Lowering` or `FunctionEmitter` changes for an op a binding describes.

/// What a binding sees of an op: the op, its attributes, and its sizes as `Extent`s.
public struct OpView {
  /// The op.
  public let op: Operation
  /// The op's attributes, read typed.
  public let attributes: OpAttributes
  private let typeOf: (Operand) -> TensorType

  public init(op: Operation, typeOf: @escaping (Operand) -> TensorType) {
    self.op = op
    self.attributes = OpAttributes(op)
    self.typeOf = typeOf
  }

  /// The number of operands.
  public var operandCount: Int { op.operands.count }

  /// Whether operand `i` is present (optional operands come last).
  public func has(_ i: Int) -> Bool { i < op.operands.count }

  /// The IR type of operand `i`.
  public func type(_ i: Int) -> TensorType { typeOf(op.operands[i]) }

  /// The dims of operand `i` (the batch dimension is `.batch`).
  public func dims(_ i: Int) -> [Extent] { Extent.dims(of: type(i)) }

  /// The element count of operand `i`.
  public func count(_ i: Int) -> Extent { Extent.product(dims(i)) }

  /// The dims of result `i`.
  public func resultDims(_ i: Int = 0) -> [Extent] { Extent.dims(of: op.results[i].type) }
}

/// One argument of a kernel call: the kernel's label and what is passed.
public struct KernelArgument {
  /// The parameter label; also the name `bind` reads the resolved value by.
  public var label: String
  /// Whether the call writes the label (`to: y`) or passes the value unlabelled (`x`).
  public var labelled: Bool
  /// What is passed.
  public var value: KernelValue

  public init(_ label: String, _ value: KernelValue, labelled: Bool = true) {
    self.label = label
    self.value = value
    self.labelled = labelled
  }
}

/// What a kernel argument passes, in terms both backends understand.
public indirect enum KernelValue {
  /// A pointer to operand `i` (its element type is the operand's).
  case operand(Int)
  /// A pointer to operand `i`, or `nil` when the op has no operand `i`.
  case optionalOperand(Int)
  /// A pointer to result `i`.
  case result(Int)
  /// `nil`.
  case none
  /// This op's scratch space, `offset` elements in (the scratch as Float32, or as bytes).
  case scratch(offset: Extent?, element: ElementType)
  /// A size.
  case size(Extent)
  /// Literals.
  case int(Int), float(Float), double(Double), bool(Bool)
  /// The op's random stream (its `stream` attribute) at the optimizer step read from
  /// operand `step` when the call runs.
  case stream(step: Int)
  /// A scalar operand read when the call runs (the learning rate, the step), as a Float
  /// or an Int.
  case scalarOperand(Int, as: ScalarKind)
  /// A kernel shape struct (`Conv2DShape`, `Pool2DShape`, `AttentionShape`) built from
  /// fields. The emitter binds it to a local named after the layer plus `suffix`.
  case record(KernelRecord)
  /// The affine quantization (scale, zero point) in attributes `scale` and `zeroPoint` of
  /// the op. The emitter passes a model-class property named after the result and `role`,
  /// set from the checkpoint's IR (calibration writes the values after emission).
  case affine(scale: String, zeroPoint: String, role: String)
  /// The packed form of the int8 weight in operand `i`, prepared once per model: the
  /// object itself (the receiver of `prepare`), or its packed bytes or row sums.
  case prepared(Int, PreparedPart)
  /// A read-only Float array (class weights, `pos_weight`), passed as its base address.
  case floats(FloatArray)
  /// Operands passed as a list of (pointer, size) pairs (the parts of a concat).
  case segments([(operand: Int, size: Extent)])
  /// A read-only Float array known when the op is built, never empty, passed as a plain
  /// pointer (γ = 1 and β = 0 of a norm without an affine part). The emitter passes the
  /// class constant named after `name` itself (Swift's array-to-pointer conversion); the
  /// interpreter resolves it to `.floats`, and the binding keeps a copy at a fixed address.
  case pinnedFloats(name: String, [Float])

  /// What a `prepared` argument passes.
  public enum PreparedPart: String { case object, packed, rowSums }

  /// Where a `floats` argument's values come from.
  public enum FloatArray {
    /// Values known when the op is built; the emitter keeps them as a class constant
    /// named after `name`.
    case constant(name: String, [Float])
    /// "balanced" class weights: computed from the training split's class counts when
    /// training starts, one per class.
    case balancedClassWeights(classes: Int)
  }

  /// The Swift type a `scalarOperand` is passed as.
  public enum ScalarKind { case float, int }
}

/// A kernel shape struct: its Swift type and its fields in declaration order.
public struct KernelRecord {
  /// The struct's name (`Conv2DShape`).
  public var type: String
  /// The fields: sizes, integers or booleans.
  public var fields: [KernelArgument]
  /// Appended to the layer's name for the emitter's local (`_bias` → `conv_1_bias_shape`).
  public var suffix: String

  public init(_ type: String, _ fields: [KernelArgument], suffix: String = "") {
    self.type = type
    self.fields = fields
    self.suffix = suffix
  }
}

/// One call of a kernel function.
public struct KernelCall {
  /// The function as Swift spells it: `DenseKernel.forward`.
  public var function: String
  /// The arguments in the kernel's order.
  public var arguments: [KernelArgument]
  /// A comment the emitter writes above the call (why it is there).
  public var comment: String?
  /// The result that receives the kernel's returned scalar (a loss), if any.
  public var returns: Int?
  /// The value whose method `function` is (`w.prepare()`), if it is not a static function.
  public var receiver: KernelValue?
  /// Makes the call from its resolved arguments; the interpreter keeps what it returns.
  public var bind: (KernelArguments) -> () -> Void

  public init(
    _ function: String, _ arguments: [KernelArgument], comment: String? = nil, returns: Int? = nil, receiver: KernelValue? = nil,
    bind: @escaping (KernelArguments) -> () -> Void
  ) {
    self.receiver = receiver
    self.function = function
    self.arguments = arguments
    self.comment = comment
    self.returns = returns
    self.bind = bind
  }
}

/// How an opcode reaches its kernels.
public struct KernelBinding: Sendable {
  /// The calls that run one op, in order.
  public var calls: @Sendable (OpView) -> [KernelCall]
  /// The scratch bytes one op needs at a batch size (nil: none).
  public var scratchBytes: (@Sendable (OpView, Int) -> Int)?

  public init(scratchBytes: (@Sendable (OpView, Int) -> Int)? = nil, _ calls: @escaping @Sendable (OpView) -> [KernelCall]) {
    self.calls = calls
    self.scratchBytes = scratchBytes
  }
}

/// Every binding, by opcode.
public enum KernelBindings {
  /// The families' tables, merged.
  public static let all: [String: KernelBinding] = {
    var table: [String: KernelBinding] = [:]
    for family in [
      linearBindings, spatialBindings, normalizationBindings, shapeBindings, lossBindings, attentionBindings, quantizedBindings,
      optimizerBindings, pointwiseBindings, expressionBindings,
    ] {
      table.merge(family) { _, _ in preconditionFailure("an opcode has two kernel bindings") }
    }
    return table
  }()

  /// The binding of `opcode`, if one describes it.
  public static func binding(for opcode: String) -> KernelBinding? { all[opcode] }
}
