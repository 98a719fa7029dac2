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
    forEachLine(outer: outer, axis: axis, inner: inner) { base in
      forwardLine(x: x + base, y: y + base, axis: axis, stride: inner)
    }
  }

  /// dx = y ⊙ (dy − Σ dy ⊙ y) along the middle axis, from the forward result y.
  public static func backward(
    dy: UnsafePointer<Float>, y: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
    outer: Int, axis: Int, inner: Int
  ) {
    forEachLine(outer: outer, axis: axis, inner: inner) { base in
      backwardLine(dy: dy + base, y: y + base, dx: dx + base, axis: axis, stride: inner)
    }
  }

  /// Calls `body` with the offset of the first element of every (outer, inner) line of a
  /// `[outer, axis, inner]` tensor, on several threads when there are many.
  @inline(__always)
  static func forEachLine(outer: Int, axis: Int, inner: Int, _ body: (Int) -> Void) {
    guard axis > 0 else { return }
    Parallel.forEach(count: outer * inner, minimumPerThread: max(1, grain / axis)) { range in
      for line in range {
        let (o, j) = line.quotientAndRemainder(dividingBy: inner)
        body(o * axis * inner + j)
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

/// Log-softmax over the middle axis of a `[outer, axis, inner]` tensor and its VJP (PyTorch
/// `nn.LogSoftmax`): yᵢ = (xᵢ − m) − ln Σⱼ e^(xⱼ − m) with m = maxⱼ xⱼ, so no exponent
/// overflows and the largest element's term is exactly 1 (the sum is ≥ 1, its log ≥ 0).
public enum LogSoftmaxKernel {
  /// y = log_softmax(x) along the middle axis.
  public static func forward(
    x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, outer: Int, axis: Int, inner: Int
  ) {
    SoftmaxKernel.forEachLine(outer: outer, axis: axis, inner: inner) { base in
      forwardLine(x: x + base, y: y + base, axis: axis, stride: inner)
    }
  }

  /// dx = dy − e^y · Σ dy along the middle axis, from the forward result y (e^y is the
  /// softmax; PyTorch's `log_softmax_backward`).
  public static func backward(
    dy: UnsafePointer<Float>, y: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
    outer: Int, axis: Int, inner: Int
  ) {
    SoftmaxKernel.forEachLine(outer: outer, axis: axis, inner: inner) { base in
      backwardLine(dy: dy + base, y: y + base, dx: dx + base, axis: axis, stride: inner)
    }
  }

  /// Log-softmax of one line of `axis` elements `stride` apart.
  @inline(__always)
  static func forwardLine(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, axis: Int, stride: Int) {
    var m = -Float.infinity
    for a in 0..<axis { m = max(m, x[a * stride]) }
    // All −∞ (a fully masked line): shift by 0, as softmax does.
    if m == -.infinity { m = 0 }
    var sum: Float = 0
    for a in 0..<axis { sum += VectorMath.exp(x[a * stride] - m) }
    let logSum = VectorMath.log(sum)
    for a in 0..<axis { y[a * stride] = (x[a * stride] - m) - logSum }
  }

  /// The VJP of one line of `axis` elements `stride` apart.
  @inline(__always)
  static func backwardLine(
    dy: UnsafePointer<Float>, y: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, axis: Int, stride: Int
  ) {
    var sum: Float = 0
    for a in 0..<axis { sum += dy[a * stride] }
    for a in 0..<axis { dx[a * stride] = dy[a * stride] - VectorMath.exp(y[a * stride]) * sum }
  }
}
