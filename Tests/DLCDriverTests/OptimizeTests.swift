/// The `optimize:` passes end to end: `dlc train` writes the deployed model after
/// training, `dlc optimize` does it for any checkpoint, `dlc eval` and `dlc predict`
/// run the optimized IR stored in it, and `dlc check` reports the sizes before and after.
import DLCDriver
import DLCIR
import DLCRuntime
import DLCTraining
import Foundation
import Testing
import _DLCTestSupport

@Suite(.serialized) struct OptimizeTests {
  /// digits_mlp folds its batchnorm into dense_1: one op and 1,024 parameters fewer, and
  /// the test split's outputs agree with the unfolded model to 1e-5 relative (max norm).
  @Test func trainingWritesAFoldedModelWithTheSamePredictions() throws {
    let ws = try TrainingFixture.Workspace("optimize-fold")
    defer { ws.remove() }
    try ws.copyExamples(["digits_mlp"], edit: TrainingFixture.Workspace.optimize("[fold_batchnorm]"))
    let trained = ws.train("digits_mlp", epochs: 3)
    try #require(trained.status == 0, "\(trained.stderr)")
    #expect(trained.stdout.contains("fold-batchnorm: folded 'batchnorm_1' into 'dense_1'"), "\(trained.stdout)")
    #expect(trained.stdout.contains("params            20,234 → 19,210"), "\(trained.stdout)")
    #expect(trained.stdout.contains("ops in @predict   5 → 4"), "\(trained.stdout)")

    let (module, diagnostics) = Driver.module(forSpecAt: ws.spec("digits_mlp"))
    let spec = try #require(module, "\(diagnostics)")
    let optimizedPath = ws.checkpoint("digits_mlp", "optimized")
    let folded = try ModelOptimizer.module(for: Checkpoint(contentsOf: optimizedPath), path: optimizedPath, default: spec)
    #expect(folded.function(named: "predict")!.body.map(\.opcode) == ["dense", "relu", "dropout", "dense"])
    let run = try RunDescription(module: spec, specText: "")
    let before = try Inference.outputs(run: run, checkpoint: ws.checkpoint("digits_mlp", "best"), split: "test") {
      InterpreterBackend(module: spec, seed: $0)
    }
    let after = try Inference.outputs(run: run, checkpoint: optimizedPath, split: "test") { InterpreterBackend(module: folded, seed: $0) }
    try #require(before.values.count == after.values.count && before.values.count == 270 * 10)
    let scale = before.values.map { abs($0) }.max()!
    let worst = zip(before.values, after.values).map { abs($0 - $1) }.max()!
    #expect(worst <= 1e-5 * scale, "max |Δ| \(worst) against max |y| \(scale)")

    // eval and predict take the optimized IR from the checkpoint.
    let eval = Driver.eval(ws.options("digits_mlp"), checkpoint: optimizedPath, split: "test", json: false)
    #expect(eval.status == 0 && eval.stdout.hasPrefix("test: 270 samples"), "\(eval.stderr)")
    let predict = Driver.predict(ws.options("digits_mlp"), checkpoint: optimizedPath, input: ws.specs + "/data/digits.csv", output: nil)
    #expect(predict.status == 0 && predict.stdout.split(separator: "\n").count == 1798, "\(predict.stderr)")
  }

  /// `dlc optimize` on a checkpoint of a spec that lists no passes, with `--passes`.
  @Test func optimizeRunsTheNamedPasses() throws {
    let ws = try TrainingFixture.Workspace("optimize-cli")
    defer { ws.remove() }
    try ws.copyExamples(["digits_mlp"], edit: TrainingFixture.Workspace.optimize(nil))
    try #require(ws.train("digits_mlp", epochs: 3).status == 0)
    let best = ws.checkpoint("digits_mlp", "best")
    let out = ws.root + "/folded.safetensors"
    let r = Driver.optimize(OptimizeOptions(spec: ws.options("digits_mlp"), checkpoint: best, passes: ["fold-batchnorm"], output: out))
    try #require(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("optimized \(best) with fold-batchnorm"))
    #expect(r.stdout.contains("test split (270 samples):"))
    #expect(r.stdout.hasSuffix("wrote \(out)\n"))
    // Latency before → after at batch 1 and the training batch size (64), by default.
    let latency = r.stdout.split(separator: "\n").drop { !$0.hasPrefix("latency, median per forward pass") }
    try #require(latency.count >= 3, "\(r.stdout)")
    for (line, batch) in zip(latency.dropFirst(), [1, 64]) {
      #expect(line.hasPrefix("  batch \(batch) ") && line.contains(" µs → "), "\(line)")
      #expect(line.contains("× faster)") || line.contains("× slower)"), "\(line)")
    }
    let quiet = Driver.optimize(OptimizeOptions(spec: ws.options("digits_mlp"), checkpoint: best, passes: ["fold-batchnorm"], output: out,
                                                latencySeconds: 0))
    #expect(quiet.status == 0 && !quiet.stdout.contains("latency"), "\(quiet.stdout)")
    let saved = try Checkpoint(contentsOf: out)
    #expect(saved.metadata[ModelOptimizer.passesKey] == "fold-batchnorm")
    #expect(saved.tensors["batchnorm_1.gamma"] == nil && saved.tensors["preprocess.mean"] != nil)
    #expect(saved.tensors.keys.allSatisfy { !$0.hasSuffix(".exp_avg") }, "optimizer state is not part of the deployed model")

    // Without passes there is nothing to do; unknown passes and missing options are named.
    let none = Driver.optimize(OptimizeOptions(spec: ws.options("digits_mlp"), checkpoint: best))
    #expect(none.status == 1 && none.stderr.contains("no pass to run on the deployed model"), "\(none.stderr)")
    let unknown = Driver.optimize(OptimizeOptions(spec: ws.options("digits_mlp"), checkpoint: best, passes: ["fold-bn"]))
    #expect(unknown.status == 1 && unknown.stderr.contains("unknown pass 'fold-bn'; passes: fold-batchnorm"), "\(unknown.stderr)")
    let missing = Driver.optimize(OptimizeOptions(spec: ws.options("digits_mlp"), checkpoint: ws.root + "/nope.safetensors",
                                                  passes: ["fold-batchnorm"]))
    #expect(missing.status == 1 && missing.stderr.contains("nope.safetensors"), "\(missing.stderr)")
  }

  /// `dlc check` adds a line with parameters, bytes and FLOPs after the passes.
  @Test func checkReportsTheOptimizedSize() throws {
    let ws = try TrainingFixture.Workspace("optimize-check")
    defer { ws.remove() }
    try ws.copyExamples(["digits_mlp"], edit: TrainingFixture.Workspace.optimize("[fold_batchnorm]"))
    let r = Driver.check(ws.options("digits_mlp"))
    try #require(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("After optimize (fold_batchnorm): params 20,234 → 19,210 (94.9%), model 79.0 KiB → 75.0 KiB (94.9%), FLOPs per sample 38,922 → 38,410 (98.7%)"),
            "\(r.stdout)")
  }

  /// `quantize: fp16` as docs/spec-language.md writes it passes `dlc check` and gives
  /// half-precision weights with float activations; fp16 with int8 activations written
  /// out is still refused at the option.
  @Test func quantizeFP16ShortFormIsAccepted() throws {
    let ws = try TrainingFixture.Workspace("optimize-fp16")
    defer { ws.remove() }
    try ws.copyExamples(["digits_mlp"], edit: TrainingFixture.Workspace.optimize("[{quantize: fp16}]"))
    let check = Driver.check(ws.options("digits_mlp"))
    #expect(check.status == 0, "\(check.stderr)")
    let ir = Driver.compile(ws.options("digits_mlp"), emit: .optIR)
    try #require(ir.status == 0, "\(ir.stderr)")
    #expect(ir.stdout.contains("activations = \"float\"") && ir.stdout.contains("dense_f16("), "\(ir.stdout)")

    try ws.copyExamples(["digits_mlp"], edit: TrainingFixture.Workspace.optimize("[{quantize: {weights: fp16, activations: int8}}]"))
    let refused = Driver.check(ws.options("digits_mlp"))
    #expect(refused.status == 1 && refused.stderr.contains("activations"), "\(refused.stderr)")
  }

  /// `--emit opt-ir` prints the folded IR; `--pass-statistics` says what was folded.
  @Test func optIRShowsTheFoldedModel() throws {
    let options = SpecOptions(path: "specs/digits_mlp.yaml")
    try RepoRoot.enter()
    let r = Driver.compile(options, emit: .optIR, passOptions: PassOptions(passes: ["fold-batchnorm"], statistics: true))
    try #require(r.status == 0, "\(r.stderr)")
    #expect(!r.stdout.contains("batchnorm("))
    #expect(r.stderr.contains("specs/digits_mlp.yaml:18:7: fold-batchnorm: folded 'batchnorm_1' into 'dense_1'"), "\(r.stderr)")
    let dumps = Driver.compile(options, emit: .optIR, passOptions: PassOptions(passes: ["fold-batchnorm"], dumps: IRDumps(all: true)))
    #expect(dumps.stdout.hasPrefix("// -----// IR after fold-batchnorm //----- //\nmodule @digits_mlp"))
  }
}
