/// The generic kernels of the pointwise activations: one loop per direction, specialized
/// per formula (`PointwiseFormula`, one type per activation in `Activation.swift`).
///
/// Every function reads `count` floats and overwrites `count` floats; `y`/`dx` may alias
/// their input. Loops over more than 2 × grain elements run on `Parallel.threads`
/// threads; a transcendental function splits at an eighth of the cheap ones' grain.

/// One activation's scalar formulas. Both are `@inline(__always)` and branch-free where
/// possible, so loops over them vectorize; the emitted trainers' fused loops call them
/// too, so a fused loop computes every element with exactly the kernel's arithmetic.
public protocol PointwiseFormula: SendableMetatype {
  /// The opcode of the row in DLCIR's pointwise table.
  static var name: String { get }
  /// y = f(x).
  static func forward(_ x: Float, _ p: PointwiseParameters) -> Float
  /// dx = dy · f′, from the value the row saves: the input x or the output y.
  static func derivative(dy: Float, _ saved: Float, _ p: PointwiseParameters) -> Float
  /// Calls `body` with `p`, or with a copy whose choices are literals, so that a loop in
  /// `body` branches on a choice once instead of per element (GELU's `approximate`).
  static func withConstantChoices(_ p: PointwiseParameters, _ body: (PointwiseParameters) -> Void)
}

extension PointwiseFormula {
  /// No choices: `p` as it is.
  @inlinable @inline(__always)
  public static func withConstantChoices(_ p: PointwiseParameters, _ body: (PointwiseParameters) -> Void) { body(p) }
}

/// An activation's attribute values in the order of its row's attributes: numbers as
/// themselves, choices as the index of the option. Fixed-size, so reading one in a loop
/// is a register.
public struct PointwiseParameters: Sendable {
  /// Up to four values; unused slots are 0.
  @usableFromInline let values: SIMD4<Float>

  /// The values `a, b, c, d` (what the emitted code spells out).
  @inlinable @inline(__always)
  public init(_ a: Float = 0, _ b: Float = 0, _ c: Float = 0, _ d: Float = 0) { values = SIMD4(a, b, c, d) }

  /// Up to four values, in row order.
  public init(_ list: [Float]) {
    precondition(list.count <= 4, "a pointwise op has at most 4 parameters, found \(list.count)")
    var v = SIMD4<Float>(repeating: 0)
    for (i, x) in list.enumerated() { v[i] = x }
    values = v
  }

  /// The number attribute at `index`.
  @inlinable @inline(__always)
  public func number(_ index: Int) -> Float { values[index] }

  /// The index of the option chosen by the choice attribute at `index`.
  @inlinable @inline(__always)
  public func choice(_ index: Int) -> Int { Int(values[index]) }
}

/// The loops over a formula.
public enum PointwiseKernel {
  /// Elements per thread below which a loop stays on the calling thread; an eighth of
  /// it for a transcendental formula.
  public static let grain = 32_768

  /// The grain of a loop over a formula that is (or is not) transcendental.
  @inlinable
  public static func grain(transcendental: Bool) -> Int { transcendental ? grain / 8 : grain }

  /// y = F.forward(x).
  @inlinable
  public static func forward<F: PointwiseFormula>(
    _: F.Type, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, count: Int, parameters: PointwiseParameters,
    transcendental: Bool
  ) {
    Parallel.forEach(count: count, minimumPerThread: grain(transcendental: transcendental)) { range in
      F.withConstantChoices(parameters) { p in
        for i in range { y[i] = F.forward(x[i], p) }
      }
    }
  }

  /// dx = F.derivative(dy, saved), with `saved` the forward input or output (see the row).
  @inlinable
  public static func backward<F: PointwiseFormula>(
    _: F.Type, dy: UnsafePointer<Float>, saved: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, count: Int,
    parameters: PointwiseParameters, transcendental: Bool
  ) {
    Parallel.forEach(count: count, minimumPerThread: grain(transcendental: transcendental)) { range in
      F.withConstantChoices(parameters) { p in
        for i in range { dx[i] = F.derivative(dy: dy[i], saved[i], p) }
      }
    }
  }
}

/// A formula's two kernels, specialized, behind one name: what the interpreter calls
/// when it knows the formula only by its opcode.
public struct PointwiseKernels: Sendable {
  public typealias Forward = @Sendable (
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ count: Int, PointwiseParameters, _ transcendental: Bool
  ) -> Void
  public typealias Backward = @Sendable (
    _ dy: UnsafePointer<Float>, _ saved: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, _ count: Int,
    PointwiseParameters, _ transcendental: Bool
  ) -> Void

  /// The formula's `name`.
  public let name: String
  /// The formula's Swift type name, as emitted code spells it.
  public let typeName: String
  public let forward: Forward
  public let backward: Backward

  /// The kernels of `F`, specialized here (a call through a metatype would not be).
  public init<F: PointwiseFormula>(_: F.Type) {
    name = F.name
    typeName = String(describing: F.self)
    forward = { x, y, count, p, t in PointwiseKernel.forward(F.self, x: x, y: y, count: count, parameters: p, transcendental: t) }
    backward = { dy, saved, dx, count, p, t in
      PointwiseKernel.backward(F.self, dy: dy, saved: saved, dx: dx, count: count, parameters: p, transcendental: t)
    }
  }

  private static let byName: [String: PointwiseKernels] = Dictionary(
    PointwiseFormulas.all.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })

  /// The kernels of the formula named `name`, or nil.
  public static func named(_ name: String) -> PointwiseKernels? { byName[name] }
}
