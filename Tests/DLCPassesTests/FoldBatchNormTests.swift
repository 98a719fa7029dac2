import DLCIR
import DLCPasses
import Testing
import _DLCTestSupport

@Suite struct FoldBatchNormTests {
  /// IR before and after, with the remark of every batchnorm folded or kept.
  @Test(arguments: PassGoldens.cases("fold-batchnorm"))
  func golden(_ input: String) throws {
    let folded = try PassGoldens.check(FoldBatchNorm(), input: input)
    // Idempotent: a second run finds nothing more to fold.
    #expect(try PassManager(passes: [FoldBatchNorm()]).running(folded) == folded)
  }

  @Test func goldenCasesExist() {
    #expect(PassGoldens.cases("fold-batchnorm").count >= 7)
  }

  /// dense → batchnorm with known numbers: w'[o] = s[o]·w[o], b' = s·(b − μ) + β.
  @Test func foldsDenseWeightsPerOutputRow() throws {
    var module = try parseModule(RepoRoot.read("golden/passes/fold-batchnorm/dense_then_batchnorm.ir")!)
    let context = PassContext(weights: Weights([
      "d.weight": .init(shape: [3, 4], floats: (0..<12).map { Float($0) - 5 }),
      "d.bias": .init(shape: [3], floats: [1, 2, 3]),
      "bn.gamma": .init(shape: [3], floats: [2, 1, 0.5]),
      "bn.beta": .init(shape: [3], floats: [0, 1, -1]),
      "bn.running_mean": .init(shape: [3], floats: [1, 0, 4]),
      "bn.running_var": .init(shape: [3], floats: [4 - 1e-5, 1 - 1e-5, 0.25 - 1e-5]),
    ]))
    try FoldBatchNorm().run(on: &module, context: context)
    let w = try #require(context.weights)
    // s = γ/√(σ²+ε) = [1, 1, 1]; t = β − μ·s = [-1, 1, -5].
    #expect(approx(try w.floats("d.weight"), (0..<12).map { Float($0) - 5 }))
    #expect(approx(try w.floats("d.bias"), [1 - 1 + 0, 2 - 0 + 1, 3 - 4 - 1]))
    #expect(w["bn.gamma"] == nil && module.parameter(named: "bn.gamma") == nil)
    #expect(module.function(named: "predict")!.body.map(\.opcode) == ["dense", "relu"])
  }

  /// A batchnorm without gamma and beta folds as γ = 1, β = 0: s = 1/√(σ²+ε), t = −μ·s.
  @Test func foldsABatchnormWithoutAffine() throws {
    var module = try parseModule(RepoRoot.read("golden/passes/fold-batchnorm/affine_free_batchnorm.ir")!)
    let context = PassContext(weights: Weights([
      "d.weight": .init(shape: [3, 4], floats: (0..<12).map { Float($0) - 5 }),
      "d.bias": .init(shape: [3], floats: [1, 2, 3]),
      "bn.running_mean": .init(shape: [3], floats: [1, 0, 4]),
      "bn.running_var": .init(shape: [3], floats: [4 - 1e-5, 1 - 1e-5, 0.25 - 1e-5]),
    ]))
    try FoldBatchNorm().run(on: &module, context: context)
    let w = try #require(context.weights)
    // s = [0.5, 1, 2]; b' = s·(b − μ) = [0, 2, −2].
    let s: [Float] = [0.5, 1, 2]
    #expect(approx(try w.floats("d.weight"), (0..<12).map { (Float($0) - 5) * s[$0 / 4] }))
    #expect(approx(try w.floats("d.bias"), [0, 2, -2]))
    #expect(w["bn.running_mean"] == nil && module.parameter(named: "bn.running_var") == nil)
    #expect(module.function(named: "predict")!.body.map(\.opcode) == ["dense", "relu"])
    #expect(context.remarks.map(\.message) == ["folded 'bn' into 'd'"])
  }

  /// Group, instance and layer norms stay, each with a remark that says why.
  @Test func perSampleNormsAreKeptWithTheirReason() throws {
    var module = try parseModule(RepoRoot.read("golden/passes/fold-batchnorm/per_sample_norms_kept.ir")!)
    let context = PassContext()
    try FoldBatchNorm().run(on: &module, context: context)
    let kept = context.remarks.map(\.message).filter { $0.hasPrefix("kept") }
    #expect(kept.count == 3)
    #expect(kept.allSatisfy { $0.contains("normalizes each sample with its own mean and variance") })
    #expect(kept.contains { $0.hasPrefix("kept 'i': an instance norm") })
    #expect(kept.contains { $0.hasPrefix("kept 'g': a groupnorm") })
    #expect(kept.contains { $0.hasPrefix("kept 'l': a layernorm") })
    #expect(module.function(named: "predict")!.body.count == 6)
  }

  /// batchnorm → conv2d without padding: each input channel's taps scale, the bias gains Σ w·t.
  @Test func foldsIntoTheConvThatReadsIt() throws {
    var module = try parseModule(RepoRoot.read("golden/passes/fold-batchnorm/batchnorm_then_conv.ir")!)
    let w: [Float] = (0..<24).map { Float($0 % 7) - 3 }
    let context = PassContext(weights: Weights([
      "c.weight": .init(shape: [3, 2, 2, 2], floats: w),
      "c.bias": .init(shape: [3], floats: [0.5, 0, -0.5]),
      "bn.gamma": .init(shape: [2], floats: [3, 1]),
      "bn.beta": .init(shape: [2], floats: [1, 0]),
      "bn.running_mean": .init(shape: [2], floats: [0, 2]),
      "bn.running_var": .init(shape: [2], floats: [1 - 1e-5, 4 - 1e-5]),
    ]))
    try FoldBatchNorm().run(on: &module, context: context)
    // s = [3, 0.5], t = [1, −1].
    let s: [Float] = [3, 0.5], t: [Float] = [1, -1]
    var wantW = w, wantB: [Float] = [0.5, 0, -0.5]
    for o in 0..<3 {
      for c in 0..<2 {
        for k in 0..<4 {
          let i = (o * 2 + c) * 4 + k
          wantB[o] += w[i] * t[c]
          wantW[i] = w[i] * s[c]
        }
      }
    }
    #expect(approx(try context.weights!.floats("c.weight"), wantW))
    #expect(approx(try context.weights!.floats("c.bias"), wantB))
  }

  @Test func refusesATrainingModule() throws {
    var module = try parseModule(RepoRoot.read("golden/passes/fold-batchnorm/dense_then_batchnorm.ir")!)
    module.functions.append(Function(name: "train_step", arguments: [], results: [], body: [], returns: []))
    #expect(throws: PassError.self) { try FoldBatchNorm().run(on: &module) }
  }

  @Test func refusesBrokenStatistics() throws {
    var module = try parseModule(RepoRoot.read("golden/passes/fold-batchnorm/dense_then_batchnorm.ir")!)
    let ones = Weights.Tensor(shape: [3], floats: [1, 1, 1])
    let context = PassContext(weights: Weights([
      "d.weight": .init(shape: [3, 4], floats: [Float](repeating: 1, count: 12)), "d.bias": ones,
      "bn.gamma": ones, "bn.beta": ones, "bn.running_mean": ones, "bn.running_var": .init(shape: [3], floats: [1, .nan, 1]),
    ]))
    #expect(throws: PassError.self) { try FoldBatchNorm().run(on: &module, context: context) }
  }

  private func approx(_ a: [Float], _ b: [Float]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($1)) }
  }
}
