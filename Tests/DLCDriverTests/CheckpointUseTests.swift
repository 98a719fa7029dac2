/// Checkpoints that would make a command silently wrong are refused by every command that
/// reads one — `eval`, `predict`, `latency`, `optimize`, `train --resume` and the emitted
/// trainer's commands — with a sentence naming the file and the field: missing
/// preprocessing statistics, a non-finite weight, another spec's weights of equal shapes,
/// a metadata field that is missing, not a number, or would overflow the run.
@testable import DLCDriver
import DLCRuntime
import DLCSyntax
import DLCTraining
import Foundation
import Testing
import _DLCTestSupport

@Suite(.serialized) struct CheckpointUseTests {
  /// One way to spoil the good checkpoint, and a piece of the message it must give.
  struct Spoiled: Sendable, CustomStringConvertible {
    var name: String
    var change: @Sendable (inout Checkpoint) -> Void
    var message: String
    var description: String { name }
  }

  static let spoiled: [Spoiled] = [
    Spoiled(name: "no-mean", change: { $0.tensors["preprocess.mean"] = nil },
            message: "the checkpoint has no tensor 'preprocess.mean'; the spec normalizes with 'standardize'"),
    Spoiled(name: "no-statistics", change: { $0.tensors["preprocess.mean"] = nil; $0.tensors["preprocess.std"] = nil },
            message: "the checkpoint has no tensor 'preprocess.mean'"),
    Spoiled(name: "short-statistics", change: { $0.tensors["preprocess.std"] = TensorData(floats: [1, 1], shape: [2]) },
            message: "tensor 'preprocess.std' has shape [2] and type F32; the spec's 4 features need [4] F32"),
    Spoiled(name: "nan-weight", change: { c in
      var w = c.tensors["dense_1.weight"]!.floats()!
      w[5] = .nan
      c.tensors["dense_1.weight"] = TensorData(floats: w, shape: c.tensors["dense_1.weight"]!.shape)
    }, message: "tensor 'dense_1.weight' holds nan at element 5"),
    Spoiled(name: "inf-statistic", change: { $0.tensors["preprocess.std"] = TensorData(floats: [1, .infinity, 1, 1], shape: [4]) },
            message: "tensor 'preprocess.std' holds inf at element 1"),
    Spoiled(name: "other-spec", change: { $0.metadata[Checkpoint.Key.spec] = "dlc: 1\nname: 'digits_mlp'  # another\n" },
            message: "this checkpoint is from spec 'digits_mlp', not 'good'"),
    Spoiled(name: "seed-not-a-number", change: { $0.metadata[Checkpoint.Key.seed] = "seven" },
            message: "the metadata field 'dlc.seed' is 'seven', not a whole number"),
    Spoiled(name: "epoch-negative", change: { $0.metadata[Checkpoint.Key.epoch] = "-1" },
            message: "the metadata field 'dlc.epoch' is '-1', not a whole number"),
  ]

  /// Every checkpoint reader of dlc and of the emitted trainer, on the checkpoint at `path`:
  /// (command, exit status, standard error — empty for the emitted trainer, which writes it itself).
  static func everyReader(_ ws: TrainingFixture.Workspace, _ path: String) throws -> [(String, Int32, String)] {
    let options = ws.options("good"), csv = ws.root + "/good.csv"
    var out: [(String, Int32, String)] = []
    for (name, r) in [
      ("eval", Driver.eval(options, checkpoint: path, split: "valid", json: true)),
      ("predict", Driver.predict(options, checkpoint: path, input: csv, output: nil)),
      ("latency", Driver.latency(options, checkpoint: path, batches: "1", seconds: 0.01)),
      ("optimize", Driver.optimize(OptimizeOptions(spec: options, checkpoint: path, passes: ["quantize"], output: ws.root + "/opt.safetensors"))),
    ] {
      out.append((name, r.status, r.stderr))
    }
    let module = try #require(Driver.module(forSpecAt: ws.spec("good")).0)
    let run = try RunDescription(module: module, specText: "")
    for command in [["eval", "--checkpoint", path, "--split", "valid"], ["predict", "--checkpoint", path, "--input", csv], ["latency", "--checkpoint", path, "--seconds", "0.01"]] {
      let status = TrainerCommandLine.main(["trainer"] + command, run: run) { InterpreterBackend(module: module, seed: $0) }
      out.append(("emitted " + command[0], status, ""))
    }
    return out
  }

  /// Writes the good run's `last` checkpoint, changed by `change`, as `name.safetensors`.
  static func spoil(_ ws: TrainingFixture.Workspace, _ name: String, _ change: (inout Checkpoint) -> Void) throws -> String {
    var checkpoint = try Checkpoint(contentsOf: ws.checkpoint("good", "last"))
    change(&checkpoint)
    let path = ws.root + "/\(name).safetensors"
    try checkpoint.write(to: path)
    return path
  }

  @Test func theGoodCheckpointIsReadByEveryCommand() throws {
    let ws = try DataErrorTests.trainedWorkspace("ckpt-good")
    defer { ws.remove() }
    for (command, status, stderr) in try Self.everyReader(ws, ws.checkpoint("good", "last")) {
      #expect(status == 0, "\(command): \(stderr)")
    }
  }

  @Test(arguments: spoiled) func everyReaderRefuses(_ case_: Spoiled) throws {
    let ws = try DataErrorTests.trainedWorkspace("ckpt-\(case_.name)")
    defer { ws.remove() }
    let path = try Self.spoil(ws, case_.name, case_.change)
    for (command, status, stderr) in try Self.everyReader(ws, path) {
      #expect(status == 1, "\(command) accepted a checkpoint with \(case_.name)")
      if !stderr.isEmpty {
        #expect(stderr.hasPrefix(path + ": error: "), "\(command): \(stderr)")
        #expect(stderr.contains(case_.message), "\(command): \(stderr)")
      }
    }
    // train --resume reads the same checkpoint as last.safetensors.
    try FileManager.default.removeItem(atPath: ws.checkpoint("good", "last"))
    try FileManager.default.copyItem(atPath: path, toPath: ws.checkpoint("good", "last"))
    let resumed = ws.train("good", epochs: 3, resume: true)
    #expect(resumed.status == 1)
    #expect(resumed.stderr.contains(case_.message), "\(resumed.stderr)")
  }

  /// `eval` and `optimize` re-create the split from the seed: without it they refuse.
  @Test func evalNeedsTheSeed() throws {
    let ws = try DataErrorTests.trainedWorkspace("ckpt-seedless")
    defer { ws.remove() }
    let path = try Self.spoil(ws, "seedless") { $0.metadata[Checkpoint.Key.seed] = nil }
    let r = Driver.eval(ws.options("good"), checkpoint: path, split: "valid", json: true)
    DataErrorTests.expectError(r, at: path, "the metadata field 'dlc.seed' is missing")
    #expect(Driver.predict(ws.options("good"), checkpoint: path, input: ws.root + "/good.csv", output: nil).status == 0)
  }

  /// Resuming needs the epoch and step the run stands at, consistent with each other
  /// and with the data; a forged step of Int.max is refused, not trapped on.
  @Test(arguments: [
    ("no-epoch", Checkpoint.Key.epoch, nil, "the metadata field 'dlc.epoch' is missing"),
    ("epoch-text", Checkpoint.Key.epoch, "one", "the metadata field 'dlc.epoch' is 'one', not a whole number from 1"),
    ("epoch-zero", Checkpoint.Key.epoch, "0", "the metadata field 'dlc.epoch' is '0', not a whole number from 1"),
    ("no-step", Checkpoint.Key.step, nil, "the metadata field 'dlc.step' is missing"),
    ("step-max", Checkpoint.Key.step, "\(Int.max)", "the metadata field 'dlc.rng_position' is"),
    ("step-overflow", Checkpoint.Key.step, "9223372036854775808", "the metadata field 'dlc.step' is '9223372036854775808', not a whole number"),
    ("best-garbage", Checkpoint.Key.best, "{]", "the metadata field 'dlc.best' is '{]', not the state of 'valid_loss'"),
  ] as [(String, String, String?, String)])
  func resumeRefusesBadRunFacts(_ name: String, _ key: String, _ value: String?, _ message: String) throws {
    let ws = try DataErrorTests.trainedWorkspace("ckpt-\(name)")
    defer { ws.remove() }
    let last = ws.checkpoint("good", "last")
    var checkpoint = try Checkpoint(contentsOf: last)
    checkpoint.metadata[key] = value
    try checkpoint.write(to: last)
    let r = ws.train("good", epochs: 3, resume: true)
    DataErrorTests.expectError(r, at: last, message)
    // With the position agreeing, the step itself is checked against the epochs done.
    if name == "step-max" {
      checkpoint.metadata[Checkpoint.Key.rngPosition] = "{\"epoch\":1,\"step\":\(Int.max)}"
      try checkpoint.write(to: last)
      DataErrorTests.expectError(ws.train("good", epochs: 3, resume: true), at: last,
                                 "the metadata field 'dlc.step' is \(Int.max), but 1 epochs of this data take 8 steps")
    }
  }

  /// `--resume --seed N` with another seed than the run's would redraw the split mid-run.
  @Test func resumeRefusesAnotherSeed() throws {
    let ws = try DataErrorTests.trainedWorkspace("ckpt-reseed")
    defer { ws.remove() }
    let r = ws.train("good", epochs: 3, seed: 7, resume: true)
    DataErrorTests.expectError(r, at: ws.checkpoint("good", "last"), "cannot resume with seed 7: the run was trained with seed 0")
    #expect(ws.train("good", epochs: 2, seed: 0, resume: true).status == 0)
  }

  /// Resuming a run that trained all its epochs says it is finished.
  @Test func resumingAFinishedRunSaysSo() throws {
    let ws = try DataErrorTests.trainedWorkspace("ckpt-finished")
    defer { ws.remove() }
    let r = ws.train("good", epochs: 1, resume: true)
    DataErrorTests.expectError(r, at: ws.checkpoint("good", "last"), "cannot resume: the run is finished: it trained 1 of 1 epochs")
    #expect(r.stderr.contains("give '--epochs N' with N above 1"))
  }

  /// The emitted trainer's `train --resume` goes through the same checks.
  @Test func theEmittedTrainerRefusesToResumeFromABadCheckpoint() throws {
    let ws = try DataErrorTests.trainedWorkspace("ckpt-emitted")
    defer { ws.remove() }
    let last = ws.checkpoint("good", "last")
    var checkpoint = try Checkpoint(contentsOf: last)
    checkpoint.metadata[Checkpoint.Key.epoch] = "x"
    try checkpoint.write(to: last)
    let diags = DiagnosticEngine()
    let (spec, checked) = try #require(Driver.frontEnd(ws.spec("good"), diags))
    let checkedModule = try #require(checked)
    let module = try #require(Driver.trainingModule(checkedModule, spec, diags))
    let run = try RunDescription(module: module, specText: "")
    let status = TrainerCommandLine.main(["trainer", "train", "--resume", "--epochs", "3", "--out", ws.runs], run: run) {
      InterpreterBackend(module: module, seed: $0)
    }
    #expect(status == 1)
    #expect(try Checkpoint(contentsOf: last).metadata[Checkpoint.Key.epoch] == "x", "the refused resume wrote a checkpoint")
  }
}
