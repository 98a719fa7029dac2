import Foundation

/// Softmax over the middle axis of a `[outer, axis, inner]` tensor and its VJP.
///
/// Stable form: yᵢ = e^(xᵢ − m) / Σⱼ e^(xⱼ − m) with m = maxⱼ xⱼ, so no exponent
/// overflows (Goodfellow et al., "Deep Learning" §4.1). The last-axis case (`inner` = 1)
/// walks contiguous rows; otherwise each (outer, inner) line is strided by `inner`.
public enum SoftmaxKernel {
  /// Lines × axis elements per thread below which the work stays on the calling thread.
  static let grain = 16_384

  /// y = softmax(x) along the middle axis.
  public static func forward(
    x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, outer: Int, axis: Int, inner: Int
  ) {
    guard axis > 0 else { return }
    let lines = outer * inner
    Parallel.forEach(count: lines, minimumPerThread: max(1, grain / axis)) { range in
      for line in range {
        let (o, j) = line.quotientAndRemainder(dividingBy: inner)
        let base = o * axis * inner + j
        forwardLine(x: x + base, y: y + base, axis: axis, stride: inner)
      }
    }
  }

  /// dx = y ⊙ (dy − Σ dy ⊙ y) along the middle axis, from the forward result y.
  public static func backward(
    dy: UnsafePointer<Float>, y: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
    outer: Int, axis: Int, inner: Int
  ) {
    guard axis > 0 else { return }
    let lines = outer * inner
    Parallel.forEach(count: lines, minimumPerThread: max(1, grain / axis)) { range in
      for line in range {
        let (o, j) = line.quotientAndRemainder(dividingBy: inner)
        let base = o * axis * inner + j
        backwardLine(dy: dy + base, y: y + base, dx: dx + base, axis: axis, stride: inner)
      }
    }
  }

  /// Softmax of one line of `axis` elements `stride` apart.
  @inline(__always)
  static func forwardLine(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, axis: Int, stride: Int) {
    var m = -Float.infinity
    for a in 0..<axis { m = max(m, x[a * stride]) }
    // All −∞ (a fully masked line): shift by 0 so the result is NaN-free where possible.
    if m == -.infinity { m = 0 }
    var sum: Float = 0
    for a in 0..<axis {
      let e = VectorMath.exp(x[a * stride] - m)
      y[a * stride] = e
      sum += e
    }
    let scale = 1 / sum
    for a in 0..<axis { y[a * stride] *= scale }
  }

  /// The VJP of one line of `axis` elements `stride` apart.
  @inline(__always)
  static func backwardLine(
    dy: UnsafePointer<Float>, y: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, axis: Int, stride: Int
  ) {
    var dot: Float = 0
    for a in 0..<axis { dot += dy[a * stride] * y[a * stride] }
    for a in 0..<axis { dx[a * stride] = y[a * stride] * (dy[a * stride] - dot) }
  }
}
