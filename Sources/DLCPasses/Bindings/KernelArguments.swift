import DLCIR
import DLCKernels

/// A kernel argument resolved to a machine value (by the interpreter, once per program).
public enum ResolvedValue {
  /// An address (nil for an absent optional operand) and the element type it holds.
  case pointer(UnsafeMutableRawPointer?, ElementType)
  case int(Int), float(Float), double(Double), bool(Bool)
  /// The op's random stream, drawn at the step the pointer holds when the call runs.
  case stream(RandomStreamSource)
  /// A shape struct's fields.
  case record(KernelArguments)
  /// A Float array.
  case floats([Float])
  /// An affine quantization.
  case affine(AffineQuantization)
  /// Packed int8 weights.
  case prepared(Quantized.PreparedWeights)
  /// (pointer, size) pairs.
  case segments([(UnsafePointer<Float>, Int)])
}

/// A random stream whose step is read when the call runs.
public struct RandomStreamSource {
  public let seed: UInt64
  public let id: UInt64
  public let step: UnsafeMutablePointer<Int64>

  public init(seed: UInt64, id: UInt64, step: UnsafeMutablePointer<Int64>) {
    self.seed = seed
    self.id = id
    self.step = step
  }

  /// The stream at the current step.
  @inline(__always)
  public var current: RandomStream { RandomStream(seed: seed, purpose: .dropout, id: id, step: UInt64(bitPattern: step.pointee)) }
}

/// The resolved arguments of one kernel call, read by label in a binding's `bind`.
///
/// Reads happen when the program is built, never in a step; a label or type that does
/// not match the call's description is a bug in the binding and traps naming it.
public struct KernelArguments {
  /// The function these arguments are for (for messages).
  public let function: String
  private let labels: [String]
  private let values: [ResolvedValue]
  /// Where the call's returned scalar goes (`KernelCall.returns`).
  public let returned: UnsafeMutablePointer<Float>?

  public init(function: String, labels: [String], values: [ResolvedValue], returned: UnsafeMutablePointer<Float>? = nil) {
    self.function = function
    self.labels = labels
    self.values = values
    self.returned = returned
  }

  /// The value labelled `label`.
  public func value(_ label: String) -> ResolvedValue {
    guard let i = labels.firstIndex(of: label) else { preconditionFailure("\(function) has no argument '\(label)'") }
    return values[i]
  }

  private func raw(_ label: String, _ element: ElementType?) -> UnsafeMutableRawPointer? {
    guard case .pointer(let p, let e) = value(label) else { preconditionFailure("\(function): '\(label)' is not a pointer") }
    if let element { precondition(e == element, "\(function): '\(label)' holds \(e), not \(element)") }
    return p
  }

  /// A Float32 pointer that is present.
  public func f32(_ label: String) -> UnsafeMutablePointer<Float> { optionalF32(label)! }
  /// A Float32 pointer or nil.
  public func optionalF32(_ label: String) -> UnsafeMutablePointer<Float>? {
    raw(label, .f32)?.assumingMemoryBound(to: Float.self)
  }
  /// An Int32 pointer (class indices, ids).
  public func i32(_ label: String) -> UnsafeMutablePointer<Int32> { raw(label, .i32)!.assumingMemoryBound(to: Int32.self) }
  /// An Int64 pointer (the optimizer step).
  public func i64(_ label: String) -> UnsafeMutablePointer<Int64> { raw(label, .i64)!.assumingMemoryBound(to: Int64.self) }
  /// A UInt8 pointer (quantized activations, byte scratch).
  public func u8(_ label: String) -> UnsafeMutablePointer<UInt8> { raw(label, .u8)!.assumingMemoryBound(to: UInt8.self) }
  /// An Int8 pointer (quantized weights).
  public func i8(_ label: String) -> UnsafeMutablePointer<Int8> { raw(label, .i8)!.assumingMemoryBound(to: Int8.self) }
  /// A binary16 pointer (f16 weights, as bit patterns).
  public func f16(_ label: String) -> UnsafeMutablePointer<UInt16> { raw(label, .f16)!.assumingMemoryBound(to: UInt16.self) }

  /// An integer or size.
  public func int(_ label: String) -> Int {
    guard case .int(let v) = value(label) else { preconditionFailure("\(function): '\(label)' is not an integer") }
    return v
  }
  /// A Float literal.
  public func float(_ label: String) -> Float {
    guard case .float(let v) = value(label) else { preconditionFailure("\(function): '\(label)' is not a Float") }
    return v
  }
  /// A Double literal.
  public func double(_ label: String) -> Double {
    guard case .double(let v) = value(label) else { preconditionFailure("\(function): '\(label)' is not a Double") }
    return v
  }
  /// A boolean literal.
  public func bool(_ label: String) -> Bool {
    guard case .bool(let v) = value(label) else { preconditionFailure("\(function): '\(label)' is not a Bool") }
    return v
  }
  /// The op's random stream.
  public func stream(_ label: String) -> RandomStreamSource {
    guard case .stream(let v) = value(label) else { preconditionFailure("\(function): '\(label)' is not a stream") }
    return v
  }
  /// An affine quantization.
  public func affine(_ label: String) -> AffineQuantization {
    guard case .affine(let v) = value(label) else { preconditionFailure("\(function): '\(label)' is not a quantization") }
    return v
  }
  /// The call's receiver as packed int8 weights.
  public func preparedWeights() -> Quantized.PreparedWeights {
    guard case .prepared(let v) = value(KernelArguments.receiverLabel) else { preconditionFailure("\(function) has no weights") }
    return v
  }
  /// The label the resolved receiver of a method call goes by.
  public static let receiverLabel = "self"
  /// A Float array; empty for an absent one (`.none`).
  public func floats(_ label: String) -> [Float] {
    switch value(label) {
    case .floats(let v): return v
    case .pointer(nil, _): return []
    default: preconditionFailure("\(function): '\(label)' is not a Float array")
    }
  }
  /// (pointer, size) pairs (the parts of a concat).
  public func segments(_ label: String) -> [(UnsafePointer<Float>, Int)] {
    guard case .segments(let v) = value(label) else { preconditionFailure("\(function): '\(label)' is not a list of segments") }
    return v
  }
  /// A shape struct's fields.
  public func record(_ label: String) -> KernelArguments {
    guard case .record(let v) = value(label) else { preconditionFailure("\(function): '\(label)' is not a record") }
    return v
  }
}
