import DLCKernels
import DLCTraining
import Foundation
import Testing
import _DLCTestSupport

/// `Initializer` reads every parameter from the `init` attribute Sema wrote with the
/// catalog's defaults; it never substitutes its own (it once filled a `uniform` without
/// bounds from [0, 1), a `normal` without std with std 1, and a kaiming without
/// `nonlinearity` for `leaky_relu`, none of them the catalog's defaults).
@Suite struct InitializerTests {
  private func fill(_ initializer: Initializer, count: Int = 64) throws -> [Float] {
    var values = [Float](repeating: .nan, count: count)
    try values.withUnsafeMutableBufferPointer { buffer in
      try initializer.fill(buffer.baseAddress!, shape: [count / 8, 8], stream: RandomStream(seed: 7, purpose: .initialization))
    }
    return values
  }

  @Test func aMissingParameterIsAnErrorNotAFallback() {
    for (kind, numbers, strings) in [
      ("uniform", ["low": -0.05], [String: String]()), ("normal", ["mean": 0.0], [:]), ("constant", [:], [:]),
      ("xavier_uniform", [:], [:]), ("kaiming_normal", ["a": 0.0], ["mode": "fan_in"]),
    ] {
      #expect(throws: TrainingError.self, "\(kind)") { try fill(Initializer(kind: kind, numbers: numbers, strings: strings)) }
    }
    #expect(throws: TrainingError.self) { try fill(Initializer(kind: "orthogonal")) }
  }

  @Test func theGivenParametersAreUsed() throws {
    let uniform = try fill(Initializer(kind: "uniform", numbers: ["low": -0.05, "high": 0.05]))
    #expect(uniform.allSatisfy { $0 >= -0.05 && $0 < 0.05 } && uniform.contains { $0 < 0 })
    let constant = try fill(Initializer(kind: "constant", numbers: ["value": 0.5]))
    #expect(constant.allSatisfy { $0 == 0.5 })
    // kaiming_uniform with relu's gain √2 over fan_in 8: bound √3 · √2 / √8 ≈ 0.866.
    let kaiming = try fill(Initializer(kind: "kaiming_uniform", numbers: ["a": 0], strings: ["mode": "fan_in", "nonlinearity": "relu"]))
    #expect(kaiming.allSatisfy { abs($0) <= 0.8661 } && kaiming.contains { abs($0) > 0.6 })
  }

  /// The new kinds read their parameters too: a missing one is an error.
  @Test func theNewKindsNeedTheirParameters() {
    for (kind, numbers, strings) in [
      ("variance_scaling", ["scale": 1.0], ["mode": "fan_in"]), ("truncated_normal", ["mean": 0.0, "std": 1, "a": -2], [:]),
      ("orthogonal", [:], [String: String]()), ("delta_orthogonal", [:], [:]), ("identity", [:], [:]),
    ] {
      #expect(throws: TrainingError.self, "\(kind)") { try fill(Initializer(kind: kind, numbers: numbers, strings: strings)) }
    }
  }

  /// Shapes an initializer cannot fill are errors at run time too (Sema reports them at
  /// the spec's line; this guards IR written by hand).
  @Test func shapesThatDoNotFitAreErrors() {
    let stream = RandomStream(seed: 1, purpose: .initialization)
    var buffer = [Float](repeating: 0, count: 16 * 8 * 9)
    for (kind, shape) in [("orthogonal", [10]), ("identity", [2, 2, 3, 3]), ("identity", [4]),
                          ("delta_orthogonal", [4, 4]), ("delta_orthogonal", [8, 16, 3, 3])] {
      #expect(throws: TrainingError.self, "\(kind) \(shape)") {
        try buffer.withUnsafeMutableBufferPointer { try Initializer(kind: kind, numbers: ["gain": 1]).fill($0.baseAddress!, shape: shape, stream: stream) }
      }
    }
    #expect(Initializer.shapeProblem(kind: "delta_orthogonal", shape: [16, 8, 3, 3]) == nil)
    #expect(Initializer.shapeProblem(kind: "identity", shape: [3, 5]) == nil)
  }

  /// The scales recorded from PyTorch's and Keras's formulas, per weight shape.
  struct Scales: Decodable {
    struct Scaling: Decodable {
      var scale: Double, mode: String, truncated_normal_sigma: Double, untruncated_normal_std: Double
      var uniform_limit: Double, std: Double
    }
    var shape: [Int], lecun_normal_std: Double, lecun_uniform_bound: Double
    var variance_scaling: [Scaling]
  }
  struct Reference: Decodable {
    var keras_truncation_constant: Double, unit_normal_truncated_to_2_std: Double
    var scales: [Scales]
  }
  static let reference: Reference? = RepoRoot.read("bench/reference/initializers_reference.json")
    .flatMap { try? JSONDecoder().decode(Reference.self, from: Data($0.utf8)) }

  private func draw(_ initializer: Initializer, shape: [Int], id: UInt64 = 0) throws -> [Float] {
    var values = [Float](repeating: .nan, count: shape.reduce(1, *))
    try values.withUnsafeMutableBufferPointer {
      try initializer.fill($0.baseAddress!, shape: shape, stream: RandomStream(seed: 3, purpose: .initialization, id: id))
    }
    return values
  }

  private func std(_ v: [Float]) -> Double {
    let mean = v.reduce(0) { $0 + Double($1) } / Double(v.count)
    return (v.reduce(0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(v.count)).squareRoot()
  }

  /// Keras's 0.87962566103423978 is the std of a unit normal truncated to ±2.
  @Test func theTruncationConstantIsKeras() throws {
    let r = try #require(Self.reference, "bench/reference/initializers_reference.json is missing or malformed")
    #expect(InitKernel.truncatedUnitNormalStd == r.keras_truncation_constant)
    #expect(abs(r.keras_truncation_constant - r.unit_normal_truncated_to_2_std) < 1e-15)
  }

  /// variance_scaling for every mode and distribution, and lecun_normal / lecun_uniform,
  /// on the recorded dense and conv shapes (the 401 408-value shape at scale 1 only, to
  /// keep the test fast): the sample std within 6 standard errors of the recorded std (a
  /// sample std of n values has a relative standard error of about 1/√(2n): 0.11% at
  /// 401 408 values, 1.4% at 2 400), and every value inside ±2σ (truncated) or ±limit
  /// (uniform), with the extremes near those limits.
  @Test func varianceScalingMatchesKerasFormulas() throws {
    let r = try #require(Self.reference, "bench/reference/initializers_reference.json is missing or malformed")
    #expect(r.scales.count >= 4)
    for s in r.scales {
      let n = s.shape.reduce(1, *)
      let tolerance = 6 / (2 * Double(n)).squareRoot()
      for (k, c) in s.variance_scaling.enumerated() where n < 100_000 || c.scale == 1 {
        for distribution in ["truncated_normal", "untruncated_normal", "uniform"] {
          let v = try draw(Initializer(kind: "variance_scaling", numbers: ["scale": c.scale],
                                       strings: ["mode": c.mode, "distribution": distribution]), shape: s.shape, id: UInt64(k))
          #expect(abs(std(v) / c.std - 1) < tolerance, "\(s.shape) \(c.scale) \(c.mode) \(distribution): \(std(v)) vs \(c.std)")
          let largest = Double(v.map(abs).max()!)
          switch distribution {
          case "truncated_normal": #expect(largest <= 2 * c.truncated_normal_sigma * (1 + 1e-6) && largest > 1.9 * c.truncated_normal_sigma)
          case "uniform": #expect(largest < c.uniform_limit && largest > (1 - 10 / Double(n)) * c.uniform_limit)
          default: #expect(n < 40_000 || largest > 3 * c.untruncated_normal_std)
          }
        }
      }
      let normal = try draw(Initializer(kind: "lecun_normal"), shape: s.shape, id: 100)
      #expect(abs(std(normal) / s.lecun_normal_std - 1) < tolerance, "\(s.shape) lecun_normal")
      #expect(Double(normal.map(abs).max()!) <= 2 * s.lecun_normal_std / r.keras_truncation_constant * (1 + 1e-6))
      let uniform = try draw(Initializer(kind: "lecun_uniform"), shape: s.shape, id: 101)
      #expect(Double(uniform.map(abs).max()!) < s.lecun_uniform_bound)
      #expect(abs(std(uniform) / (s.lecun_uniform_bound / 3.0.squareRoot()) - 1) < tolerance, "\(s.shape) lecun_uniform")
    }
  }
}
