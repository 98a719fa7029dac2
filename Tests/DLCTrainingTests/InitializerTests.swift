import DLCKernels
import DLCTraining
import Testing

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
}
