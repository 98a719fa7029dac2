/// Elementwise arithmetic and data movement: add, multiply, copy, fill, concat, slice.
///
/// Outputs may alias inputs elementwise (`multiply(y, b, y: y, …)` is fine). Loops over
/// more than 2 × `grain` elements run on `Parallel.threads` threads.
public enum ElementwiseKernel {
  /// Elements per thread below which a loop stays on the calling thread.
  static let grain = 32_768

  /// y = a + b.
  public static func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, count: Int) {
    Parallel.forEach(count: count, minimumPerThread: grain) { range in
      for i in range { y[i] = a[i] + b[i] }
    }
  }

  /// y += x.
  public static func accumulate(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
    Parallel.forEach(count: count, minimumPerThread: grain) { range in
      for i in range { y[i] += x[i] }
    }
  }

  /// y = a ⊙ b.
  public static func multiply(
    _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, count: Int
  ) {
    Parallel.forEach(count: count, minimumPerThread: grain) { range in
      for i in range { y[i] = a[i] * b[i] }
    }
  }

  /// y = x (memmove semantics: overlapping buffers are fine).
  public static func copy(_ x: UnsafePointer<Float>, to y: UnsafeMutablePointer<Float>, count: Int) {
    guard count > 0, UnsafePointer(y) != x else { return }
    y.update(from: x, count: count)
  }

  /// y = value everywhere.
  public static func fill(_ y: UnsafeMutablePointer<Float>, count: Int, value: Float) {
    guard count > 0 else { return }
    y.update(repeating: value, count: count)
  }

  /// Concatenation along the middle axis: part i is `[outer, axisSize_i, inner]`, y is
  /// `[outer, Σ axisSize_i, inner]`.
  public static func concat(_ parts: [(UnsafePointer<Float>, Int)], y: UnsafeMutablePointer<Float>, outer: Int, inner: Int) {
    var total = 0
    for part in parts { total += part.1 }
    let rowOut = total * inner
    var offset = 0
    for (source, size) in parts {
      let run = size * inner
      if run > 0 {
        for o in 0..<outer { (y + o * rowOut + offset).update(from: source + o * run, count: run) }
      }
      offset += run
    }
  }

  /// y = x[:, start..<start+length, :] of a `[outer, axisSize, inner]` tensor (the VJP of concat).
  public static func slice(
    x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, outer: Int, axisSize: Int, start: Int, length: Int,
    inner: Int
  ) {
    let run = length * inner
    guard run > 0 else { return }
    for o in 0..<outer { (y + o * run).update(from: x + (o * axisSize + start) * inner, count: run) }
  }
}
