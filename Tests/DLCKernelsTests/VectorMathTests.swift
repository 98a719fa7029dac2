import Foundation
import Testing

@testable import DLCKernels

/// The vectorizable exp, erf and tanh against libm over their useful ranges.
@Suite struct VectorMathTests {
  /// Every 1/1000 of the range, plus the ends.
  static func grid(_ range: ClosedRange<Float>) -> [Float] {
    stride(from: range.lowerBound, through: range.upperBound, by: (range.upperBound - range.lowerBound) / 20_000).map { $0 }
  }

  @Test func expIsWithinFourUlps() {
    var worst: Double = 0
    for x in Self.grid(-87...88) {
      let want = Foundation.exp(Double(x))
      worst = max(worst, abs(Double(VectorMath.exp(x)) - want) / want)
    }
    // 4 ulp of Float is 4 · 2⁻²³ ≈ 4.8e-7 relative.
    #expect(worst < 4.8e-7, "worst relative error \(worst)")
    #expect(VectorMath.exp(0) == 1)
    #expect(VectorMath.exp(-1000) == 0)
    #expect(VectorMath.exp(1000).isFinite)
  }

  @Test func erfIsWithinHalfAMillionth() {
    var worst: Double = 0
    for x in Self.grid(-6...6) { worst = max(worst, abs(Double(VectorMath.erf(x)) - Foundation.erf(Double(x)))) }
    // The approximation is within 7e-8 in exact arithmetic; Float rounding of the two
    // polynomials and the division adds a few ulp of the result.
    #expect(worst < 5e-7, "worst absolute error \(worst)")
    #expect(VectorMath.erf(0) == 0)
    #expect(VectorMath.erf(-1) == -VectorMath.erf(1))
  }

  @Test func tanhIsAccurateNearZeroAndSaturates() {
    var worst: Double = 0
    for x in Self.grid(-10...10) {
      let want = Foundation.tanh(Double(x))
      worst = max(worst, abs(Double(VectorMath.tanh(x)) - want) / max(abs(want), 1e-3))
    }
    #expect(worst < 2e-6, "worst error \(worst)")
    #expect(VectorMath.tanh(1e-6) == 1e-6)
    #expect(VectorMath.tanh(50) == 1 && VectorMath.tanh(-50) == -1)
  }
}
