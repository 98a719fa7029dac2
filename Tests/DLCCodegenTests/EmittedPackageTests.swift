import DLCDriver
import DLCTraining
import Foundation
import Testing
import _DLCTestSupport

/// Emitted trainers, end to end: the package is copied away from dlc and built in release
/// mode there, trained for a few epochs, and compared with `dlc train` from the same
/// seed: per-epoch losses and checkpoint tensors must be identical (the emitted model
/// calls the same kernels in the same order, and its fused loops apply the same
/// per-element formulas), and `dlc eval` must score the emitted checkpoint as its own.
@Suite(.serialized) struct EmittedPackageTests {
  /// One MLP, the CNN, the attention model (the issue's three), with epochs past warm-up.
  static let cases: [(spec: String, epochs: Int)] = [
    ("digits_mlp", 3), ("digits_cnn", 2), ("digits_transformer", 6),
  ]

  @Test(arguments: cases.map(\.spec))
  func emittedTrainerMatchesTheInterpreter(_ name: String) throws {
    try RepoRoot.enter()
    let epochs = Self.cases.first { $0.spec == name }!.epochs
    let spec = "specs/\(name).yaml"
    let work = FileManager.default.temporaryDirectory.appendingPathComponent("dlc-emitted-\(name)-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: work) }

    // Emit, then move the package where nothing of dlc is around and build it there.
    let emitted = Driver.emitPackage(SpecOptions(path: spec), to: work + "/emitted")
    #expect(emitted.status == 0, "\(emitted.stderr)")
    let package = work + "/elsewhere/\(name)"
    try FileManager.default.createDirectory(atPath: work + "/elsewhere", withIntermediateDirectories: true)
    try FileManager.default.moveItem(atPath: work + "/emitted", toPath: package)
    let build = try Self.run("/usr/bin/env", ["swift", "build", "-c", "release", "--package-path", package,
                                              "--scratch-path", package + "/.build"], in: package)
    try #require(build.status == 0, "swift build failed:\n\(build.output.suffix(3000))")
    let executable = package + "/.build/release/" + name.replacingOccurrences(of: "_", with: "-")

    // Train both ways from the repository root (the spec's data paths are relative to it).
    let trained = try Self.run(executable, ["train", "--epochs", "\(epochs)", "--out", work + "/emitted-runs"], in: Golden.root)
    try #require(trained.status == 0, "emitted train failed:\n\(trained.output.suffix(3000))")
    let reference = Driver.train(TrainOptions(spec: SpecOptions(path: spec), epochs: epochs, outputDirectory: work + "/dlc-runs")) { _ in }
    try #require(reference.status == 0, "\(reference.stderr)")

    // Per-epoch training losses, bit for bit (the log prints floats in round-trip form).
    let ours = try Self.losses(work + "/emitted-runs/\(name)/log.jsonl")
    let theirs = try Self.losses(work + "/dlc-runs/\(name)/log.jsonl")
    #expect(ours.count == epochs)
    #expect(ours == theirs, "per-epoch train losses differ: emitted \(ours), interpreter \(theirs)")

    // The same weights, optimizer state and statistics.
    let a = try Checkpoint(contentsOf: work + "/emitted-runs/\(name)/last.safetensors")
    let b = try Checkpoint(contentsOf: work + "/dlc-runs/\(name)/last.safetensors")
    #expect(Set(a.tensors.keys) == Set(b.tensors.keys))
    for (key, tensor) in b.tensors { #expect(a.tensors[key] == tensor, "tensor \(key) differs") }

    // dlc scores the emitted checkpoint exactly as its own.
    let split = name == "residual_mlp" ? "valid" : "test"
    let scoreEmitted = Driver.eval(SpecOptions(path: spec), checkpoint: work + "/emitted-runs/\(name)/best.safetensors", split: split, json: true)
    let scoreOwn = Driver.eval(SpecOptions(path: spec), checkpoint: work + "/dlc-runs/\(name)/best.safetensors", split: split, json: true)
    #expect(scoreEmitted.status == 0, "\(scoreEmitted.stderr)")
    #expect(scoreEmitted.stdout == scoreOwn.stdout)

    // And the emitted trainer scores dlc's checkpoint as dlc does.
    let crossEval = try Self.run(executable, ["eval", "--checkpoint", work + "/dlc-runs/\(name)/best.safetensors", "--split", split, "--json"], in: Golden.root)
    #expect(crossEval.status == 0, "\(crossEval.output)")
    #expect(crossEval.output == scoreOwn.stdout)
  }

  /// `train_loss` of every line of a run log.
  static func losses(_ path: String) throws -> [String] {
    try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { line in
      let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
      return "\(object?["train_loss"] ?? "missing")"
    }
  }

  /// Runs a process to completion; output is stdout and stderr together.
  static func run(_ executable: String, _ arguments: [String], in directory: String) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
  }
}
