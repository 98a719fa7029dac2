/// The IR's value types: element types, dimensions and tensor types.

/// The element type of a tensor.
public enum ElementType: String, Sendable, Hashable, CaseIterable {
  /// `u8` holds quantized activations (uint8, affine); `i8` quantized weights.
  case f32, f16, i32, i64, i8, u8, bool

  /// Whether it is a floating-point type (`f32`, `f16`).
  public var isFloatingPoint: Bool { self == .f32 || self == .f16 }

  /// Bytes per element (`bool` takes one byte).
  public var byteSize: Int {
    switch self {
    case .f32, .i32: return 4
    case .f16: return 2
    case .i64: return 8
    case .i8, .u8, .bool: return 1
    }
  }
}

/// One dimension: the symbolic batch size `N`, or a fixed size.
public enum Dim: Sendable, Hashable, CustomStringConvertible {
  case batch
  case fixed(Int)

  /// `N` or the size.
  public var description: String {
    switch self {
    case .batch: return "N"
    case .fixed(let n): return String(n)
    }
  }
}

/// A tensor type, printed `tensor<Nx64xf32>`; a scalar is `tensor<f32>`.
///
/// Activations lead with the batch dimension `N` (images `[N, C, H, W]`, sequences
/// `[N, L, D]`); parameters and losses have fixed dimensions only.
public struct TensorType: Sendable, Hashable, CustomStringConvertible {
  public var dims: [Dim]
  public var element: ElementType

  public init(dims: [Dim], element: ElementType) {
    self.dims = dims
    self.element = element
  }

  /// A batched activation type `[N, perSample…]`.
  public init(perSample: [Int], element: ElementType = .f32) {
    self.init(dims: [.batch] + perSample.map { .fixed($0) }, element: element)
  }

  /// A type of fixed shape (a parameter, or a scalar when `shape` is empty).
  public init(shape: [Int], element: ElementType = .f32) {
    self.init(dims: shape.map { .fixed($0) }, element: element)
  }

  /// The `f32` scalar, the type of a loss.
  public static let scalarF32 = TensorType(dims: [], element: .f32)

  /// Number of dimensions, the batch dimension included.
  public var rank: Int { dims.count }

  /// Whether the leading dimension is the batch.
  public var isBatched: Bool { dims.first == .batch }

  /// Whether the type has no dimensions.
  public var isScalar: Bool { dims.isEmpty }

  /// The fixed dims after a leading batch dim; nil if unbatched or `N` occurs again.
  public var perSampleShape: [Int]? {
    guard isBatched else { return nil }
    return Self.fixedSizes(dims.dropFirst())
  }

  /// The dims of a type without a batch dimension; nil if `N` occurs.
  public var fixedShape: [Int]? { Self.fixedSizes(dims[...]) }

  /// Elements of one sample: the product of the fixed dims (`N` counts as 1).
  /// Saturates at `Int.max` rather than trapping on absurd shapes.
  public var elementCountPerSample: Int { elementCount(batch: 1) }

  /// Elements with the batch dimension set to `batch`; saturates at `Int.max`.
  public func elementCount(batch: Int = 1) -> Int {
    var total = 1
    for d in dims {
      let n: Int
      switch d {
      case .batch: n = batch
      case .fixed(let k): n = k
      }
      total = saturatingMultiply(total, n)
    }
    return total
  }

  /// `tensor<Nx64xf32>`.
  public var description: String {
    "tensor<" + (dims.map(\.description) + [element.rawValue]).joined(separator: "x") + ">"
  }

  private static func fixedSizes(_ dims: ArraySlice<Dim>) -> [Int]? {
    var out: [Int] = []
    for d in dims {
      guard case .fixed(let n) = d else { return nil }
      out.append(n)
    }
    return out
  }
}

/// `a · b`, or `Int.max` (with the sign of the product) when it overflows.
public func saturatingMultiply(_ a: Int, _ b: Int) -> Int {
  let (p, overflow) = a.multipliedReportingOverflow(by: b)
  guard overflow else { return p }
  return (a < 0) != (b < 0) ? Int.min : Int.max
}

/// `a + b`, clamped to the range of `Int`.
public func saturatingAdd(_ a: Int, _ b: Int) -> Int {
  let (s, overflow) = a.addingReportingOverflow(b)
  guard overflow else { return s }
  return b > 0 ? Int.max : Int.min
}
