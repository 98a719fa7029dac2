/// The per-element formulas of the elementwise kernels, one function each.
///
/// `ActivationKernel`, `DropoutKernel` and the emitted trainers' fused loops all call
/// these, so a fused loop computes every element with exactly the kernel's arithmetic (same
/// operations in the same order, in Float32) and the results agree to the bit. They are
/// `@inline(__always)` and branch-free where the kernels were, so loops over them vectorize.
public enum Scalar {
  // MARK: activations

  /// max(x, 0).
  @inline(__always) public static func relu(_ x: Float) -> Float { x > 0 ? x : 0 }

  /// dy where x > 0, else 0 (0 at x = 0, as PyTorch).
  @inline(__always) public static func reluGrad(dy: Float, x: Float) -> Float { x > 0 ? dy : 0 }

  /// x where x > 0, else slope · x.
  @inline(__always) public static func leakyRelu(_ x: Float, slope: Float) -> Float { x > 0 ? x : slope * x }

  /// dy where x > 0, else slope · dy.
  @inline(__always) public static func leakyReluGrad(dy: Float, x: Float, slope: Float) -> Float {
    x > 0 ? dy : slope * dy
  }

  /// 1 / (1 + e^(−x)); e^(−x) = +∞ gives exactly 0.
  @inline(__always) public static func sigmoid(_ x: Float) -> Float { 1 / (1 + VectorMath.exp(-x)) }

  /// dy · y · (1 − y), from the forward result y.
  @inline(__always) public static func sigmoidGrad(dy: Float, y: Float) -> Float { dy * y * (1 - y) }

  /// tanh(x).
  @inline(__always) public static func tanh(_ x: Float) -> Float { VectorMath.tanh(x) }

  /// dy · (1 − y²), from the forward result y.
  @inline(__always) public static func tanhGrad(dy: Float, y: Float) -> Float { dy * (1 - y * y) }

  // MARK: GELU (Hendrycks & Gimpel 2016, "Gaussian Error Linear Units")

  /// 1/√2, for Φ(x) = ½(1 + erf(x/√2)).
  public static let invSqrt2: Float = 0.70710678118654752
  /// 1/√(2π), for φ(x) = e^(−x²/2)/√(2π).
  public static let invSqrt2Pi: Float = 0.39894228040143268
  /// √(2/π), the tanh approximation's scale.
  public static let sqrt2OverPi: Float = 0.79788456080286536
  /// The cubic coefficient of the tanh approximation.
  public static let geluCubic: Float = 0.044715

  // The GELU functions spell their constants as literals: a static read inside a loop
  // can keep it from vectorizing. The literals are the constants above, digit for digit.

  /// x · Φ(x) = ½x(1 + erf(x/√2)).
  @inline(__always) public static func gelu(_ x: Float) -> Float {
    0.5 * x * (1 + VectorMath.erf(x * 0.70710678118654752))
  }

  /// PyTorch's `nn.GELU(approximate="tanh")`: ½x(1 + tanh(√(2/π)(x + 0.044715x³))).
  @inline(__always) public static func geluTanh(_ x: Float) -> Float {
    let u = 0.79788456080286536 * (x + 0.044715 * x * x * x)
    return 0.5 * x * (1 + VectorMath.tanh(u))
  }

  /// dy · GELU′(x) = dy · (Φ(x) + x·φ(x)).
  @inline(__always) public static func geluGrad(dy: Float, x: Float) -> Float {
    let cdf = 0.5 * (1 + VectorMath.erf(x * 0.70710678118654752))
    let pdf = 0.39894228040143268 * VectorMath.exp(-0.5 * x * x)
    return dy * (cdf + x * pdf)
  }

  /// dy · GELU′(x) of the tanh form: ½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²) with
  /// t = tanh(√(2/π)(x + 0.044715x³)).
  @inline(__always) public static func geluTanhGrad(dy: Float, x: Float) -> Float {
    let t = VectorMath.tanh(0.79788456080286536 * (x + 0.044715 * x * x * x))
    let du = 0.79788456080286536 * (1 + 3 * 0.044715 * x * x)
    return dy * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du)
  }

  // MARK: dropout

  /// The dropout factors of the four elements a Philox block serves: `scale` (1/(1 − rate))
  /// where the element is kept, 0 where it is dropped. Element i is kept when its word w
  /// gives (w >> 8) · 2⁻²⁴ ≥ rate, the test of `RandomStream.uniform(at:) >= rate`.
  ///
  /// Arithmetic, not a select: ⌊u − rate⌋ + 1 is 1 when u ≥ rate and 0 when u < rate
  /// (u and rate are floats in [0, 1), so u − rate is never rounded across 0 or up to 1).
  /// Selects, even vector ones, were scalarized by the compiler into one branch per
  /// element in fused loops; on a random condition they mispredicted about one element
  /// in five and made the emitted BN MLP's step 15–30% slower than the kernels'.
  @inlinable @inline(__always)
  public static func dropoutFactors(_ block: (UInt32, UInt32, UInt32, UInt32), rate: Float, scale: Float) -> SIMD4<Float> {
    let u = SIMD4<Float>(SIMD4<UInt32>(block.0, block.1, block.2, block.3) &>> 8) * 0x1p-24
    return ((u - rate).rounded(.down) + 1) * scale
  }

  /// x · factor, with a factor from `dropoutFactors` (inverted dropout). As in PyTorch, a
  /// dropped element is x · 0: −0 for a negative x, NaN for a NaN or infinite x.
  @inline(__always) public static func dropout(_ x: Float, factor: Float) -> Float { x * factor }
}
