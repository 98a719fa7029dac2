import Testing
import _DLCTestSupport

/// Shared pieces of the kernel tests: seeded data, raw buffers, and the finite-difference
/// check every backward kernel goes through.
enum KernelTesting {
  /// A raw Float buffer for calling kernels; outputs start as NaN, so a kernel that
  /// leaves an element unwritten fails its test.
  final class Tensor {
    let m: UnsafeMutablePointer<Float>
    let count: Int

    init(_ values: [Float]) {
      count = values.count
      m = .allocate(capacity: max(count, 1))
      m.initialize(from: values, count: count)
    }

    init(count: Int, value: Float = .nan) {
      self.count = count
      m = .allocate(capacity: max(count, 1))
      m.initialize(repeating: value, count: max(count, 1))
    }

    deinit { m.deallocate() }

    var p: UnsafePointer<Float> { UnsafePointer(m) }
    var array: [Float] { Array(UnsafeBufferPointer(start: m, count: count)) }
    var doubles: [Double] { array.map(Double.init) }
  }

  /// `count` values uniform in [-scale, scale), the same on every run.
  static func random(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
    var generator = SplitMix64(seed: seed)
    return (0..<count).map { _ in Float.random(in: -scale..<scale, using: &generator) }
  }

  /// Σ r ⊙ y in Double: the scalar loss whose gradient with respect to y is r.
  static func dot(_ r: [Float], _ y: [Double]) -> Double {
    zip(r, y).reduce(0) { $0 + Double($1.0) * $1.1 }
  }

  /// Expects |actual − expected| ≤ tolerance · (1 + |expected|) elementwise.
  static func expectClose(
    _ actual: [Float], _ expected: [Double], tolerance: Double = 1e-5, _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    #expect(actual.count == expected.count, "\(what): count", sourceLocation: sourceLocation)
    var worst = 0.0, at = -1
    for (i, (a, e)) in zip(actual, expected).enumerated() {
      let error = abs(Double(a) - e) / (1 + abs(e))
      if !(error <= worst) { (worst, at) = (error, i) }
    }
    #expect(worst <= tolerance, "\(what): element \(at) off by \(worst)", sourceLocation: sourceLocation)
  }

  /// Expects analytic[i] to equal the central difference (L(x + h·eᵢ) − L(x − h·eᵢ)) / 2h
  /// of a Double reference loss, for every element of x or a seeded sample of `samples`
  /// of them. The loss is evaluated in Double, so the difference quotient is exact to
  /// ~1e-10 (O(h²) truncation on smooth losses); what remains is the kernel's own Float32
  /// rounding, ~1e-6 relative to the largest gradient, well under `tolerance`.
  static func expectGradient(
    _ analytic: [Float], at x: [Float], samples: Int = 64, seed: UInt64 = 99, h: Double = 1e-4,
    tolerance: Double = 1e-4, _ what: String, sourceLocation: SourceLocation = #_sourceLocation,
    loss: ([Double]) -> Double
  ) {
    #expect(analytic.count == x.count, "\(what): count", sourceLocation: sourceLocation)
    var indices = Array(x.indices)
    if indices.count > samples {
      var generator = SplitMix64(seed: seed)
      indices.shuffle(using: &generator)
      indices = Array(indices.prefix(samples))
    }
    var point = x.map(Double.init)
    var differences: [(Int, Double)] = []
    for i in indices {
      let saved = point[i]
      point[i] = saved + h
      let up = loss(point)
      point[i] = saved - h
      let down = loss(point)
      point[i] = saved
      differences.append((i, (up - down) / (2 * h)))
    }
    let scale = max(differences.map { abs($0.1) }.max() ?? 0, 1e-3)
    var worst = 0.0, at = -1
    for (i, fd) in differences {
      let error = abs(Double(analytic[i]) - fd) / scale
      if !(error <= worst) { (worst, at) = (error, i) }
    }
    #expect(worst <= tolerance, "\(what): element \(at) off by \(worst) of \(scale)", sourceLocation: sourceLocation)
  }
}
