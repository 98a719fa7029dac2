import Foundation

/// Truncated normal initialization by the inverse-CDF method of
/// `torch.nn.init.trunc_normal_` (the method of
/// https://people.sc.fsu.edu/~jburkardt/presentations/truncated_normal.pdf):
/// draw u uniformly between Φ(α) and Φ(β), return μ + σ·Φ⁻¹(u) clamped to [a, b].
extension InitKernel {
  /// The standard deviation of a unit normal truncated to [−2, 2], as Keras's
  /// `VarianceScaling` writes it: √(1 − 4φ(2)/(2Φ(2) − 1)) = 0.87962566103423978.
  public static let truncatedUnitNormalStd = 0.87962566103423978

  /// y ~ N(mean, std²) truncated to [a, b]. Element i maps `stream.uniform(at: i)`, so
  /// the values do not depend on the thread count. As PyTorch: l = Φ((a − μ)/σ),
  /// u = Φ((b − μ)/σ), p uniform on [2l − 1, 2u − 1), y = μ + σ·√2·erfinv(p), clamped to
  /// [a, b]. The arithmetic is in Double (PyTorch's is in the tensor's float32).
  public static func truncatedNormal(
    _ y: UnsafeMutablePointer<Float>, count: Int, mean: Double, std: Double, a: Double, b: Double, stream: RandomStream
  ) {
    let map = TruncatedNormalMap(mean: mean, std: std, a: a, b: b)
    Parallel.forEach(count: count, minimumPerThread: grain) { range in
      for i in range { y[i] = Float(map(Double(stream.uniform(at: i)))) }
    }
  }

  /// Φ(x) = (1 + erf(x/√2)) / 2, the standard normal CDF (`norm_cdf` in PyTorch's `_no_grad_trunc_normal_`).
  public static func normalCDF(_ x: Double) -> Double { (1 + Foundation.erf(x / 2.0.squareRoot())) / 2 }

  /// The inverse error function on [−1, 1] (±∞ at ±1): Giles' single-precision
  /// approximation ("Approximating the erfinv function", GPU Computing Gems, 2011) refined
  /// by two Newton steps on erf(x) − p, which bring it to Double accuracy away from ±1.
  public static func erfinv(_ p: Double) -> Double {
    if p <= -1 { return p == -1 ? -.infinity : .nan }
    if p >= 1 { return p == 1 ? .infinity : .nan }
    var w = -Foundation.log((1 - p) * (1 + p))
    var x: Double
    if w < 5 {
      w -= 2.5
      var q = 2.81022636e-08
      q = 3.43273939e-07 + q * w
      q = -3.5233877e-06 + q * w
      q = -4.39150654e-06 + q * w
      q = 0.00021858087 + q * w
      q = -0.00125372503 + q * w
      q = -0.00417768164 + q * w
      q = 0.246640727 + q * w
      q = 1.50140941 + q * w
      x = q * p
    } else {
      w = w.squareRoot() - 3
      var q = -0.000200214257
      q = 0.000100950558 + q * w
      q = 0.00134934322 + q * w
      q = -0.00367342844 + q * w
      q = 0.00573950773 + q * w
      q = -0.0076224613 + q * w
      q = 0.00943887047 + q * w
      q = 1.00167406 + q * w
      q = 2.83297682 + q * w
      x = q * p
    }
    // Newton: erf'(x) = 2/√π · e^(−x²).
    let slope = 2 / Double.pi.squareRoot()
    for _ in 0..<2 {
      let d = slope * Foundation.exp(-x * x)
      guard d > 0 else { break }
      x -= (Foundation.erf(x) - p) / d
    }
    return x
  }
}

/// The map from a uniform u in [0, 1) to N(mean, std²) truncated to [a, b] that
/// `InitKernel.truncatedNormal` applies to each element.
public struct TruncatedNormalMap: Sendable {
  public let mean: Double, std: Double, a: Double, b: Double
  /// 2Φ((a − μ)/σ) − 1 and 2Φ((b − μ)/σ) − 1: the range of erf the draws map into.
  let low: Double, high: Double

  public init(mean: Double, std: Double, a: Double, b: Double) {
    (self.mean, self.std, self.a, self.b) = (mean, std, a, b)
    low = 2 * InitKernel.normalCDF((a - mean) / std) - 1
    high = 2 * InitKernel.normalCDF((b - mean) / std) - 1
  }

  /// μ + σ·√2·erfinv(p) for p = low + (high − low)·u, clamped to [a, b].
  @inline(__always)
  public func callAsFunction(_ u: Double) -> Double {
    let p = low + (high - low) * u
    return min(max(mean + std * 2.0.squareRoot() * InitKernel.erfinv(p), a), b)
  }
}
