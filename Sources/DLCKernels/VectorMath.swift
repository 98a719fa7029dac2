/// exp, log, log1p, erf and tanh for Float32 written as straight-line arithmetic, so loops that call
/// them vectorize (libm's `expf`/`erff` are one call per element and keep a loop scalar).
/// `@inlinable` as well as `@inline(__always)`: an emitted trainer specializes the pointwise
/// kernels and fused loops in its own module, and a function it cannot see into is a call
/// per element there (the emitted transformer's GELU ran at half speed).

/// Vectorizable scalar functions.
public enum VectorMath {
  /// e^x to about 2 ulp: x = n·ln 2 + r with |r| ≤ ln 2 / 2 (Cody–Waite split of ln 2),
  /// e^r by a degree-6 Taylor polynomial (remainder below 2⁻²⁴ on that interval), and
  /// 2ⁿ built in the exponent bits. Inputs are clamped to [−87.3, 88.3], where e^x is a
  /// normal Float; below −87.3 the result is 0 (no subnormals), above 88.3 it is e^88.3.
  @inlinable @inline(__always)
  public static func exp(_ x: Float) -> Float {
    let clamped = min(max(x, -87.3), 88.3)
    // Adding 1.5·2²³ rounds to an integer held in the low mantissa bits, branch-free
    // (a Float-to-Int conversion would carry an overflow trap and keep loops scalar).
    let shifted = clamped * 1.442_695_04 + 12_582_912
    let n = shifted - 12_582_912
    // ln 2 = 0.693359375 − 2.12194440e-4, the first part exact in 8 bits.
    let r = (clamped - n * 0.693_359_375) - n * -2.121_944_4e-4
    var p: Float = 1.0 / 720
    p = p * r + 1.0 / 120
    p = p * r + 1.0 / 24
    p = p * r + 1.0 / 6
    p = p * r + 0.5
    p = p * r + 1
    p = p * r + 1
    let exponent = (shifted.bitPattern &- 0x4B40_0000 &+ 127) &<< 23
    let scale = Float(bitPattern: exponent)
    return x < -87.3 ? 0 : p * scale
  }

  /// erf(x) to about 1e-7 absolute: the odd/even rational minimax approximation on
  /// [−4, 4] used by Eigen and XLA for float (outside it erf is ±1 in Float).
  @inlinable @inline(__always)
  public static func erf(_ x: Float) -> Float {
    let c = min(max(x, -4), 4)
    let x2 = c * c
    var p: Float = -2.726_142_258_013_06e-10
    p = p * x2 + 2.770_681_424_959_02e-08
    p = p * x2 + -2.101_024_020_825_08e-06
    p = p * x2 + -5.692_506_394_623_46e-05
    p = p * x2 + -7.349_906_303_268_55e-04
    p = p * x2 + -2.954_599_808_540_25e-03
    p = p * x2 + -1.609_603_332_624_15e-02
    p *= c
    var q: Float = -1.456_607_184_649_96e-05
    q = q * x2 + -2.133_740_552_789_05e-04
    q = q * x2 + -1.682_826_974_382_03e-03
    q = q * x2 + -7.373_329_167_204_68e-03
    q = q * x2 + -1.426_473_905_141_89e-02
    return p / q
  }

  /// tanh(x) = 1 − 2 / (e^{2x} + 1), odd by construction; below |x| = 0.3 that form
  /// cancels, so there the Taylor series to x⁹ is used (remainder < 2e-8 relative).
  @inlinable @inline(__always)
  public static func tanh(_ x: Float) -> Float {
    let a = abs(x)
    let a2 = a * a
    var series: Float = 62.0 / 2835
    series = series * a2 - 17.0 / 315
    series = series * a2 + 2.0 / 15
    series = series * a2 - 1.0 / 3
    series = (series * a2 + 1) * a
    let t = a < 0.3 ? series : 1 - 2 / (exp(2 * a) + 1)
    return x < 0 ? -t : t
  }

  /// ln x to about 2 ulp for positive normal x (Cephes `logf`): x = m·2ᵉ with m in
  /// [√½, √2), ln m = f − f²/2 + f³·P(f) with f = m − 1 (P of degree 8), and e·ln 2 added in
  /// two parts (the Cody–Waite split `exp` uses). ln 0 = −∞, ln ∞ = ∞, negative or NaN
  /// gives NaN. Subnormal x is outside the domain (no caller produces one: `exp` flushes).
  @inlinable @inline(__always)
  public static func log(_ x: Float) -> Float {
    // m in [0.5, 1) from the mantissa bits, e the matching exponent.
    let bits = x.bitPattern
    let m = Float(bitPattern: (bits & 0x007F_FFFF) | 0x3F00_0000)
    var e = Float(Int32(bitPattern: (bits &>> 23) & 0xFF) &- 126)
    let below = m < 0.707_106_781_186_547_524
    e = below ? e - 1 : e
    let f = below ? m + m - 1 : m - 1
    let z = f * f
    var p: Float = 7.037_683_629_2e-2
    p = p * f - 1.151_461_031_0e-1
    p = p * f + 1.167_699_874_0e-1
    p = p * f - 1.242_014_084_6e-1
    p = p * f + 1.424_932_278_7e-1
    p = p * f - 1.666_805_766_5e-1
    p = p * f + 2.000_071_476_5e-1
    p = p * f - 2.499_999_399_3e-1
    p = p * f + 3.333_333_117_4e-1
    var y = p * f * z
    y += e * -2.121_944_4e-4
    y += -0.5 * z
    let r = (f + y) + e * 0.693_359_375
    return x > 0 ? (x == .infinity ? x : r) : (x == 0 ? -.infinity : .nan)
  }

  /// ln(1 + x) to a few ulp for x ≥ 0, also where x is far below Float's epsilon:
  /// with u = 1 + x rounded, ln(1 + x) = ln(u)·x/(u − 1), which cancels the rounding of u
  /// (Goldberg 1991, "What Every Computer Scientist Should Know About Floating-Point
  /// Arithmetic", theorem 4); x itself where u rounds to 1. Also right for −1 < x < 0.
  @inlinable @inline(__always)
  public static func log1p(_ x: Float) -> Float {
    let u = 1 + x
    let scaled = log(u) * (x / (u - 1))
    // Where u is ∞ (x = ∞) the quotient is NaN; ln u is the answer there.
    return u == 1 ? x : (u == .infinity ? u : scaled)
  }
}
