import DLCDriver
import DLCTraining
import Foundation
import Testing
import _DLCTestSupport

/// Emitted trainers, end to end: the packages are copied away from dlc and built in release
/// mode there (together: `EmittedWorkspace`), trained for a few epochs, and compared with `dlc train` from the same
/// seed: per-epoch losses and checkpoint tensors must be identical (the emitted model
/// calls the same kernels in the same order, and its fused loops apply the same
/// per-element formulas), and `dlc eval` must score the emitted checkpoint as its own.
/// The deployed model of a spec with `optimize:` passes must score dlc's optimized
/// checkpoint as `dlc eval` does.
@Suite(.serialized) struct EmittedPackageTests {
  /// Every example, with epochs past its warm-up.
  static let cases: [(spec: String, epochs: Int)] = [
    ("breast_cancer", 2), ("breast_cancer_binary", 2), ("diabetes_regression", 2), ("digits_autoencoder", 2), ("digits_cnn", 2),
    ("digits_initializers", 2), ("digits_mlp", 3), ("digits_transfer", 2), ("digits_transformer", 6), ("iris", 2), ("residual_mlp", 4),
    ("wine", 2), ("wine_custom_activations", 2), ("wine_elu", 3), ("wine_rmsprop", 2), ("wine_activations", 2), ("digits_groupnorm", 2),
  ]

  @Test func everyExampleIsACase() {
    let examples = Golden.files(in: "specs", ending: ".yaml").map { String($0.split(separator: "/").last!.dropLast(".yaml".count)) }
    #expect(Set(examples) == Set(Self.cases.map(\.spec)))
  }

  /// Every example's emitted trainer against `dlc train`, `dlc eval` and `dlc predict`.
  /// The packages are emitted, then moved where nothing of dlc is around and built there
  /// together (`EmittedWorkspace`: the carried runtime is compiled once), with the
  /// compact pruned digits_mlp of `checkCompactPrunedCheckpoint` among them.
  @Test func emittedTrainersMatchTheInterpreter() throws {
    try RepoRoot.enter()
    let work = FileManager.default.temporaryDirectory.appendingPathComponent("dlc-emitted-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: work) }
    var specs: [String: String] = [:]
    for name in Self.cases.map(\.spec) { specs[name] = try Self.prepare(name, in: work) }
    specs[Self.pruned] = try Self.preparePruned(in: work)
    var packages: [(name: String, folder: String)] = []
    for name in Self.cases.map(\.spec) + [Self.pruned] {
      let emitted = Driver.emitPackage(SpecOptions(path: specs[name]!), to: work + "/emitted/\(name)")
      try #require(emitted.status == 0, "\(name): \(emitted.stderr)")
      try FileManager.default.createDirectory(atPath: work + "/elsewhere", withIntermediateDirectories: true)
      try FileManager.default.moveItem(atPath: work + "/emitted/\(name)", toPath: work + "/elsewhere/\(name)")
      packages.append((name, work + "/elsewhere/\(name)"))
    }
    let transferModel = try String(contentsOfFile: work + "/elsewhere/digits_transfer/Sources/DigitsTransferTrainer/Model.swift", encoding: .utf8)
    #expect(transferModel.contains("public func precompute(batch n: Int)"), "digits_transfer's model does not precompute its frozen prefix")
    let executables = try EmittedWorkspace.build(packages, in: work + "/built")
    for (name, epochs) in Self.cases {
      try check(name, epochs: epochs, spec: specs[name]!, executable: executables[name]!, work: work + "/runs-\(name)")
    }
    try checkCompactPrunedCheckpoint(spec: specs[Self.pruned]!, executable: executables[Self.pruned]!, work: work + "/runs-pruned")
  }

  /// Example `name`'s emitted trainer (`executable`): trains to `dlc train`'s losses and
  /// checkpoint for `epochs` epochs, and scores and predicts as dlc does.
  func check(_ name: String, epochs: Int, spec: String, executable: String, work: String) throws {
    // `--help`, alone or after a command, prints the usage and succeeds.
    for arguments in [["--help"], ["train", "--help"], ["eval", "-h"]] {
      let help = try Self.run(executable, arguments, in: Golden.root)
      #expect(help.status == 0 && help.output.contains("usage:"), "\(name) \(arguments): \(help.output)")
    }

    // Train both ways from the repository root (the spec's data paths are relative to it).
    let trained = try Self.run(executable, ["train", "--epochs", "\(epochs)", "--out", work + "/emitted-runs"], in: Golden.root)
    try #require(trained.status == 0, "\(name): emitted train failed:\n\(trained.output.suffix(3000))")
    if name == "digits_transfer" {
      #expect(trained.output.contains("precomputed the frozen prefix"), "digits_transfer: \(trained.output)")
    }
    let reference = Driver.train(TrainOptions(spec: SpecOptions(path: spec), epochs: epochs, outputDirectory: work + "/dlc-runs")) { _ in }
    try #require(reference.status == 0, "\(reference.stderr)")

    // Per-epoch training and validation losses, bit for bit (the log prints floats in
    // round-trip form).
    let ours = try Self.losses(work + "/emitted-runs/\(name)/log.jsonl")
    let theirs = try Self.losses(work + "/dlc-runs/\(name)/log.jsonl")
    #expect(ours.count == epochs, "\(name): \(ours.count) epochs logged")
    #expect(ours == theirs, "\(name): per-epoch losses differ: emitted \(ours), interpreter \(theirs)")

    // The same weights, optimizer state and statistics.
    let a = try Checkpoint(contentsOf: work + "/emitted-runs/\(name)/last.safetensors")
    let b = try Checkpoint(contentsOf: work + "/dlc-runs/\(name)/last.safetensors")
    #expect(Set(a.tensors.keys) == Set(b.tensors.keys), "\(name): the checkpoints hold other tensors")
    for (key, tensor) in b.tensors { #expect(a.tensors[key] == tensor, "\(name): tensor \(key) differs") }

    // dlc scores the emitted checkpoint exactly as its own.
    let split = try String(contentsOfFile: spec, encoding: .utf8).contains(/split:.*test:/) ? "test" : "valid"
    let scoreEmitted = Driver.eval(SpecOptions(path: spec), checkpoint: work + "/emitted-runs/\(name)/best.safetensors", split: split, json: true)
    let scoreOwn = Driver.eval(SpecOptions(path: spec), checkpoint: work + "/dlc-runs/\(name)/best.safetensors", split: split, json: true)
    #expect(scoreEmitted.status == 0, "\(name): \(scoreEmitted.stderr)")
    #expect(scoreEmitted.stdout == scoreOwn.stdout, "\(name): dlc scores the emitted checkpoint \(scoreEmitted.stdout), its own \(scoreOwn.stdout)")

    // And the emitted trainer scores dlc's checkpoint as dlc does.
    let crossEval = try Self.run(executable, ["eval", "--checkpoint", work + "/dlc-runs/\(name)/best.safetensors", "--split", split, "--json"], in: Golden.root)
    #expect(crossEval.status == 0, "\(name): \(crossEval.output)")
    #expect(crossEval.output == scoreOwn.stdout, "\(name): the emitted trainer scores dlc's checkpoint \(crossEval.output), dlc \(scoreOwn.stdout)")

    try checkDeployedModel(name, spec: spec, executable: executable, runs: work + "/dlc-runs", split: split)
  }

  /// The deployed model. With deployment passes in the spec (digits_mlp: fold-batchnorm,
  /// then static int8 quantization), the package scores the optimized checkpoint `dlc
  /// train` wrote exactly as `dlc eval` does, and refuses one made with other passes;
  /// without, it refuses any optimized checkpoint.
  func checkDeployedModel(_ name: String, spec: String, executable: String, runs: String, split: String) throws {
    let optimized = runs + "/\(name)/optimized.safetensors"
    let other = runs + "/\(name)/other.safetensors"
    if FileManager.default.fileExists(atPath: optimized) {
      let own = Driver.eval(SpecOptions(path: spec), checkpoint: optimized, split: split, json: true)
      try #require(own.status == 0, "\(own.stderr)")
      let emitted = try Self.run(executable, ["eval", "--checkpoint", optimized, "--split", split, "--json"], in: Golden.root)
      #expect(emitted.status == 0, "\(emitted.output)")
      #expect(emitted.output == own.stdout, "deployed model: emitted \(emitted.output), dlc \(own.stdout)")
      let predicted = try Self.run(executable, ["predict", "--checkpoint", optimized, "--input", "specs/data/digits.csv"], in: Golden.root)
      let dlcPredicted = Driver.predict(SpecOptions(path: spec), checkpoint: optimized, input: "specs/data/digits.csv", output: nil)
      #expect(predicted.status == 0 && predicted.output == dlcPredicted.stdout, "predictions differ")
    }
    // An optimized checkpoint of other passes.
    let best = runs + "/\(name)/best.safetensors"
    let r = Driver.optimize(OptimizeOptions(spec: SpecOptions(path: spec), checkpoint: best, passes: ["fold-batchnorm"], output: other))
    guard r.status == 0 else { return }
    let refused = try Self.run(executable, ["eval", "--checkpoint", other, "--split", split, "--json"], in: Golden.root)
    #expect(refused.status == 1)
    let expected = FileManager.default.fileExists(atPath: optimized)
      ? "went through the passes 'fold-batchnorm', this package's deployed model through 'fold-batchnorm,quantize'"
      : "is an optimized checkpoint (passes 'fold-batchnorm') and this package has no deployed model"
    #expect(refused.output.contains(expected), "\(refused.output)")
  }

  /// The name of the pruned digits_mlp among the packages.
  static let pruned = "digits_mlp_pruned"

  /// digits_mlp with `prune` before `quantize`, named `digits_mlp_pruned`, in `work/specs`
  /// (data linked).
  static func preparePruned(in work: String) throws -> String {
    let fm = FileManager.default
    try fm.createDirectory(atPath: work + "/specs", withIntermediateDirectories: true)
    if !fm.fileExists(atPath: work + "/specs/data") {
      try fm.createSymbolicLink(atPath: work + "/specs/data", withDestinationPath: Golden.root + "/specs/data")
    }
    let text = try String(contentsOfFile: Golden.root + "/specs/digits_mlp.yaml", encoding: .utf8)
      .replacingOccurrences(of: "optimize: [fold_batchnorm, {quantize:", with: "optimize: [fold_batchnorm, {prune: {sparsity: 0.6}}, {quantize:")
      .replacingOccurrences(of: "name: digits_mlp\n", with: "name: \(pruned)\n")
    try #require(text.contains("{prune: {sparsity: 0.6}}") && text.contains("name: \(pruned)\n"))
    let spec = work + "/specs/\(pruned).yaml"
    try text.write(toFile: spec, atomically: true, encoding: .utf8)
    return spec
  }

  /// A pruned and quantized digits_mlp: the optimized checkpoint stores dense_1's int8
  /// weights compactly (bitmap + values) and has no masks; the emitted package's deployed
  /// model (`executable`) reads it with the carried checkpoint code and scores and predicts
  /// exactly as `dlc eval` and `dlc predict`.
  func checkCompactPrunedCheckpoint(spec: String, executable: String, work: String) throws {
    let trained = Driver.train(TrainOptions(spec: SpecOptions(path: spec), epochs: 3, outputDirectory: work)) { _ in }
    try #require(trained.status == 0, "\(trained.stderr)")
    let optimized = work + "/\(Self.pruned)/optimized.safetensors"
    let raw = try Safetensors.decode(Array(try Data(contentsOf: URL(fileURLWithPath: optimized))), path: optimized)
    #expect(raw.tensors["dense_1.weight.nonzero_values"]?.dtype == .I8, "\(raw.tensors.keys.sorted())")
    #expect(raw.tensors.keys.allSatisfy { !$0.hasSuffix("_mask") })

    let own = Driver.eval(SpecOptions(path: spec), checkpoint: optimized, split: "test", json: true)
    try #require(own.status == 0, "\(own.stderr)")
    let deployed = try Self.run(executable, ["eval", "--checkpoint", optimized, "--split", "test", "--json"], in: Golden.root)
    #expect(deployed.status == 0 && deployed.output == own.stdout, "deployed model: emitted \(deployed.output), dlc \(own.stdout)")
    let predicted = try Self.run(executable, ["predict", "--checkpoint", optimized, "--input", "specs/data/digits.csv"], in: Golden.root)
    let dlcPredicted = Driver.predict(SpecOptions(path: spec), checkpoint: optimized, input: "specs/data/digits.csv", output: nil)
    #expect(predicted.status == 0 && predicted.output == dlcPredicted.stdout, "predictions differ")
  }

  /// The spec to run for example `name`: the repository's, relative to its root; for
  /// digits_transfer a copy in `work/specs` (data linked) whose base, digits_autoencoder,
  /// `dlc train` has just trained for 2 epochs into `work/runs`, where the transfer spec
  /// looks for it. That spec's path is absolute, so are the paths compiled into its package.
  static func prepare(_ name: String, in work: String) throws -> String {
    guard name == "digits_transfer" else { return "specs/\(name).yaml" }
    let fm = FileManager.default
    try fm.createDirectory(atPath: work + "/specs", withIntermediateDirectories: true)
    if !fm.fileExists(atPath: work + "/specs/data") {
      try fm.createSymbolicLink(atPath: work + "/specs/data", withDestinationPath: Golden.root + "/specs/data")
    }
    for example in ["digits_autoencoder", name] {
      try fm.copyItem(atPath: Golden.root + "/specs/\(example).yaml", toPath: work + "/specs/\(example).yaml")
    }
    let base = Driver.train(TrainOptions(spec: SpecOptions(path: work + "/specs/digits_autoencoder.yaml"), epochs: 2,
                                         outputDirectory: work + "/runs")) { _ in }
    try #require(base.status == 0, "\(base.stderr)")
    return work + "/specs/\(name).yaml"
  }

  /// `train_loss` and `valid_loss` (when logged) of every line of a run log.
  static func losses(_ path: String) throws -> [String] {
    try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { line in
      let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
      return "\(object?["train_loss"] ?? "missing") \(object?["valid_loss"] ?? "-")"
    }
  }

  /// Runs a process to completion (`ChildProcess.run`, which keeps this process's GEMM kernels);
  /// `environment` adds to (or, with nil values, removes from) the test process's.
  static func run(
    _ executable: String, _ arguments: [String], in directory: String, environment: [String: String?] = [:]
  ) throws -> (status: Int32, output: String) {
    try ChildProcess.run(executable, arguments, in: directory, environment: environment)
  }
}
