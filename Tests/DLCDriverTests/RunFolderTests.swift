/// Two trainings never share a run folder: the folder is locked while a run writes it; a
/// fresh run into a folder holding an earlier one refuses without `--overwrite`, and
/// with it keeps the earlier files until its first epoch is saved; an optimized model of
/// an earlier run does not survive beside new weights. The emitted trainer does the same.
@testable import DLCDriver
import DLCRuntime
import DLCSyntax
import DLCTraining
import Foundation
import Testing
import _DLCTestSupport
#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized) struct RunFolderTests {
  static func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

  @Test func aSecondRunIntoTheSameFolderRefusesWithoutOverwrite() throws {
    let ws = try DataErrorTests.trainedWorkspace("run-again")
    defer { ws.remove() }
    let log = try Self.bytes(ws.runs + "/good/log.jsonl"), last = try Self.bytes(ws.checkpoint("good", "last"))
    let again = ws.train("good", epochs: 1)
    DataErrorTests.expectError(again, at: ws.runs + "/good", "the folder holds an earlier run (log.jsonl, best.safetensors, last.safetensors)")
    #expect(again.stderr.contains("give '--overwrite' to replace it"))
    #expect(try Self.bytes(ws.runs + "/good/log.jsonl") == log)
    #expect(try Self.bytes(ws.checkpoint("good", "last")) == last)
  }

  @Test func overwriteKeepsTheEarlierRunUntilItsFirstEpochAndRemovesAStaleOptimizedModel() throws {
    let ws = try DataErrorTests.trainedWorkspace("run-overwrite")
    defer { ws.remove() }
    let folder = ws.runs + "/good"
    let log = try Self.bytes(folder + "/log.jsonl"), last = try Self.bytes(ws.checkpoint("good", "last"))
    try Data("stale".utf8).write(to: URL(fileURLWithPath: folder + "/optimized.safetensors"))

    // A run that fails before its first epoch (its data file is gone) leaves everything.
    let csv = ws.root + "/good.csv"
    try FileManager.default.moveItem(atPath: csv, toPath: csv + ".away")
    let failed = Driver.train(TrainOptions(spec: ws.options("good"), epochs: 2, outputDirectory: ws.runs, overwrite: true)) { _ in }
    #expect(failed.status == 1)
    #expect(try Self.bytes(folder + "/log.jsonl") == log)
    #expect(try Self.bytes(ws.checkpoint("good", "last")) == last)
    #expect(FileManager.default.fileExists(atPath: folder + "/optimized.safetensors"))

    try FileManager.default.moveItem(atPath: csv + ".away", toPath: csv)
    let r = Driver.train(TrainOptions(spec: ws.options("good"), epochs: 2, outputDirectory: ws.runs, overwrite: true)) { _ in }
    try #require(r.status == 0, "\(r.stderr)")
    #expect(try ws.log("good").map { $0["epoch"] as? Int } == [1, 2])
    #expect(!FileManager.default.fileExists(atPath: folder + "/optimized.safetensors"), "the earlier run's optimized model survived")
  }

  /// While one training holds the folder's lock, another is refused and writes nothing.
  @Test func aLockedRunFolderIsRefused() throws {
    let ws = try DataErrorTests.trainedWorkspace("run-locked")
    defer { ws.remove() }
    let lock = ws.runs + "/.good.lock"
    let fd = open(lock, O_RDWR | O_CREAT, 0o644)
    try #require(fd >= 0)
    defer { close(fd) }
    try #require(flock(fd, LOCK_EX | LOCK_NB) == 0)
    let log = try Self.bytes(ws.runs + "/good/log.jsonl")
    for r in [ws.train("good", epochs: 2, resume: true),
              Driver.train(TrainOptions(spec: ws.options("good"), epochs: 1, outputDirectory: ws.runs, overwrite: true)) { _ in }] {
      DataErrorTests.expectError(r, at: ws.runs + "/good", "another training is writing to this run folder (it holds the lock '\(lock)')")
    }
    #expect(try Self.bytes(ws.runs + "/good/log.jsonl") == log)
    flock(fd, LOCK_UN)
    #expect(ws.train("good", epochs: 2, resume: true).status == 0)
  }

  /// Two `dlc` processes training into one folder at once: one trains, the other is
  /// refused (before this, both exited 0 and the checkpoints held one run's weights).
  @Test func twoProcessesCannotTrainIntoOneFolder() throws {
    let dlc = try #require(TrainingFixture.executable, "the dlc executable is not built")
    let ws = try TrainingFixture.Workspace("run-race")
    defer { ws.remove() }
    try ws.copyExamples(["digits_mlp"])
    let arguments = ["train", ws.spec("digits_mlp"), "--epochs", "3", "--out", ws.runs]
    let a = try ResumeTests.start(dlc, arguments), b = try ResumeTests.start(dlc, arguments)
    a.waitUntilExit()
    b.waitUntilExit()
    #expect([a.terminationStatus, b.terminationStatus].sorted() == [0, 1], "\(a.terminationStatus), \(b.terminationStatus)")
    #expect(try ws.log("digits_mlp").map { $0["epoch"] as? Int } == [1, 2, 3])
  }

  @Test func theEmittedTrainerRefusesASecondRunWithoutOverwrite() throws {
    let ws = try DataErrorTests.trainedWorkspace("run-emitted")
    defer { ws.remove() }
    let diags = DiagnosticEngine()
    let (spec, checked) = try #require(Driver.frontEnd(ws.spec("good"), diags))
    let checkedModule = try #require(checked)
    let module = try #require(Driver.trainingModule(checkedModule, spec, diags))
    let run = try RunDescription(module: module, specText: "")
    func train(_ extra: [String]) -> Int32 {
      TrainerCommandLine.main(["trainer", "train", "--epochs", "1", "--out", ws.runs] + extra, run: run) {
        InterpreterBackend(module: module, seed: $0)
      }
    }
    let log = try Self.bytes(ws.runs + "/good/log.jsonl")
    #expect(train([]) == 1)
    #expect(try Self.bytes(ws.runs + "/good/log.jsonl") == log)
    #expect(train(["--resume", "--overwrite"]) == 1)
    #expect(train(["--overwrite"]) == 0)
  }
}
