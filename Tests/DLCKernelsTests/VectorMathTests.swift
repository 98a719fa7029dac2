import Foundation
import Testing

@testable import DLCKernels

/// The vectorizable exp, log, log1p, erf and tanh against libm over their useful ranges.
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

  @Test func logIsWithinTwoUlps() {
    // Every power of 2 from 2⁻¹²⁶ to 2¹²⁷ times a grid of mantissas, and a grid around 1
    // (where ln x is near 0 and the relative error is the hard part).
    let mantissas = Self.grid(1...2)
    var worst: Double = 0
    for e in stride(from: -126, through: 127, by: 7) {
      for m in mantissas where m < 2 {
        let x = m * Float(sign: .plus, exponent: e, significand: 1)
        let want = Foundation.log(Double(x))
        worst = max(worst, abs(Double(VectorMath.log(x)) - want) / max(abs(want), 1e-30))
      }
    }
    for x in Self.grid(0.9...1.1) where x != 1 {
      let want = Foundation.log(Double(x))
      worst = max(worst, abs(Double(VectorMath.log(x)) - want) / abs(want))
    }
    // 2 ulp of Float is 2 · 2⁻²³ ≈ 2.4e-7 relative.
    #expect(worst < 2.4e-7, "worst relative error \(worst)")
    #expect(VectorMath.log(1) == 0)
    #expect(VectorMath.log(.infinity) == .infinity && VectorMath.log(0) == -.infinity)
    #expect(VectorMath.log(-1).isNaN && VectorMath.log(.nan).isNaN)
  }

  @Test func log1pKeepsTinyArgumentsAndMatchesLibm() {
    var worst: Double = 0
    for x in Self.grid(0...20) + Self.grid(-0.5...0.5) + [1e-8, 1e-20, 3e-38, 1e10, 1e30, 3e38] {
      let want = Foundation.log1p(Double(x))
      worst = max(worst, abs(Double(VectorMath.log1p(x)) - want) / max(abs(want), 1e-38))
    }
    // 4 ulp: ln(u) and the quotient x/(u − 1) each round.
    #expect(worst < 4.8e-7, "worst relative error \(worst)")
    #expect(VectorMath.log1p(0) == 0 && VectorMath.log1p(1e-30) == 1e-30)
    #expect(VectorMath.log1p(.infinity) == .infinity)
    // softplus of a very negative input: e^x underflows to 0 and ln(1 + 0) is 0.
    #expect(VectorMath.log1p(VectorMath.exp(-100)) == 0)
  }
}
