import DLCIR
import DLCKernels
import DLCTraining

/// The module's parameters as Float32 buffers at fixed addresses: weights, biases,
/// running statistics and optimizer state.
///
/// Programs compiled against a store capture these addresses, so a store outlives its
/// programs and is never resized. Initialization follows each parameter's `init`
/// attribute, with one random stream per parameter (its index in the module).
public final class ParameterStore {
  /// The parameters in module order.
  public let parameters: [Parameter]
  private let buffers: [UnsafeMutablePointer<Float>]
  private let index: [String: Int]

  /// Zero-filled storage for every parameter of `module`.
  public init(module: Module) {
    parameters = module.parameters
    buffers = module.parameters.map { p in
      // Whole floats, enough for the parameter's bytes in its own element type.
      let count = max((p.type.elementCount() * p.type.element.byteSize + 3) / 4, 1)
      let buffer = UnsafeMutablePointer<Float>.allocate(capacity: count)
      buffer.initialize(repeating: 0, count: count)
      return buffer
    }
    index = Dictionary(module.parameters.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
  }

  deinit { buffers.forEach { $0.deallocate() } }

  /// The buffer of parameter `name`, if the module has one.
  public func pointer(_ name: String) -> UnsafeMutablePointer<Float>? { index[name].map { buffers[$0] } }

  /// The element count of parameter `name`.
  public func count(_ name: String) -> Int { index[name].map { parameters[$0].type.elementCount() } ?? 0 }

  /// The values of parameter `name`, copied.
  public func values(_ name: String) -> [Float] {
    guard let p = pointer(name) else { return [] }
    return Array(UnsafeBufferPointer(start: p, count: count(name)))
  }

  /// Overwrites parameter `name`; the count must match.
  public func set(_ name: String, _ values: [Float]) throws(RuntimeError) {
    guard let p = pointer(name) else { throw RuntimeError("no parameter '\(name)' in the model") }
    guard values.count == count(name) else {
      throw RuntimeError("parameter '\(name)' holds \(count(name)) values, found \(values.count)")
    }
    values.withUnsafeBufferPointer { p.update(from: $0.baseAddress!, count: values.count) }
  }

  /// The parameters as the training loop sees them (buffers, shapes, initializers).
  public var slots: [ParameterSlot] {
    parameters.enumerated().map { i, p in
      ParameterSlot(
        name: p.name, shape: p.type.fixedShape ?? [], pointer: buffers[i], initializer: Initializer(attribute: p.attributes["init"]),
        layer: p.attributes["layer"]?.stringValue ?? "", isOptimizerState: p.attributes["state"]?.stringValue == "optimizer",
        dtype: DType(p.type.element))
    }
  }
}

/// A failure while preparing or running a program that is not the data's fault.
public struct RuntimeError: Error, Sendable, CustomStringConvertible {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}

extension DType {
  /// The safetensors type of an IR element type.
  public init(_ element: ElementType) {
    switch element {
    case .f32: self = .F32
    case .f16: self = .F16
    case .i32: self = .I32
    case .i64: self = .I64
    case .i8: self = .I8
    case .u8: self = .U8
    case .bool: self = .BOOL
    }
  }
}
