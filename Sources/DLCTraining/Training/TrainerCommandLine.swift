import Foundation

/// The command line of an emitted trainer: `train`, `eval` and `predict` over one
/// compiled model. It lives here, in the carried training module, so every emitted
/// package shares it and `dlc`'s own commands and the emitted ones behave alike.
public enum TrainerCommandLine {
  /// Runs `arguments` (argv, program name first) and returns the exit status: 0 done,
  /// 1 a problem with the data, a checkpoint or the arguments. `eval`, `predict` and
  /// `latency` run an optimized checkpoint on `deployed` (when the package has one) and
  /// any other checkpoint on the trainer's model. `train` ends with the spec's deployment
  /// passes over the checkpoint it kept, as `dlc train` does, through `deployment`.
  public static func main(
    _ arguments: [String], run: RunDescription, deployed: DeployedModel? = nil, deployment: DeploymentCommand? = nil,
    makeBackend: @escaping (UInt64) throws -> TrainingBackend
  ) -> Int32 {
    let program = (arguments.first as NSString?)?.lastPathComponent ?? "trainer"
    var args = Array(arguments.dropFirst())
    guard let command = args.first, !["-h", "--help", "help"].contains(command) else {
      print(usage(program, run))
      return args.isEmpty ? 1 : 0
    }
    args.removeFirst()
    // `train --help` and the like: the usage, as for the bare `--help`.
    if args.contains(where: { $0 == "-h" || $0 == "--help" }) {
      print(usage(program, run))
      return 0
    }
    do {
      let options = try Options(args)
      try options.checkPaths()
      var run = run
      if options.value("targets") != nil, case .csv = run.data.source {
        throw TrainingError("'--targets' names NPY targets, but this model reads its targets from the CSV's columns; give '--data' only")
      }
      if let data = options.value("data") { run.data.source = run.data.source.replacingPaths(x: data, y: options.value("targets")) }
      switch command {
      case "train":
        var trainer = Trainer.Options()
        if let e = options.value("epochs") {
          guard let n = Int(e), n >= 1, n <= TrainConfig.maxEpochs else {
            throw TrainingError("--epochs needs a whole number from 1 to \(TrainConfig.maxEpochs), not '\(e)'")
          }
          run.train.epochs = n
          if run.train.schedule.warmupEpochs >= n { throw TrainConfigError.warmupTooLong(run.train.schedule.warmupEpochs, epochs: n) }
        }
        if let s = options.value("seed") {
          guard let seed = UInt64(s) else { throw TrainingError("--seed needs a whole number ≥ 0, not '\(s)'") }
          trainer.seed = seed
        }
        trainer.runsDirectory = options.value("out") ?? "runs"
        trainer.resume = options.flag("resume")
        trainer.overwrite = options.flag("overwrite")
        trainer.interactive = isatty(1) != 0
        trainer.write = { text in FileHandle.standardOutput.write(Data(text.utf8)) }
        let report = try Trainer(run: run, options: trainer, makeBackend: makeBackend).run()
        print("trained \(report.epochsRun) epoch\(report.epochsRun == 1 ? "" : "s")"
          + (report.bestEpoch.map { "; best epoch \($0) by '\(report.bestMonitor)'" } ?? ""))
        print("checkpoints: \(report.bestCheckpoint), \(report.lastCheckpoint)")
        if let deployment {
          try deploy(deployment, report: report, run: run, dataReplaced: options.value("data") != nil || options.value("targets") != nil)
        }
      case "eval":
        let (checkpoint, loaded) = try read(options)
        let evaluation = try Inference.evaluate(
          run: run, checkpoint: checkpoint, split: options.value("split"), loaded: loaded,
          makeBackend: try backend(for: loaded, at: checkpoint, deployed: deployed, trainer: makeBackend))
        print(options.flag("json") ? evaluation.json : evaluation.text, terminator: options.flag("json") ? "\n" : "")
      case "predict":
        let (checkpoint, loaded) = try read(options)
        let csv = try Inference.predict(
          run: run, checkpoint: checkpoint, input: try options.required("input"), loaded: loaded,
          makeBackend: try backend(for: loaded, at: checkpoint, deployed: deployed, trainer: makeBackend))
        if let output = options.value("output") {
          try PathCheck.write(csv, to: output)
        } else {
          print(csv, terminator: "")
        }
      case "latency":
        let batches = try Latency.batchList(options.value("batch") ?? "1,\(run.train.batchSize)")
        let seconds = try Latency.seconds(options.value("seconds") ?? "1")
        let (checkpoint, loaded) = try read(options)
        // The compiled model's memory is planned for the spec's batch size: larger batches run in calls of that size.
        for m in try Latency.measure(run: run, checkpoint: checkpoint, batches: batches, seconds: seconds, loaded: loaded,
                                     largestCall: run.train.batchSize, makeBackend: try backend(for: loaded, at: checkpoint, deployed: deployed, trainer: makeBackend)) {
          print(m.text)
        }
      default:
        throw TrainingError("unknown command '\(command)'; use train, eval, predict or latency (see --help)")
      }
      return 0
    } catch let error as DataError {
      FileHandle.standardError.write(Data((error.description + "\n").utf8))
    } catch let error as TrainConfigError {
      FileHandle.standardError.write(Data((error.description + "\n").utf8))
    } catch {
      FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    }
    return 1
  }

  /// The deployment passes over the checkpoint training kept (best, else last) into
  /// `optimized.safetensors` beside it, as `dlc train` does; when they cannot run here, a
  /// note that says why and the command that runs them.
  static func deploy(_ deployment: DeploymentCommand, report: Trainer.Report, run: RunDescription, dataReplaced: Bool) throws {
    let kept = FileManager.default.fileExists(atPath: report.bestCheckpoint) ? report.bestCheckpoint : report.lastCheckpoint
    let output = (kept as NSString).deletingLastPathComponent + "/optimized.safetensors"
    let outcome = try deployment.run(checkpoint: kept, output: output, specText: run.specText, dataReplaced: dataReplaced) { text in
      FileHandle.standardOutput.write(Data(text.utf8))
    }
    if case .notRun(let reason) = outcome {
      print("note: the spec's deployment passes (\(deployment.passes)) did not run: \(reason)")
      print("run them with: " + deployment.commandLine(checkpoint: kept, output: output))
    }
  }

  /// The `--checkpoint` path and the file's content, read once.
  static func read(_ options: Options) throws -> (String, Checkpoint) {
    let path = try options.required("checkpoint")
    return (path, try Checkpoint(contentsOf: path))
  }

  /// The model a checkpoint runs on (see `DeployedModel.backend`).
  static func backend(
    for checkpoint: Checkpoint, at path: String, deployed: DeployedModel?, trainer: @escaping (UInt64) throws -> TrainingBackend
  ) throws -> (UInt64) throws -> TrainingBackend {
    try DeployedModel.backend(for: checkpoint, path: path, deployed: deployed, trainer: trainer)
  }

  static func usage(_ program: String, _ run: RunDescription) -> String {
    """
    \(program): the trainer of '\(run.name)', compiled by dlc.

    usage:
      \(program) train   [--data PATH] [--targets PATH] [--epochs N] [--seed S] [--out DIR] [--resume | --overwrite]
      \(program) eval    --checkpoint FILE [--split train|valid|test] [--json] [--data PATH] [--targets PATH]
      \(program) predict --checkpoint FILE --input data.csv|data.npy [--output preds.csv]
      \(program) latency --checkpoint FILE [--batch 1,\(run.train.batchSize)] [--seconds 1]

    The data are the files the spec names, resolved against its folder when dlc compiled
    the package; --data replaces the data file (the CSV, or the NPY features), --targets
    the NPY targets (relative to the current folder). Runs go to <out>/\(run.name)/
    (log.jsonl, best.safetensors: the best epoch by the validation loss, or the training
    loss without a validation split, and last.safetensors), readable by `dlc eval` and
    `dlc predict` as well; a new run into a folder holding one refuses without --overwrite,
    and two runs cannot share a folder. When the spec lists 'optimize:' passes, `train`
    ends by running them through the dlc that compiled the package (`dlc optimize`, into
    optimized.safetensors; when dlc or the spec is not there it prints the command
    instead), and an optimized checkpoint runs on the package's deployed model. `eval`
    reads the test split, or the valid split when the spec holds out no test split.
    `latency` takes any batch sizes; batches above \(run.train.batchSize) run as several calls.
    """
  }

  /// `--name value` options and `--flag` flags.
  struct Options {
    var values: [String: String] = [:]
    var flags: Set<String> = []
    static let flagNames: Set<String> = ["resume", "overwrite", "json"]
    /// The options that name paths, and what they name (see `PathCheck`).
    static let pathOptions: [String: PathCheck.Kind] = [
      "data": .inputFile, "targets": .inputFile, "checkpoint": .inputFile, "input": .inputFile,
      "output": .outputFile, "out": .outputFolder,
    ]
    static let valueNames: Set<String> = [
      "data", "targets", "epochs", "seed", "out", "checkpoint", "split", "input", "output", "batch", "seconds",
    ]

    init(_ args: [String]) throws {
      var i = 0
      while i < args.count {
        let arg = args[i]
        guard arg.hasPrefix("--") else { throw TrainingError("unexpected argument '\(arg)'") }
        let name = String(arg.dropFirst(2))
        if Self.flagNames.contains(name) {
          flags.insert(name)
        } else if Self.valueNames.contains(name) {
          guard i + 1 < args.count else { throw TrainingError("'\(arg)' needs a value") }
          values[name] = args[i + 1]
          i += 1
        } else {
          throw TrainingError("unknown option '\(arg)' (see --help)")
        }
        i += 1
      }
    }

    /// Every path option given is checked before anything runs.
    func checkPaths() throws {
      for (name, kind) in Self.pathOptions.sorted(by: { $0.key < $1.key }) {
        if let path = values[name] { try PathCheck.check(path, option: "--" + name, as: kind) }
      }
      if flag("resume"), flag("overwrite") { throw TrainingError("'--resume' and '--overwrite' are alternatives; give one") }
    }

    func value(_ name: String) -> String? { values[name] }
    func flag(_ name: String) -> Bool { flags.contains(name) }
    func required(_ name: String) throws -> String {
      guard let v = values[name] else { throw TrainingError("this command needs '--\(name)'") }
      return v
    }
  }
}

extension DataSourceConfig {
  /// The same source reading other files: `x` replaces the CSV or the NPY features,
  /// `y` the NPY targets.
  func replacingPaths(x: String, y: String?) -> DataSourceConfig {
    switch self {
    case .csv(_, let target, let features): return .csv(path: x, target: target, features: features)
    case .npy(_, let oldY): return .npy(x: x, y: y ?? oldY)
    }
  }
}
