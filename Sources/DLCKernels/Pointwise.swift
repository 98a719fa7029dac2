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
  /// The slot of the parameter pack that holds a choice (GELU's `approximate`), if any:
  /// the kernels run one loop per option, with the option a constant inside it, instead
  /// of branching on it per element. Give it as an `@inlinable` computed property, so
  /// that code specialized in another module (an emitted trainer) sees the constant.
  static var choiceSlot: Int? { get }
}

extension PointwiseFormula {
  /// No choice.
  @inlinable public static var choiceSlot: Int? { nil }

  /// `PointwiseKernel.forward` over this formula: what an unfused call in emitted code reads.
  @inlinable
  public static func forward(
    x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, count: Int, parameters: PointwiseParameters, transcendental: Bool
  ) {
    PointwiseKernel.forward(Self.self, x: x, y: y, count: count, parameters: parameters, transcendental: transcendental)
  }

  /// `PointwiseKernel.backward` over this formula.
  @inlinable
  public static func backward(
    dy: UnsafePointer<Float>, saved: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, count: Int,
    parameters: PointwiseParameters, transcendental: Bool
  ) {
    PointwiseKernel.backward(
      Self.self, dy: dy, saved: saved, dx: dx, count: count, parameters: parameters, transcendental: transcendental)
  }
}

/// An activation's attribute values in the order of its row's attributes: numbers as
/// themselves, choices as the index of the option. Four plain fields, no array: a pack
/// built from literals inside a fused loop folds to constants, and a captured one is a
/// few registers.
public struct PointwiseParameters: Sendable {
  @usableFromInline let a: Float, b: Float, c: Float, d: Float

  /// The values `a, b, c, d` (what the emitted code spells out); unused ones are 0.
  @inlinable @inline(__always)
  public init(_ a: Float = 0, _ b: Float = 0, _ c: Float = 0, _ d: Float = 0) {
    self.a = a
    self.b = b
    self.c = c
    self.d = d
  }

  /// The values by field (what a kernel binding's record spells out).
  @inlinable @inline(__always)
  public init(a: Float, b: Float, c: Float, d: Float) { self.init(a, b, c, d) }

  /// Up to four values, in row order.
  public init(_ list: [Float]) {
    precondition(list.count <= 4, "a pointwise op has at most 4 parameters, found \(list.count)")
    let v = list + Array(repeating: 0, count: 4 - list.count)
    self.init(v[0], v[1], v[2], v[3])
  }

  /// The number attribute at `index` (a literal index: it folds to one field).
  @inlinable @inline(__always)
  public func number(_ index: Int) -> Float {
    switch index {
    case 0: return a
    case 1: return b
    case 2: return c
    default: return d
    }
  }

  /// The index of the option chosen by the choice attribute at `index`.
  @inlinable @inline(__always)
  public func choice(_ index: Int) -> Int { Int(number(index)) }

  /// A copy with `value` at `index`.
  @inlinable @inline(__always)
  public func setting(_ index: Int, to value: Float) -> PointwiseParameters {
    PointwiseParameters(index == 0 ? value : a, index == 1 ? value : b, index == 2 ? value : c, index == 3 ? value : d)
  }
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
      // One loop per option of a choice, the option a literal in it (see `choiceSlot`).
      guard let slot = F.choiceSlot else { return forwardLoop(F.self, x, y, range, parameters) }
      switch parameters.choice(slot) {
      case 0: forwardLoop(F.self, x, y, range, parameters.setting(slot, to: 0))
      case 1: forwardLoop(F.self, x, y, range, parameters.setting(slot, to: 1))
      default: forwardLoop(F.self, x, y, range, parameters)
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
      guard let slot = F.choiceSlot else { return backwardLoop(F.self, dy, saved, dx, range, parameters) }
      switch parameters.choice(slot) {
      case 0: backwardLoop(F.self, dy, saved, dx, range, parameters.setting(slot, to: 0))
      case 1: backwardLoop(F.self, dy, saved, dx, range, parameters.setting(slot, to: 1))
      default: backwardLoop(F.self, dy, saved, dx, range, parameters)
      }
    }
  }

  /// The forward loop over `range` (a function, not a closure, so that it is inlined
  /// with `p`'s literals folded into it).
  @inlinable @inline(__always)
  static func forwardLoop<F: PointwiseFormula>(
    _: F.Type, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ range: Range<Int>, _ p: PointwiseParameters
  ) {
    for i in range { y[i] = F.forward(x[i], p) }
  }

  /// The backward loop over `range`.
  @inlinable @inline(__always)
  static func backwardLoop<F: PointwiseFormula>(
    _: F.Type, _ dy: UnsafePointer<Float>, _ saved: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
    _ range: Range<Int>, _ p: PointwiseParameters
  ) {
    for i in range { dx[i] = F.derivative(dy: dy[i], saved[i], p) }
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
