import DLCIR
import DLCPasses
import Testing
import _DLCTestSupport

@testable import DLCRuntime
@testable import DLCTraining

/// Pruned models in the interpreter: masks hold pruned weights at zero through training
/// steps (`apply_mask` after each update), and structured pruning of neurons or channels
/// whose weights are already zero changes no output.
@Suite struct FineTuningTests {
  static let sgd: Attribute = .dict(["freeze": .list([]), "optimizer": .dict([
    "kind": "adam", "lr": 0.05, "betas": .list([0.9, 0.999]), "eps": 1e-8, "weight_decay": 0.01, "amsgrad": false,
  ])])

  static func module(_ name: String) throws -> Module {
    try parseModule(try #require(RepoRoot.read("golden/passes/prune/\(name).ir")))
  }

  static func random(_ n: Int, _ rng: inout SplitMix64, scale: Float = 1) -> [Float] {
    (0..<n).map { _ in scale * Float(Double(rng.next() % 2_000_001) / 1_000_000 - 1) }
  }

  /// Values for every parameter (positive variances).
  static func weights(for module: Module, seed: UInt64) -> Weights {
    var rng = SplitMix64(seed: seed)
    var out = Weights()
    for p in module.parameters {
      let shape = p.type.fixedShape ?? []
      var v = random(shape.reduce(1, *), &rng)
      if p.name.hasSuffix("running_var") { v = v.map { 1 + abs($0) } }
      out[p.name] = .init(shape: shape, floats: v)
    }
    return out
  }

  /// The model's outputs for `x` (`n` samples) under `weights`.
  static func predict(_ module: Module, _ weights: Weights, _ x: [Float], n: Int) throws -> [Float] {
    let backend = InterpreterBackend(module: module, seed: 0)
    try backend.parameters.filter { !$0.isOptimizerState }.load(weights)
    let input = try backend.predictBuffer(batch: n)
    x.withUnsafeBufferPointer { input.update(from: $0.baseAddress!, count: x.count) }
    let y = try backend.predict(batch: n)
    return Array(UnsafeBufferPointer(start: y, count: n * backend.outputWidth))
  }

  /// Adam with weight decay moves every weight; the masked ones are zero after each step.
  @Test func masksHoldThroughTrainingSteps() throws {
    var module = try Self.module("neuron_batchnorm")
    module.attributes["train"] = Self.sgd
    let context = PassContext(weights: Self.weights(for: module, seed: 3))
    try PassManager(passes: [Prune(sparsity: 0.6, pruneOutput: true)], context: context).run(on: &module)
    let pruned = try #require(context.weights)
    let training = try FineTuning.trainingModule(module, lr: 0.05)
    #expect(training.function(named: "train_step")!.body.filter { $0.opcode == "apply_mask" }.count == 2)
    let backend = InterpreterBackend(module: training, seed: 0)
    try backend.parameters.filter { !$0.isOptimizerState }.load(pruned)
    var rng = SplitMix64(seed: 9)
    for step in 1...5 {
      let (x, target) = try backend.trainBuffers(batch: 7)
      Self.random(28, &rng).withUnsafeBufferPointer { x.update(from: $0.baseAddress!, count: 28) }
      for i in 0..<7 { target.assumingMemoryBound(to: Int32.self)[i] = Int32(rng.next() % 3) }
      _ = try backend.trainStep(batch: 7, lr: 0.05, step: Int64(step))
    }
    var after = pruned
    FineTuning.store(backend.parameters.filter { !$0.isOptimizerState }, into: &after)
    for w in ["d1.weight", "d2.weight"] {
      let mask = try after.floats(w + "_mask"), now = try after.floats(w), before = try pruned.floats(w)
      #expect(mask == (try pruned.floats(w + "_mask")))
      for i in mask.indices where mask[i] == 0 { #expect(now[i] == 0) }
      #expect(zip(zip(mask, now), before).contains { $0.0 == 1 && $0.1 != $1 }, "the kept weights of \(w) train")
    }
  }

  /// Removing neurons (batchnorm between) or channels (flatten after) whose weights and
  /// bias are zero leaves every output as it was, at any sparsity.
  @Test(arguments: [("neuron_batchnorm", 0.25), ("neuron_batchnorm", 0.5), ("neuron_batchnorm", 0.75),
                    ("channel_flatten_dense", 0.25), ("channel_flatten_dense", 0.5), ("channel_flatten_dense", 0.75)])
  func removingZeroUnitsChangesNothing(_ name: String, _ s: Double) throws {
    let module = try Self.module(name)
    let channel = name.hasPrefix("channel")
    let (w, b) = channel ? ("c.weight", "c.bias") : ("d1.weight", "d1.bias")
    var weights = Self.weights(for: module, seed: 5)
    let units = weights[w]!.shape[0]
    let removed = units - max(1, Int(((1 - s) * Double(units)).rounded()))
    let zero = Set((0..<units).map { ($0 * 5 + 3) % units }.prefix(removed))
    let width = weights[w]!.shape.dropFirst().reduce(1, *)
    var wv = try weights.floats(w), bv = try weights.floats(b)
    for u in zero {
      for k in 0..<width { wv[u * width + k] = 0 }
      bv[u] = 0
      if !channel {
        // batchnorm(0) = β − μ·γ/√(σ²+ε): zero with β = μ = 0.
        weights["bn.beta"]!.storage = .f32(try weights.floats("bn.beta").enumerated().map { $0.offset == u ? 0 : $0.element })
        weights["bn.running_mean"]!.storage = .f32(try weights.floats("bn.running_mean").enumerated().map { $0.offset == u ? 0 : $0.element })
      }
    }
    weights[w]!.storage = .f32(wv)
    weights[b]!.storage = .f32(bv)

    var pruned = module
    let context = PassContext(weights: weights)
    try Prune(sparsity: s, structure: channel ? .channel : .neuron).run(on: &pruned, context: context)
    #expect(verify(pruned).isEmpty)
    #expect(pruned.parameter(named: w)?.type.fixedShape?.first == units - removed)

    var rng = SplitMix64(seed: 11)
    let n = 5
    let x = Self.random(n * (module.function(named: "predict")!.arguments[0].type.elementCountPerSample), &rng)
    let before = try Self.predict(module, weights, x, n: n)
    let after = try Self.predict(pruned, try #require(context.weights), x, n: n)
    let scale = before.map { abs($0) }.max()!
    #expect(zip(before, after).allSatisfy { abs($0 - $1) <= 1e-6 * max(scale, 1) }, "\(before) vs \(after)")
  }
}
