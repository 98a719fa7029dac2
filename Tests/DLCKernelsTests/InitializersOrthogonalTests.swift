import Foundation
import Testing

@testable import DLCKernels

/// Orthogonal, delta-orthogonal and identity initialization.
@Suite struct InitializersOrthogonalTests {
  private func reference() throws -> InitializerReference {
    try #require(InitializerReference.fixture, "bench/reference/initializers_reference.json is missing or malformed")
  }

  private func orthogonal(_ shape: [Int], gain: Float, id: UInt64 = 0) -> [Float] {
    let count = shape.reduce(1, *)
    var y = [Float](repeating: .nan, count: count)
    y.withUnsafeMutableBufferPointer {
      InitKernel.orthogonal($0.baseAddress!, rows: shape[0], cols: count / shape[0], gain: gain,
                            stream: RandomStream(seed: 9, purpose: .initialization, id: id))
    }
    return y
  }

  /// The Householder QR with the sign correction gives PyTorch's factor (torch.linalg.qr,
  /// Q times sign(diag R), transposed for wide shapes) of the same normal matrix, to 1e-12:
  /// the QR with a positive diagonal is unique, so the algorithms agree up to rounding.
  @Test func theFactorIsPyTorchs() throws {
    let cases = try reference().orthogonal.filter { $0.matrix != nil }
    #expect(cases.count >= 4)
    for c in cases {
      let q = InitKernel.orthogonalFactor(of: c.matrix!, rows: c.rows, cols: c.cols)
      for (got, want) in zip(q, c.factor!) {
        #expect(abs(got * c.gain - want) < 1e-12, "shape \(c.shape): \(got * c.gain) vs \(want)")
      }
    }
  }

  /// WᵀW = gain²·I (WWᵀ for wide shapes, trailing dimensions flattened) on every recorded
  /// shape, to 1e-5·gain²: a float32 rounding of a Double factor; PyTorch's float32
  /// orthogonal_ lands within the deviation the fixture records (below 1e-6).
  @Test func gramIsGainSquaredIdentity() throws {
    for (k, c) in try reference().orthogonal.enumerated() {
      let w = orthogonal(c.shape, gain: Float(c.gain), id: UInt64(k))
      let deviation = gramDeviation(w, rows: c.rows, cols: c.cols, gain: c.gain)
      #expect(deviation < 1e-5 * c.gain * c.gain, "shape \(c.shape): \(deviation) (PyTorch \(c.torch_float32_gram_deviation))")
      #expect(c.torch_float32_gram_deviation < 1e-5)
    }
    #expect(gramDeviation(orthogonal([200, 96], gain: 1), rows: 200, cols: 96, gain: 1) < 1e-5)
    #expect(gramDeviation(orthogonal([40, 300], gain: 1), rows: 40, cols: 300, gain: 1) < 1e-5)
  }

  /// The values are gain · the factor of the stream's normals, element (r, c) being normal
  /// r·cols + c: the same stream gives the same values, another stream others.
  @Test func valuesComeFromTheStream() {
    let stream = RandomStream(seed: 9, purpose: .initialization, id: 0)
    let normals = (0..<(12 * 5)).map { Double(stream.normal(at: $0)) }
    let expected = InitKernel.orthogonalFactor(of: normals, rows: 12, cols: 5).map { 2 * Float($0) }
    #expect(orthogonal([12, 5], gain: 2) == expected)
    #expect(orthogonal([12, 5], gain: 2) == orthogonal([12, 5], gain: 2))
    #expect(orthogonal([12, 5], gain: 2) != orthogonal([12, 5], gain: 2, id: 1))
  }

  /// Delta-orthogonal (Xiao et al. 2018): every tap but the centre ((k − 1)/2) is zero; the
  /// centre, an out × in matrix, has orthonormal columns times gain.
  @Test func deltaOrthogonalHasAnOrthogonalCentreAndZerosElsewhere() {
    for (shape, gain) in [([16, 8, 3, 3], Float(1)), ([8, 8, 2, 2], 1.5), ([6, 6, 5, 3], 1), ([4, 3, 1, 1], 0.5)] {
      let (out, channels, kh, kw) = (shape[0], shape[1], shape[2], shape[3])
      var y = [Float](repeating: .nan, count: shape.reduce(1, *))
      y.withUnsafeMutableBufferPointer {
        InitKernel.deltaOrthogonal($0.baseAddress!, shape: shape, gain: gain, stream: RandomStream(seed: 2, purpose: .initialization))
      }
      let centre = ((kh - 1) / 2) * kw + (kw - 1) / 2
      var matrix: [Float] = []
      for o in 0..<out {
        for c in 0..<channels {
          for t in 0..<(kh * kw) where t != centre { #expect(y[(o * channels + c) * kh * kw + t] == 0, "\(shape) tap \(t)") }
          matrix.append(y[(o * channels + c) * kh * kw + centre])
        }
      }
      #expect(gramDeviation(matrix, rows: out, cols: channels, gain: Double(gain)) < 1e-5, "\(shape)")
    }
  }

  /// torch.nn.init.eye_: gain on the main diagonal, square or not.
  @Test func identityIsEye() {
    for (rows, cols) in [(3, 3), (3, 5), (5, 3)] {
      var y = [Float](repeating: .nan, count: rows * cols)
      y.withUnsafeMutableBufferPointer { InitKernel.identity($0.baseAddress!, rows: rows, cols: cols, gain: 0.5) }
      #expect(y == (0..<(rows * cols)).map { $0 / cols == $0 % cols ? 0.5 : 0 })
    }
  }
}
