/// `prune` end to end: from a spec's `optimize:` list through training, fine-tuning and
/// the deployed checkpoint; `--emit opt-ir` shows the same shapes without weights.
import DLCDriver
import DLCIR
import DLCRuntime
import DLCTraining
import Foundation
import Testing
import _DLCTestSupport

@Suite(.serialized) struct PruneEndToEndTests {
  /// Neuron pruning of digits_mlp: dense_1 and its batchnorm halve, dense_2 loses the
  /// columns; the fine-tuned model is deployed and evaluates.
  @Test func trainingWritesANeuronPrunedModel() throws {
    let ws = try TrainingFixture.Workspace("prune-neuron")
    defer { ws.remove() }
    try ws.copyExamples(["digits_mlp"], edit: TrainingFixture.Workspace.optimize("[{prune: {sparsity: 0.5, structure: neuron, finetune_epochs: 2}}]"))
    let trained = ws.train("digits_mlp", epochs: 3)
    try #require(trained.status == 0, "\(trained.stderr)")
    #expect(trained.stdout.contains("prune: 'dense_1': kept 128 of 256 neurons (largest L1 norm); with 'batchnorm_1', 'dense_2'"),
            "\(trained.stdout)")
    #expect(trained.stdout.contains("prune: kept 'dense_2': its neurons reach the model output"), "\(trained.stdout)")
    #expect(trained.stdout.contains("prune: fine-tuned 2 epochs at lr 0.0005"), "\(trained.stdout)")
    #expect(trained.stdout.contains("params            20,234 → 10,122"), "\(trained.stdout)")

    let path = ws.checkpoint("digits_mlp", "optimized")
    let saved = try Checkpoint(contentsOf: path)
    #expect(saved.tensors["dense_1.weight"]?.shape == [128, 64])
    #expect(saved.tensors["batchnorm_1.running_var"]?.shape == [128])
    #expect(saved.tensors["dense_2.weight"]?.shape == [10, 128])
    let eval = Driver.eval(ws.options("digits_mlp"), checkpoint: path, split: "test", json: false)
    #expect(eval.status == 0 && eval.stdout.hasPrefix("test: 270 samples"), "\(eval.stderr)")
  }

  /// Unstructured pruning with the polynomial schedule: exactly 75% of the weights end
  /// at zero, held there by the masks through fine-tuning; the same run gives the same bits.
  @Test func unstructuredMasksHoldThroughFineTuningDeterministically() throws {
    let ws = try TrainingFixture.Workspace("prune-unstructured")
    defer { ws.remove() }
    try ws.copyExamples(["digits_mlp"], edit: TrainingFixture.Workspace.optimize("[{prune: {sparsity: 0.75, finetune_epochs: 3}}]"))
    try #require(ws.train("digits_mlp", epochs: 3).status == 0)
    let best = ws.checkpoint("digits_mlp", "best")
    var runs: [Checkpoint] = []
    for k in 0..<2 {
      let out = ws.root + "/pruned\(k).safetensors"
      let r = Driver.optimize(OptimizeOptions(spec: ws.options("digits_mlp"), checkpoint: best, output: out))
      try #require(r.status == 0, "\(r.stderr)")
      #expect(r.stdout.contains("prune: global magnitude pruning: 14208 of 18944 weights are zero (75.0%)"), "\(r.stdout)")
      #expect(r.stdout.contains("polynomial schedule: sparsity 0.528, 0.722, 0.750"), "\(r.stdout)")
      runs.append(try Checkpoint(contentsOf: out))
    }
    #expect(runs[0].tensors == runs[1].tensors)
    for w in ["dense_1.weight", "dense_2.weight"] {
      let mask = try #require(runs[0].tensors[w + "_mask"]?.floats()), values = try #require(runs[0].tensors[w]?.floats())
      #expect(zip(mask, values).allSatisfy { $0 == 1 || $1 == 0 })
      #expect(zip(mask, values).contains { $0 == 1 && $1 != 0 })
    }
    let eval = Driver.eval(ws.options("digits_mlp"), checkpoint: ws.root + "/pruned0.safetensors", split: "test", json: false)
    #expect(eval.status == 0, "\(eval.stderr)")
  }

  /// `--emit opt-ir` with the spec's prune options: the shrunk shapes, and the remarks.
  @Test func optIRShowsThePrunedShapes() throws {
    let ws = try TrainingFixture.Workspace("prune-opt-ir")
    defer { ws.remove() }
    try ws.copyExamples(["digits_mlp"], edit: TrainingFixture.Workspace.optimize("[{prune: {sparsity: 0.75, structure: neuron}}]"))
    let r = Driver.compile(ws.options("digits_mlp"), emit: .optIR, passOptions: PassOptions(passes: ["prune"], statistics: true))
    try #require(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("param @dense_1.weight : tensor<64x64xf32>"), "\(r.stdout)")
    #expect(r.stdout.contains("%batchnorm_1 = batchnorm(%dense_1, @batchnorm_1.gamma, @batchnorm_1.beta, @batchnorm_1.running_mean, @batchnorm_1.running_var) {eps = 1e-05, momentum = 0.1} : tensor<Nx64xf32>"),
            "\(r.stdout)")
    #expect(r.stdout.contains("param @dense_2.weight : tensor<10x64xf32>"))
    #expect(r.stderr.contains("prune: 'dense_1': kept 64 of 256 neurons"), "\(r.stderr)")
  }
}
