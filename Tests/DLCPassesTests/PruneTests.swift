import DLCIR
import DLCPasses
import Testing
import _DLCTestSupport

@Suite struct PruneTests {
  /// The pass a golden case asks for in its own `optimize` attribute, as a spec would.
  static func pass(for module: Module) throws -> any Pass {
    let entry = try #require(OptimizePipeline.entries(of: module).first)
    return try OptimizePipeline.pass(for: entry)
  }

  static func load(_ name: String) throws -> Module {
    try parseModule(try #require(RepoRoot.read("golden/passes/prune/\(name).ir")))
  }

  /// Distinct values for every f32 parameter: |w| grows with a scrambled index.
  static func weights(for module: Module, seed: UInt64 = 1) -> Weights {
    var rng = SplitMix64(seed: seed)
    var out = Weights()
    for p in module.parameters {
      let shape = p.type.fixedShape ?? []
      let n = shape.reduce(1, *)
      out[p.name] = .init(shape: shape, floats: (0..<n).map { _ in Float(Double(rng.next() % 2_000_001) / 1_000_000 - 1) })
    }
    return out
  }

  /// IR before and after, with the remark of every layer pruned or kept.
  @Test(arguments: PassGoldens.cases("prune"))
  func golden(_ input: String) throws {
    let module = try parseModule(try #require(RepoRoot.read(input)))
    try PassGoldens.check(try Self.pass(for: module), input: input)
  }

  @Test func goldenCasesExist() { #expect(PassGoldens.cases("prune").count >= 5) }

  /// With weights the IR comes out exactly as without them (`--emit opt-ir` shows the truth).
  @Test(arguments: PassGoldens.cases("prune"))
  func sameIRWithWeights(_ input: String) throws {
    let module = try parseModule(try #require(RepoRoot.read(input)))
    let pass = try Self.pass(for: module)
    let bare = try PassManager(passes: [pass]).running(module)
    let context = PassContext(weights: Self.weights(for: module))
    let weighted = try PassManager(passes: [pass], context: context).running(module)
    #expect(printModule(weighted) == printModule(bare))
    for p in weighted.parameters { #expect(context.weights?[p.name]?.shape == p.type.fixedShape, "\(p.name)") }
  }

  // MARK: unstructured

  /// Global scope: exactly round(s·total) weights are zero, and none kept is smaller than one pruned.
  @Test(arguments: [0.5, 0.75, 0.9])
  func globalSparsityIsExact(_ s: Double) throws {
    var module = try Self.load("unstructured_global")
    let original = Self.weights(for: module)
    let context = PassContext(weights: original)
    try Prune(sparsity: s, scope: .global, pruneOutput: true).run(on: &module, context: context)
    let w = try #require(context.weights)
    var pruned: [Float] = [], kept: [Float] = []
    for name in ["c.weight", "d.weight"] {
      let mask = try w.floats(name + "_mask"), now = try w.floats(name), before = try original.floats(name)
      #expect(module.parameter(named: name + "_mask")?.type == module.parameter(named: name)?.type)
      for i in mask.indices {
        #expect(mask[i] == 0 || mask[i] == 1)
        if mask[i] == 0 { pruned.append(abs(before[i])); #expect(now[i] == 0) } else { kept.append(abs(before[i])); #expect(now[i] == before[i]) }
      }
    }
    #expect(pruned.count == Int((s * 144).rounded()))
    #expect(pruned.max()! <= kept.min()!)
    #expect(try w.floats("c.bias") == original.floats("c.bias"))
  }

  /// Layer scope: each layer loses round(s·n) of its own weights.
  @Test func layerSparsityIsExactPerLayer() throws {
    var module = try Self.load("unstructured_global")
    let context = PassContext(weights: Self.weights(for: module))
    try Prune(sparsity: 0.75, scope: .layer, pruneOutput: true).run(on: &module, context: context)
    let w = try #require(context.weights)
    #expect(try w.floats("c.weight_mask").filter { $0 == 0 }.count == 27)
    #expect(try w.floats("d.weight_mask").filter { $0 == 0 }.count == 81)
  }

  /// Equal magnitudes: the earlier layer and the lower index go first.
  @Test func tiesAreBrokenByLayerThenIndex() throws {
    var module = try Self.load("unstructured_global")
    var weights = Self.weights(for: module)
    weights["c.weight"] = .init(shape: [4, 1, 3, 3], floats: [Float](repeating: 0.5, count: 36))
    weights["d.weight"] = .init(shape: [3, 36], floats: [Float](repeating: -0.5, count: 108))
    let context = PassContext(weights: weights)
    try Prune(sparsity: 0.5, pruneOutput: true).run(on: &module, context: context)
    #expect(try context.weights!.floats("c.weight_mask") == [Float](repeating: 0, count: 36))
    #expect(try context.weights!.floats("d.weight_mask") == [Float](repeating: 0, count: 36) + [Float](repeating: 1, count: 72))
  }

  /// The polynomial schedule raises the sparsity before each fine-tuning epoch to
  /// s·(1 − (1 − (e+1)/E)³) and ends at s; the service gets the optimizer's lr / 10.
  @Test func polynomialScheduleDuringFineTuning() throws {
    var module = try Self.load("unstructured_global")
    module.attributes["train"] = .dict(["optimizer": .dict(["kind": "adam", "lr": 0.01])])
    let context = PassContext(weights: Self.weights(for: module))
    var zeros: [Int] = [], rates: [Double] = []
    context.fineTune = { _, weights, epochs, lr, beforeEpoch in
      rates.append(lr)
      var w = weights
      for e in 0...epochs {
        try beforeEpoch(e, &w)
        zeros.append(try w.floats("c.weight_mask").filter { $0 == 0 }.count + w.floats("d.weight_mask").filter { $0 == 0 }.count)
        // "Training" moves every weight, pruned ones too; the masks must take them back.
        if e < epochs { w["d.weight"]!.storage = .f32(try w.floats("d.weight").map { $0 + 0.25 }) }
      }
      return w
    }
    try Prune(sparsity: 0.8, finetuneEpochs: 4, pruneOutput: true).run(on: &module, context: context)
    let want = (0..<4).map { e in Int((0.8 * (1 - pow3(1 - Double(e + 1) / 4)) * 144).rounded()) }
    #expect(zeros == want + [want[3]])
    #expect(want[3] == Int((0.8 * 144).rounded()))
    #expect(rates.count == 1 && abs(rates[0] - 0.001) < 1e-12)
    let w = try #require(context.weights)
    let mask = try w.floats("d.weight_mask"), d = try w.floats("d.weight")
    #expect(zip(mask, d).allSatisfy { $0 == 1 || $1 == 0 })
  }

  /// One shot prunes to s before fine-tuning; an explicit lr is passed as it is.
  @Test func oneShotPrunesAtOnce() throws {
    var module = try Self.load("unstructured_global")
    let context = PassContext(weights: Self.weights(for: module))
    var zeros: [Int] = [], rates: [Double] = []
    context.fineTune = { _, weights, epochs, lr, beforeEpoch in
      rates.append(lr)
      var w = weights
      for e in 0...epochs {
        try beforeEpoch(e, &w)
        zeros.append(try w.floats("c.weight_mask").filter { $0 == 0 }.count + w.floats("d.weight_mask").filter { $0 == 0 }.count)
      }
      return w
    }
    try Prune(sparsity: 0.5, finetuneEpochs: 2, schedule: .oneShot, lr: 0.02, pruneOutput: true).run(on: &module, context: context)
    #expect(zeros == [72, 72, 72])
    #expect(rates == [0.02])
  }

  /// By default the output layer (`d`, whose result the model returns) keeps every weight
  /// and gets no mask; the sparsity is taken over the other layers (`c`: 36 weights).
  @Test func theOutputLayerIsKeptUnlessAskedFor() throws {
    var module = try Self.load("unstructured_global")
    let original = Self.weights(for: module)
    let context = PassContext(weights: original)
    try Prune(sparsity: 0.5).run(on: &module, context: context)
    let w = try #require(context.weights)
    #expect(module.parameter(named: "d.weight_mask") == nil && w["d.weight_mask"] == nil)
    #expect(try w.floats("d.weight") == original.floats("d.weight"))
    #expect(try w.floats("c.weight").filter { $0 == 0 }.count == 18)
    #expect(context.remarks.contains { $0.message == "kept 'd': it is the output layer (set 'prune_output: true' to prune it too)" },
            "\(context.remarks)")
  }

  /// The output layers are the dense and conv2d ops nearest the returns: through
  /// activations and batchnorm (`d2` after `d1 → bn → relu`), every branch of a merge.
  @Test func outputLayersAreFoundThroughNonLinearOps() throws {
    let chain = try Self.load("neuron_batchnorm").function(named: "predict")!
    #expect(Prune.outputLayers(chain).map { chain.body[$0].results[0].name } == ["d2"])
    let branches = try parseModule("""
      module @m {
        param @a.weight : tensor<4x4xf32>
        param @b.weight : tensor<4x4xf32>
        param @c.weight : tensor<4x4xf32>
        func @predict(%x: tensor<Nx4xf32>) -> (tensor<Nx4xf32>) {
          %a = dense(%x, @a.weight) : tensor<Nx4xf32>
          %b = dense(%a, @b.weight) : tensor<Nx4xf32>
          %c = dense(%a, @c.weight) : tensor<Nx4xf32>
          %s = add(%b, %c) : tensor<Nx4xf32>
          %r = relu(%s) : tensor<Nx4xf32>
          return %r
        }
      }
      """).function(named: "predict")!
    #expect(Set(Prune.outputLayers(branches).map { branches.body[$0].results[0].name }) == ["b", "c"])
  }

  /// A deployment pipeline that prunes ends with `drop-masks`: the deployed model has no
  /// mask parameters or weights, and the pruned weights are still zero.
  @Test func deploymentDropsTheMasks() throws {
    var module = try Self.load("unstructured_global")
    let passes = try PassPipeline.deployment([.init(kind: "prune", options: ["sparsity": 0.5, "prune_output": true])])
    #expect(passes.map(\.name) == ["prune", "drop-masks"])
    let context = PassContext(weights: Self.weights(for: module))
    try PassManager(passes: passes, context: context).run(on: &module)
    let w = try #require(context.weights)
    #expect(!module.parameters.contains { $0.attributes["role"]?.stringValue == "mask" })
    #expect(w.tensors.keys.allSatisfy { !$0.hasSuffix("_mask") })
    #expect(try w.floats("c.weight").filter { $0 == 0 }.count + w.floats("d.weight").filter { $0 == 0 }.count == 72)
    #expect(context.remarks.contains { $0.pass == "drop-masks" && $0.message.hasPrefix("dropped 2 pruning masks") })
    #expect(try PassPipeline.deployment([.init(kind: "fold_batchnorm")]).map(\.name) == ["fold-batchnorm"])
  }

  // MARK: structured

  /// Neurons with the largest L1 rows stay; their bias, batchnorm entries and the
  /// consumer's input columns go with them.
  @Test func neuronPruningKeepsLargestRowsAndShrinksBatchnorm() throws {
    var module = try Self.load("neuron_batchnorm")
    var weights = Self.weights(for: module)
    // Rows 1, 4, 6, 7 have the largest L1 norms.
    let scale: [Float] = [0.1, 5, 0.2, 0.3, 4, 0.1, 3, 2]
    weights["d1.weight"] = .init(shape: [8, 4], floats: (0..<32).map { scale[$0 / 4] * (($0 % 2 == 0) ? 1 : -1) })
    let context = PassContext(weights: weights)
    try Prune(sparsity: 0.5, structure: .neuron).run(on: &module, context: context)
    #expect(verify(module).isEmpty)
    let keep = [1, 4, 6, 7]
    let w = try #require(context.weights)
    #expect(try w.floats("d1.bias") == keep.map { try! weights.floats("d1.bias")[$0] })
    for bn in ["bn.gamma", "bn.beta", "bn.running_mean", "bn.running_var"] {
      #expect(try w.floats(bn) == keep.map { try! weights.floats(bn)[$0] })
    }
    let d2 = try weights.floats("d2.weight")
    #expect(try w.floats("d2.weight") == (0..<3).flatMap { o in keep.map { d2[o * 8 + $0] } })
    #expect(module.function(named: "predict")!.body.map { $0.results[0].type } == [
      TensorType(perSample: [4]), TensorType(perSample: [4]), TensorType(perSample: [4]), TensorType(perSample: [4]),
      TensorType(perSample: [3]),
    ])
  }

  /// conv → flatten → dense: the dense loses each removed channel's H·W block.
  @Test func channelPruningRemovesFlattenedBlocks() throws {
    var module = try Self.load("channel_flatten_dense")
    var weights = Self.weights(for: module)
    weights["c.weight"] = .init(shape: [4, 1, 3, 3], floats: (0..<36).map { [0.1, 2, 1, 0.2][$0 / 9] })
    let context = PassContext(weights: weights)
    try Prune(sparsity: 0.5, structure: .channel).run(on: &module, context: context)
    #expect(verify(module).isEmpty)
    let h = try weights.floats("h.weight")
    let want = (0..<5).flatMap { o in [1, 2].flatMap { c in (0..<9).map { h[o * 36 + c * 9 + $0] } } }
    #expect(try context.weights!.floats("h.weight") == want)
    #expect(module.parameter(named: "h.weight")?.type == TensorType(shape: [5, 18]))
    #expect(module.parameter(named: "o.weight")?.type == TensorType(shape: [3, 5]))
  }

  /// Masks of an earlier unstructured pruning shrink with their weights.
  @Test func masksShrinkWithTheirWeights() throws {
    var module = try Self.load("neuron_batchnorm")
    let context = PassContext(weights: Self.weights(for: module))
    try PassManager(passes: [Prune(sparsity: 0.5, pruneOutput: true), Prune(sparsity: 0.5, structure: .neuron)], context: context).run(on: &module)
    #expect(module.parameter(named: "d1.weight_mask")?.type == TensorType(shape: [4, 4]))
    #expect(module.parameter(named: "d2.weight_mask")?.type == TensorType(shape: [3, 4]))
    #expect(context.weights?["d2.weight_mask"]?.shape == [3, 4])
  }

  /// Structured fine-tuning trains the smaller model, no masks involved.
  @Test func structuredFineTunesTheSmallerModel() throws {
    var module = try Self.load("neuron_batchnorm")
    module.attributes["train"] = .dict(["optimizer": .dict(["kind": "sgd", "lr": 0.1])])
    let context = PassContext(weights: Self.weights(for: module))
    var shapes: [[Int]] = []
    context.fineTune = { m, weights, _, lr, _ in
      shapes.append(m.parameter(named: "d1.weight")?.type.fixedShape ?? [])
      #expect(abs(lr - 0.01) < 1e-12)
      return weights
    }
    try Prune(sparsity: 0.5, structure: .neuron, finetuneEpochs: 3).run(on: &module, context: context)
    #expect(shapes == [[4, 4]])
    #expect(!module.parameters.contains { $0.attributes["role"]?.stringValue == "mask" })
  }

  @Test func aTinySparsityKeepsEveryNeuron() throws {
    var module = try Self.load("neuron_batchnorm")
    let context = PassContext()
    try Prune(sparsity: 0.01, structure: .neuron).run(on: &module, context: context)
    #expect(module.parameter(named: "d1.weight")?.type == TensorType(shape: [8, 4]))
    #expect(context.remarks.contains { $0.message.contains("removes none") })
  }

  // MARK: options and refusals

  @Test func optionsComeFromTheOptimizeEntry() throws {
    let entry = OptimizePipeline.Entry(kind: "prune", options: [
      "sparsity": 0.9, "structure": "channel", "scope": "layer", "finetune_epochs": 2, "schedule": "one_shot", "lr": 0.5,
      "prune_output": true,
    ])
    let pass = try #require(try OptimizePipeline.pass(for: entry) as? Prune)
    #expect(pass.sparsity == 0.9 && pass.structure == .channel && pass.scope == .layer)
    #expect(pass.finetuneEpochs == 2 && pass.schedule == .oneShot && pass.lr == 0.5 && pass.pruneOutput)
    #expect(try #require(try OptimizePipeline.pass(for: .init(kind: "prune", options: ["sparsity": 0.5])) as? Prune).pruneOutput == false)
    #expect(throws: PassError.self) { try OptimizePipeline.pass(for: .init(kind: "prune", options: [:])) }
    #expect(throws: PassError.self) { try OptimizePipeline.pass(for: .init(kind: "prune", options: ["sparsity": 0.5, "structure": "rows"])) }
  }

  @Test func refusesATrainingModule() throws {
    var module = try Self.load("neuron_batchnorm")
    module.functions.append(Function(name: "train_step", arguments: [], results: [], body: [], returns: []))
    #expect(throws: PassError.self) { try Prune(sparsity: 0.5).run(on: &module) }
  }

  /// Autodiff follows each masked weight's update with `apply_mask`; other weights get none.
  @Test func autodiffAppliesMasksAfterUpdates() throws {
    var module = try Self.load("neuron_batchnorm")
    module.attributes["train"] = .dict(["freeze": .list([]), "optimizer": .dict([
      "kind": "sgd", "lr": 0.1, "momentum": 0.0, "dampening": 0.0, "nesterov": false, "weight_decay": 0.0,
    ])])
    try PassManager(passes: [Prune(sparsity: 0.5, pruneOutput: true), Autodiff()]).run(on: &module)
    let body = try #require(module.function(named: "train_step")).body
    for w in ["d1.weight", "d2.weight"] {
      let update = try #require(body.firstIndex { $0.opcode == "sgd_update" && $0.operands[0] == .param(w) })
      #expect(body[update + 1].opcode == "apply_mask")
      #expect(body[update + 1].operands == [.param(w), .param(w + "_mask")])
    }
    #expect(body.filter { $0.opcode == "apply_mask" }.count == 2)
    #expect(!body.contains { $0.operands.first == .param("d1.weight_mask") && $0.opcode == "sgd_update" })
  }

  private func pow3(_ x: Double) -> Double { x * x * x }
}
