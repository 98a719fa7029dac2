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

  /// Unstructured pruning with the polynomial schedule: exactly 75% of the hidden layer's
  /// weights end at zero, held there by the masks through fine-tuning, and the output
  /// layer is kept whole; the deployed model has no masks and stores the pruned weights
  /// compactly, so its file is smaller; the same run gives the same bits.
  @Test func unstructuredMasksHoldThroughFineTuningDeterministically() throws {
    let ws = try TrainingFixture.Workspace("prune-unstructured")
    defer { ws.remove() }
    try ws.copyExamples(["digits_mlp"], edit: TrainingFixture.Workspace.optimize("[{prune: {sparsity: 0.75, finetune_epochs: 3}}]"))
    try #require(ws.train("digits_mlp", epochs: 3).status == 0)
    let best = ws.checkpoint("digits_mlp", "best")
    var runs: [Checkpoint] = []
    var reports: [String] = []
    for k in 0..<2 {
      let out = ws.root + "/pruned\(k).safetensors"
      let r = Driver.optimize(OptimizeOptions(spec: ws.options("digits_mlp"), checkpoint: best, output: out, latencySeconds: 0))
      try #require(r.status == 0, "\(r.stderr)")
      #expect(r.stdout.contains("prune: global magnitude pruning: 12288 of 16384 weights are zero (75.0%)"), "\(r.stdout)")
      #expect(r.stdout.contains("prune: kept 'dense_2': it is the output layer"), "\(r.stdout)")
      #expect(r.stdout.contains("polynomial schedule: sparsity 0.528, 0.722, 0.750"), "\(r.stdout)")
      #expect(r.stdout.contains("drop-masks: dropped 1 pruning mask ('@dense_1.weight_mask')"), "\(r.stdout)")
      runs.append(try Checkpoint(contentsOf: out))
      reports.append(r.stdout)
    }
    #expect(runs[0].tensors == runs[1].tensors)
    #expect(runs[0].tensors.keys.allSatisfy { !$0.hasSuffix("_mask") }, "no masks in the deployed model")
    let hidden = try #require(runs[0].tensors["dense_1.weight"]?.floats())
    #expect(hidden.count == 16384 && hidden.filter { $0 == 0 }.count == 12288)
    // Fine-tuning trains the output layer too, but prunes none of it.
    #expect(try #require(runs[0].tensors["dense_2.weight"]?.floats()).allSatisfy { $0 != 0 })

    // As stored: dense_1's weights are a bitmap and 4096 values; the file is smaller than
    // the model's float32 parameters alone (79.0 KiB).
    let raw = try Safetensors.decode(Array(try Data(contentsOf: URL(fileURLWithPath: ws.root + "/pruned0.safetensors"))), path: "")
    #expect(raw.tensors["dense_1.weight"] == nil)
    #expect(raw.tensors["dense_1.weight.nonzero_values"]?.shape == [4096])
    #expect(raw.tensors["dense_1.weight.nonzero_bitmap"]?.shape == [2048])
    let storedRow = try #require(reports[0].split(separator: "\n").first { $0.contains("stored model") })
    #expect(storedRow.contains("79.0 KiB → 33.0 KiB (41.8%)"), "\(storedRow)")
    let eval = Driver.eval(ws.options("digits_mlp"), checkpoint: ws.root + "/pruned0.safetensors", split: "test", json: false)
    #expect(eval.status == 0, "\(eval.stderr)")
  }

  /// The output layer is pruned when asked for (`prune_output: true`).
  @Test func theOutputLayerIsPrunedWhenAskedFor() throws {
    let ws = try TrainingFixture.Workspace("prune-output")
    defer { ws.remove() }
    try ws.copyExamples(["digits_mlp"], edit: TrainingFixture.Workspace.optimize("[{prune: {sparsity: 0.5, prune_output: true}}]"))
    let trained = ws.train("digits_mlp", epochs: 3)
    try #require(trained.status == 0, "\(trained.stderr)")
    let out = ws.root + "/pruned.safetensors"
    let r = Driver.optimize(OptimizeOptions(spec: ws.options("digits_mlp"), checkpoint: ws.checkpoint("digits_mlp", "best"),
                                            output: out, latencySeconds: 0))
    try #require(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("global magnitude pruning: 9472 of 18944 weights are zero (50.0%)"), "\(r.stdout)")
    #expect(try #require(Checkpoint(contentsOf: out).tensors["dense_2.weight"]?.floats()).contains(0))
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
