import DLCIR
import DLCKernels

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
      let count = max(p.type.elementCount(), 1)
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

  /// Fills every parameter from its `init` attribute (missing: zeros), drawing from
  /// `RandomStream(seed:, purpose: .initialization, id: <parameter index>)`.
  public func initialize(seed: UInt64) throws(RuntimeError) {
    for (i, p) in parameters.enumerated() {
      let stream = RandomStream(seed: seed, purpose: .initialization, id: UInt64(i))
      try Self.fill(buffers[i], parameter: p, stream: stream)
    }
  }

  /// One parameter's initializer (formulas as torch.nn.init documents them).
  static func fill(_ y: UnsafeMutablePointer<Float>, parameter p: Parameter, stream: RandomStream) throws(RuntimeError) {
    let count = p.type.elementCount()
    let spec = p.attributes["init"]
    let kind = spec?["kind"]?.stringValue ?? "zeros"
    func number(_ key: String, _ fallback: Double) -> Float { Float(spec?[key]?.floatValue ?? fallback) }
    let shape = p.type.fixedShape ?? [count]
    let fans = InitKernel.fans(shape: shape)
    switch kind {
    case "zeros": InitKernel.zeros(y, count: count)
    case "constant": InitKernel.constant(y, count: count, value: number("value", 0))
    case "uniform": InitKernel.uniform(y, count: count, low: number("low", 0), high: number("high", 1), stream: stream)
    case "normal": InitKernel.normal(y, count: count, mean: number("mean", 0), std: number("std", 1), stream: stream)
    case "xavier_uniform":
      let bound = number("gain", 1) * (6 / Float(max(fans.fanIn + fans.fanOut, 1))).squareRoot()
      InitKernel.uniform(y, count: count, low: -bound, high: bound, stream: stream)
    case "xavier_normal":
      let std = number("gain", 1) * (2 / Float(max(fans.fanIn + fans.fanOut, 1))).squareRoot()
      InitKernel.normal(y, count: count, mean: 0, std: std, stream: stream)
    case "kaiming_uniform", "kaiming_normal":
      let fan = spec?["mode"]?.stringValue == "fan_out" ? fans.fanOut : fans.fanIn
      let gain = InitKernel.gain(nonlinearity: spec?["nonlinearity"]?.stringValue ?? "leaky_relu", a: number("a", 0))
      let std = gain / Float(max(fan, 1)).squareRoot()
      if kind == "kaiming_normal" {
        InitKernel.normal(y, count: count, mean: 0, std: std, stream: stream)
      } else {
        let bound = Float(3).squareRoot() * std
        InitKernel.uniform(y, count: count, low: -bound, high: bound, stream: stream)
      }
    default: throw RuntimeError("parameter '\(p.name)' has an unknown initializer '\(kind)'")
    }
  }
}

/// A failure while preparing or running a program that is not the data's fault.
public struct RuntimeError: Error, Sendable, CustomStringConvertible {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}
