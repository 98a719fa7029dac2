import Foundation
import Testing

@testable import DLCKernels

/// `InitKernel.truncatedNormal` against torch.nn.init.trunc_normal_: the inverse error
/// function and the uniform → value map on the recorded points, then the moments and the
/// bounds of filled tensors against the closed-form moments of the truncated normal.
@Suite struct InitializersTruncatedTests {
  private func reference() throws -> InitializerReference {
    try #require(InitializerReference.fixture, "bench/reference/initializers_reference.json is missing or malformed")
  }

  /// erfinv to 1e-12 relative (Giles' approximation after two Newton steps) where PyTorch's
  /// float64 erfinv is exact to that; at 1 − 2⁻²⁰ and 1 − 2⁻²⁴, the largest a 24-bit
  /// uniform reaches, erf is so flat that 1e-9 is what a Double can resolve.
  @Test func erfinvMatchesPyTorch() throws {
    let r = try reference().erfinv
    for (p, want) in zip(r.p, r.erfinv) {
      let got = InitKernel.erfinv(p)
      let tolerance = abs(p) > 0.9999 ? 1e-9 : 1e-12
      #expect(abs(got - want) <= tolerance * max(1, abs(want)), "erfinv(\(p)) = \(got), PyTorch \(want)")
    }
    #expect(InitKernel.erfinv(1) == .infinity && InitKernel.erfinv(-1) == -.infinity)
  }

  /// The map from a uniform to a value, the steps of trunc_normal_ in float64, on fixed
  /// uniforms including 0 and 1 − 2⁻²⁴ (the stream's extremes).
  @Test func theMapMatchesPyTorch() throws {
    for c in try reference().truncated_normal {
      let map = TruncatedNormalMap(mean: c.mean, std: c.std, a: c.a, b: c.b)
      for (u, want) in zip(c.u, c.values) {
        let got = map(u)
        #expect(abs(got - want) <= 1e-9 * max(c.std, abs(want)), "(\(c.mean), \(c.std), [\(c.a), \(c.b)]) u \(u): \(got) vs \(want)")
      }
    }
  }

  /// 200 000 draws of each recorded (mean, std, a, b): every value in [a, b]; the sample
  /// mean within 5 standard errors (σ_t/√n ≈ 0.22% of σ_t) of the truncated distribution's
  /// mean, and the sample std within 1% of its std (the standard error of a sample std is
  /// about σ_t/√(2n), 0.16%).
  @Test func momentsAndBounds() throws {
    let n = 200_000
    for (k, c) in try reference().truncated_normal.enumerated() {
      var y = [Float](repeating: .nan, count: n)
      y.withUnsafeMutableBufferPointer {
        InitKernel.truncatedNormal($0.baseAddress!, count: n, mean: c.mean, std: c.std, a: c.a, b: c.b,
                                   stream: RandomStream(seed: 11, purpose: .initialization, id: UInt64(k)))
      }
      // Rounding to Float is monotone, so a value clamped to [a, b] stays in [Float(a), Float(b)].
      #expect(y.allSatisfy { $0 >= Float(c.a) && $0 <= Float(c.b) })
      let mean = y.reduce(0) { $0 + Double($1) } / Double(n)
      let std = (y.reduce(0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(n)).squareRoot()
      #expect(abs(mean - c.truncated_mean) < 5 * c.truncated_std / Double(n).squareRoot(), "case \(k): mean \(mean) vs \(c.truncated_mean)")
      #expect(abs(std / c.truncated_std - 1) < 0.01, "case \(k): std \(std) vs \(c.truncated_std)")
    }
  }

  /// Element i is the map of the stream's uniform i, over a tensor that spans several
  /// parallel chunks: the values do not depend on the thread count or on the tensor's size.
  @Test func elementIUsesStreamElementI() {
    let stream = RandomStream(seed: 5, purpose: .initialization, id: 3)
    let map = TruncatedNormalMap(mean: 0.5, std: 2, a: -1, b: 3)
    var big = [Float](repeating: .nan, count: 70_001), small = [Float](repeating: .nan, count: 1_000)
    big.withUnsafeMutableBufferPointer {
      InitKernel.truncatedNormal($0.baseAddress!, count: 70_001, mean: 0.5, std: 2, a: -1, b: 3, stream: stream)
    }
    small.withUnsafeMutableBufferPointer {
      InitKernel.truncatedNormal($0.baseAddress!, count: 1_000, mean: 0.5, std: 2, a: -1, b: 3, stream: stream)
    }
    #expect(big.indices.allSatisfy { big[$0] == Float(map(Double(stream.uniform(at: $0)))) })
    #expect(Array(big[0..<1_000]) == small)
  }
}
