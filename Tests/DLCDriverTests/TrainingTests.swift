/// `dlc train` end to end: every example trains, logs and checkpoints; runs are
/// deterministic in the seed; a diverging run stops cleanly. Runs go to temporary
/// folders, never to the repository's `runs/`.
import DLCDriver
import DLCRuntime
import DLCTraining
import Foundation
import Testing
import _DLCTestSupport

@Suite(.serialized) struct TrainingTests {
  /// The example specs, by name (`iris`, `digits_mlp`, …).
  static let examples: [String] = Golden.files(in: "specs", ending: ".yaml").map {
    String($0.split(separator: "/").last!.dropLast(".yaml".count))
  }

  @Test func thereAreExamples() { #expect(Self.examples.count >= 10) }

  /// Trains `example` for 2 epochs (more when its warm-up needs them), then checks the
  /// log, both checkpoints and `eval` on a non-empty split.
  @Test(arguments: examples)
  func exampleTrainsLogsCheckpointsAndEvaluates(_ example: String) throws {
    let ws = try TrainingFixture.Workspace(example)
    defer { ws.remove() }
    // digits_transfer reads its base's checkpoint from ../runs/ beside the specs folder.
    let needed = example == "digits_transfer" ? ["digits_autoencoder", example] : [example]
    try ws.copyExamples(needed)
    if example == "digits_transfer" {
      let base = ws.train("digits_autoencoder", epochs: 2)
      try #require(base.status == 0, "\(base.stderr)")
    }
    let epochs = TrainingFixture.shortestRun(of: example)
    let result = ws.train(example, epochs: epochs)
    try #require(result.status == 0, "\(example): \(result.stderr)")
    #expect(result.stdout.hasPrefix("trained \(epochs) epochs"))

    let log = try ws.log(example)
    #expect(log.count == epochs)
    for (i, line) in log.enumerated() {
      #expect(line["epoch"] as? Int == i + 1)
      let loss = try #require(line["train_loss"] as? Double, "\(example) epoch \(i + 1): \(line)")
      #expect(loss.isFinite && loss > 0)
    }

    for file in ["best", "last"] {
      let checkpoint = try Checkpoint(contentsOf: ws.checkpoint(example, file))
      let epoch = try #require(Int(checkpoint.metadata[Checkpoint.Key.epoch] ?? ""))
      #expect(file == "best" ? (1...epochs).contains(epoch) : epoch == epochs)
      #expect(!checkpoint.tensors.isEmpty)
      for (name, tensor) in checkpoint.tensors {
        #expect(tensor.floats()?.allSatisfy(\.isFinite) ?? true, "\(example) \(file): '\(name)' is not finite")
      }
    }

    // No split named: test, or valid for specs without a test fraction.
    let eval = Driver.eval(ws.options(example), checkpoint: ws.checkpoint(example, "last"), split: nil, json: true)
    try #require(eval.status == 0, "\(example): \(eval.stderr)")
    let metrics = try TrainingFixture.jsonObject(eval.stdout)
    #expect((metrics["samples"] as? Int ?? 0) > 0)
    #expect(metrics["loss"] != nil)
    for (key, value) in metrics where key != "split" {
      #expect((value as? Double)?.isFinite == true, "\(example): '\(key)' is \(value)")
    }
  }

  /// Transfer learning keeps the frozen encoder exactly as the base model left it.
  @Test func transferKeepsTheFrozenEncoderOfItsBase() throws {
    let ws = try TrainingFixture.Workspace("transfer")
    defer { ws.remove() }
    try ws.copyExamples(["digits_autoencoder", "digits_transfer"])
    try #require(ws.train("digits_autoencoder", epochs: 2).status == 0)
    let result = ws.train("digits_transfer", epochs: 2)
    try #require(result.status == 0, "\(result.stderr)")
    let base = try Checkpoint(contentsOf: ws.checkpoint("digits_autoencoder", "last"))
    let transfer = try Checkpoint(contentsOf: ws.checkpoint("digits_transfer", "last"))
    for name in ["enc1.weight", "enc1.bias", "code.weight", "code.bias"] {
      let kept = try #require(transfer.tensors[name], "no '\(name)'")
      #expect(kept == base.tensors[name], "'\(name)' changed while frozen")
    }
    #expect(transfer.tensors["head.weight"] != nil)
  }

  // MARK: determinism

  /// Two runs with one seed write identical bytes; another seed writes other bytes.
  /// digits_mlp has dropout and batch normalization (running statistics are saved).
  @Test func theSameSeedGivesTheSameBytes() throws {
    try expectDeterministic("digits_mlp", epochs: 3)
  }

  /// The same with attention, whose training form draws a dropout stream (of rate 0).
  /// The spec's 5-epoch warm-up is removed so that one epoch is a valid run.
  @Test func attentionIsDeterministicToo() throws {
    try expectDeterministic("digits_transformer", epochs: 1) {
      $0.replacingOccurrences(of: "schedule: {cosine: {warmup_epochs: 5}}", with: "schedule: cosine")
    }
  }

  /// Trains `example` three times: twice with the spec's seed, once with seed 43.
  func expectDeterministic(_ example: String, epochs: Int, edit: @escaping (String) -> String = { $0 }) throws {
    let ws = try TrainingFixture.Workspace(example)
    defer { ws.remove() }
    try ws.copyExamples([example], edit: edit)
    var bytes: [[String: Data]] = []
    for (run, seed) in [("a", nil), ("b", nil), ("c", UInt64(43))] as [(String, UInt64?)] {
      let result = ws.train(example, epochs: epochs, seed: seed, out: run)
      try #require(result.status == 0, "\(result.stderr)")
      bytes.append(try ["last", "best"].reduce(into: [:]) {
        $0[$1] = try Data(contentsOf: URL(fileURLWithPath: ws.checkpoint(example, $1, out: run)))
      })
    }
    #expect(bytes[0]["last"] == bytes[1]["last"], "two runs of one seed differ")
    #expect(bytes[0]["best"] == bytes[1]["best"])
    #expect(bytes[0]["last"] != bytes[2]["last"], "another seed gave the same checkpoint")
    let a = try Checkpoint(decoding: Array(bytes[0]["last"]!)), c = try Checkpoint(decoding: Array(bytes[2]["last"]!))
    #expect(a.tensors.keys.sorted() == c.tensors.keys.sorted())
    #expect(a.tensors.contains { name, t in name.hasSuffix(".weight") && c.tensors[name] != t })
  }

  /// An `--epochs` override that leaves no epoch after the warm-up is refused before
  /// anything runs, as one diagnostic with its help.
  @Test func anOverrideShorterThanTheWarmUpIsRefused() throws {
    let ws = try TrainingFixture.Workspace("warmup")
    defer { ws.remove() }
    try ws.copyExamples(["digits_transformer"])
    let result = ws.train("digits_transformer", epochs: 2)
    #expect(result.status == 1)
    #expect(result.stderr == """
      \(ws.spec("digits_transformer")): error: a warm-up of 5 epochs needs a run of more than 5 epochs, not 2
        |
        = help: run at least 6 epochs, or shorten the warm-up
      error: aborting due to 1 previous error

      """)
    #expect(!FileManager.default.fileExists(atPath: ws.runs + "/digits_transformer"))
  }

  // MARK: divergence

  /// A learning rate of 10⁶ makes the loss infinite within the first epoch: exit status
  /// 1, the epoch and batch in the message, and no checkpoint or temporary file left.
  @Test func aDivergingRunStopsAndLeavesNoPartialFiles() throws {
    let ws = try TrainingFixture.Workspace("diverge")
    defer { ws.remove() }
    try ws.copyExamples([])
    try ws.writeSpec("diverge", """
      dlc: 1
      name: diverge
      data:
        source: {csv: data/diabetes.csv, target: progression}
        task: regression
        normalize: standardize
      model:
        input: [10]
        layers:
          - dense: {units: 16, activation: relu}
          - dense: 1
      loss: mse
      train:
        optimizer: {sgd: 1e6}
        batch_size: 32
        epochs: 3

      """)
    let result = ws.train("diverge", epochs: nil)
    #expect(result.status == 1)
    #expect(result.stdout.isEmpty)
    #expect(result.stderr.contains("error: training diverged: the training loss is "), "\(result.stderr)")
    #expect(result.stderr.contains(" at epoch 1, batch "), "\(result.stderr)")
    let left = try FileManager.default.contentsOfDirectory(atPath: ws.runs + "/diverge")
    #expect(left.filter { $0.contains(".tmp") || $0.hasSuffix(".safetensors") }.isEmpty, "\(left)")
  }
}

/// Temporary run folders and spec copies for the training, resume, evaluation and data
/// error tests.
enum TrainingFixture {
  /// A temporary folder holding `specs/` (copies, beside a `data` link to the
  /// examples' data) and `runs/` (the `--out` folder); removed by `remove()`.
  struct Workspace {
    let root: String
    var specs: String { root + "/specs" }
    var runs: String { root + "/runs" }

    /// A fresh folder named after `label` under the temporary directory.
    init(_ label: String) throws {
      root = try ScratchFolder(label).path
      try FileManager.default.createDirectory(atPath: root + "/specs", withIntermediateDirectories: true)
    }

    /// A spec edit that replaces the spec's `optimize:` list (and the comment above it)
    /// with `list`, or drops it when `list` is nil.
    static func optimize(_ list: String?) -> (String) -> String {
      { text in
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if let i = lines.firstIndex(where: { $0.hasPrefix("optimize:") }) {
          var start = i
          while start > 0, lines[start - 1].hasPrefix("#") { start -= 1 }
          lines.removeSubrange(start...i)
        }
        var out = lines.joined(separator: "\n")
        if let list { out += "\noptimize: \(list)\n" }
        return out
      }
    }

    /// Copies example specs into `specs/`, through `edit`, and links `specs/data` to
    /// the examples' data, so that their relative paths resolve as in the repository.
    func copyExamples(_ names: [String], edit: (String) -> String = { $0 }) throws {
      let fm = FileManager.default
      if !fm.fileExists(atPath: specs + "/data") {
        try fm.createSymbolicLink(atPath: specs + "/data", withDestinationPath: Golden.root + "/specs/data")
      }
      for name in names {
        let text = try String(contentsOfFile: Golden.root + "/specs/\(name).yaml", encoding: .utf8)
        try writeSpec(name, edit(text))
      }
    }

    /// Writes `text` as `specs/<name>.yaml`.
    func writeSpec(_ name: String, _ text: String) throws {
      try text.write(toFile: spec(name), atomically: true, encoding: .utf8)
    }

    /// Writes `bytes` as `name` in the root folder and returns its path.
    @discardableResult
    func write(_ name: String, _ bytes: Data) throws -> String {
      let path = root + "/" + name
      try bytes.write(to: URL(fileURLWithPath: path))
      return path
    }

    func spec(_ name: String) -> String { specs + "/\(name).yaml" }
    func options(_ name: String) -> SpecOptions { SpecOptions(path: spec(name)) }
    /// A checkpoint of run `name` in `runs/`, or in the folder `out` of the root.
    func checkpoint(_ name: String, _ which: String, out: String? = nil) -> String {
      runsFolder(out) + "/\(name)/\(which).safetensors"
    }

    /// `dlc train specs/<name>.yaml --out runs` (or `--out <root>/<out>`) in-process,
    /// progress discarded. Runs of one spec copy compare byte for byte: checkpoints
    /// hold the spec's path (in the IR), so copies in two folders would differ there.
    func train(_ name: String, epochs: Int?, seed: UInt64? = nil, resume: Bool = false, out: String? = nil) -> DriverResult {
      Driver.train(TrainOptions(spec: options(name), epochs: epochs, seed: seed, outputDirectory: runsFolder(out), resume: resume)) { _ in }
    }

    /// The lines of the run's `log.jsonl` as JSON objects.
    func log(_ name: String, out: String? = nil) throws -> [[String: Any]] {
      let text = try String(contentsOfFile: runsFolder(out) + "/\(name)/log.jsonl", encoding: .utf8)
      return try text.split(separator: "\n").map { try jsonObject(String($0)) }
    }

    func runsFolder(_ out: String?) -> String { out.map { root + "/" + $0 } ?? runs }

    func remove() { try? FileManager.default.removeItem(atPath: root) }
  }

  /// The shortest run of an example the trainer accepts with at least 2 epochs: a run
  /// must be longer than its warm-up (`train.schedule.*.warmup_epochs`).
  static func shortestRun(of example: String) -> Int {
    let text = RepoRoot.read("specs/\(example).yaml") ?? ""
    guard let match = text.firstMatch(of: /warmup_epochs:\s*(\d+)/), let warmup = Int(match.1) else { return 2 }
    return max(2, warmup + 1)
  }

  /// One JSON object (a line of `--json` output or of a run log).
  static func jsonObject(_ text: String) throws -> [String: Any] {
    struct NotAnObject: Error { var text: String }
    guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { throw NotAnObject(text: text) }
    return object
  }

  /// The built `dlc` executable: it sits beside the test bundle in the build folder.
  static var executable: String? { BuiltProducts.dlc }

  /// Runs `executable` in `directory` to its end (`ChildProcess.run`).
  static func run(_ executable: String, _ arguments: [String], in directory: String) throws -> (status: Int32, output: String) {
    try ChildProcess.run(executable, arguments, in: directory)
  }
}
