/// `dlc train --resume` end to end: a run continued from `last.safetensors` ends with the
/// same bytes as a run that was never stopped, whether it stopped between invocations or
/// was killed in the middle of an epoch.
///
/// A run's learning-rate schedule is laid out over its epoch count, so "2 epochs, then
/// resume to 4" equals "4 epochs" only for schedules that do not depend on the run's
/// length (constant, step). With cosine or one_cycle the first invocation ran the
/// 2-epoch schedule, and the checkpoints differ from a 4-epoch run by design; the kill
/// test below uses a cosine spec with one epoch count throughout.
import DLCDriver
import DLCRuntime
import DLCTraining
import Foundation
import Testing
import _DLCTestSupport
#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized) struct ResumeTests {
  /// wine: SGD with momentum (a momentum buffer to restore), a step schedule, early
  /// stopping (its state travels in the checkpoint) and a validation split. A stale log
  /// line, as a crash between the log and the checkpoint leaves, is dropped on resume.
  @Test func twoEpochsThenResumingToFourEqualsFourEpochs() throws {
    let ws = try TrainingFixture.Workspace("resume")
    defer { ws.remove() }
    try ws.copyExamples(["wine"])
    try #require(ws.train("wine", epochs: 4, out: "straight").status == 0)
    try #require(ws.train("wine", epochs: 2).status == 0)
    let handle = try #require(FileHandle(forWritingAtPath: ws.runs + "/wine/log.jsonl"))
    handle.seekToEndOfFile()
    handle.write(Data("{\"epoch\":3,\"lr\":1,\"train_loss\":123}\n".utf8))
    handle.closeFile()

    let result = ws.train("wine", epochs: 4, resume: true)
    try #require(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.hasPrefix("trained 4 epochs"))

    for file in ["last", "best"] {
      let a = try Data(contentsOf: URL(fileURLWithPath: ws.checkpoint("wine", file, out: "straight")))
      let b = try Data(contentsOf: URL(fileURLWithPath: ws.checkpoint("wine", file)))
      let ca = try Checkpoint(decoding: Array(a)), cb = try Checkpoint(decoding: Array(b))
      #expect(ca.tensors.keys.sorted() == cb.tensors.keys.sorted())
      for (name, tensor) in ca.tensors { #expect(cb.tensors[name] == tensor, "\(file): '\(name)' differs") }
      // The metadata (spec, IR, epoch, step, seed, early stopping) is deterministic too,
      // given one spec path: the IR in it names the spec's file.
      #expect(ca.metadata == cb.metadata)
      #expect(a == b, "\(file).safetensors differs")
    }
    #expect(try Checkpoint(contentsOf: ws.checkpoint("wine", "last")).tensors["dense_1.weight.momentum_buffer"] != nil)

    let expected = try ws.log("wine", out: "straight"), actual = try ws.log("wine")
    #expect(actual.count == 4)
    #expect(actual.map { $0["epoch"] as? Int } == [1, 2, 3, 4])
    for key in ["lr", "train_loss", "valid_loss", "train_accuracy", "valid_accuracy"] {
      #expect(actual.map { $0[key] as? Double } == expected.map { $0[key] as? Double }, "'\(key)'")
    }
  }

  /// The built `dlc` trains digits_cnn (cosine schedule, early stopping) for 6 epochs
  /// and is killed with SIGKILL once the first `last.safetensors` is on disk; `--resume`
  /// then finishes the run, which must end with the bytes of an uninterrupted run of
  /// the same binary (the binary picks its GEMM kernels at start, so both runs are the
  /// built program, not this process). A temporary file left by a kill during a write
  /// is removed by the resumed run.
  @Test func aRunKilledMidEpochResumesToTheSameWeights() throws {
    let dlc = try #require(TrainingFixture.executable, "the dlc executable is not built beside the test bundle")
    let ws = try TrainingFixture.Workspace("kill")
    defer { ws.remove() }
    try ws.copyExamples(["digits_cnn"])
    let spec = ws.spec("digits_cnn")
    let straightOut = ws.root + "/straight"
    #expect(try Self.run(dlc, ["train", spec, "--epochs", "6", "--out", straightOut]) == 0)

    let killed = try Self.start(dlc, ["train", spec, "--epochs", "6", "--out", ws.runs])
    let last = ws.checkpoint("digits_cnn", "last")
    let deadline = Date().addingTimeInterval(120)
    while !FileManager.default.fileExists(atPath: last), killed.isRunning, Date() < deadline { usleep(2_000) }
    usleep(30_000)  // into the next epoch
    if killed.isRunning { kill(killed.processIdentifier, SIGKILL) }
    killed.waitUntilExit()
    #expect(killed.terminationReason == .uncaughtSignal, "the run ended before it was killed")
    let epochsDone = Int(try Checkpoint(contentsOf: last).metadata[Checkpoint.Key.epoch] ?? "") ?? 0
    #expect((1..<6).contains(epochsDone), "killed after \(epochsDone) epochs")

    // As a kill during a checkpoint's atomic write leaves it; resuming removes it.
    let stale = ws.runs + "/digits_cnn/.last.safetensors.tmp-Ab12Cd"
    #expect(FileManager.default.createFile(atPath: stale, contents: Data([1, 2, 3])))

    #expect(try Self.run(dlc, ["train", spec, "--epochs", "6", "--out", ws.runs, "--resume"]) == 0)
    #expect(try FileManager.default.contentsOfDirectory(atPath: ws.runs + "/digits_cnn").sorted()
      == ["best.safetensors", "last.safetensors", "log.jsonl"])
    for file in ["last", "best"] {
      let a = try Data(contentsOf: URL(fileURLWithPath: straightOut + "/digits_cnn/\(file).safetensors"))
      let b = try Data(contentsOf: URL(fileURLWithPath: ws.checkpoint("digits_cnn", file)))
      #expect(a == b, "\(file).safetensors of the resumed run differs from the uninterrupted one")
    }
    #expect(try ws.log("digits_cnn").map { $0["epoch"] as? Int } == [1, 2, 3, 4, 5, 6])
  }

  /// `--resume` without a checkpoint: exit status 1 and a message naming the file.
  @Test func resumingWithoutACheckpointIsAnError() throws {
    let ws = try TrainingFixture.Workspace("resume-none")
    defer { ws.remove() }
    try ws.copyExamples(["iris"])
    let result = ws.train("iris", epochs: 2, resume: true)
    #expect(result.status == 1)
    #expect(result.stdout.isEmpty)
    let path = ws.checkpoint("iris", "last")
    #expect(result.stderr.hasPrefix(ws.spec("iris") + ": error: cannot resume: there is no checkpoint '\(path)'"), "\(result.stderr)")
    #expect(!FileManager.default.fileExists(atPath: ws.runs + "/iris/log.jsonl"), "a failed resume must not start a log")
  }

  // MARK: subprocesses

  /// Starts `program` with its output discarded.
  static func start(_ program: String, _ arguments: [String]) throws -> Process {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: program)
    p.arguments = arguments
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    try p.run()
    return p
  }

  /// Runs `program` to its end and returns its exit status.
  static func run(_ program: String, _ arguments: [String]) throws -> Int32 {
    let p = try start(program, arguments)
    p.waitUntilExit()
    return p.terminationStatus
  }
}
