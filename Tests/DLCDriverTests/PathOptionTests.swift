/// Every path option of every command — dlc's, listed from its own command definitions,
/// and the emitted trainer's — set to `""`, `/`, an existing file, a read-only folder or a
/// path in a missing folder ends with exit status 1 and a sentence naming the path (or
/// the option, for an empty one): never a crash, an internal error (status 2), a raw
/// system error dump, or a write anywhere in the workspace, the current folder or `/`.
/// One exception: an output *folder* that does not exist yet (`--out runs` on the first
/// run, `-o pkg`) is created with its parents — there the case must succeed and write
/// only inside the named folder.
///
/// The options come from `dlc --experimental-dump-help` (the argument parser's own
/// description of the commands), and each must have an in-process invocation below; an
/// option added later without one fails `everyPathOptionIsCovered`. An output *file* that
/// already exists is a normal overwrite, so for output files the "existing file" case is a
/// path *under* an existing file. Read-only folders are made with `chattr +i` when the
/// tests run as root (permission bits do not stop root), with `chmod 555` otherwise.
@testable import DLCDriver
import DLCRuntime
import DLCSyntax
@testable import DLCTraining
import Foundation
import Testing
import _DLCTestSupport
#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized) struct PathOptionTests {
  /// What a path option names.
  enum Role: String { case input, outputFile, outputFolder }

  /// One path option: the command and the option's long name (`spec` for the positional).
  struct Option: Hashable, CustomStringConvertible {
    var command: String
    var name: String
    var description: String { "dlc \(command) \(name == "spec" ? "SPEC" : "--" + name)" }
  }

  /// The bad values every path option is tried with.
  enum Bad: String, CaseIterable { case empty, root, existingFile, readOnlyFolder, missingFolder }

  /// Options that take no path, per their value names in the dump.
  static let nonPathValueNames: Set<String> = ["diagnostics", "color", "emit", "list", "epochs", "seed", "split", "seconds", "subcommands", "size", "pass"]

  /// The role of each path option dlc has; `everyPathOptionIsCovered` checks it against the dump.
  static let roles: [Option: Role] = {
    var out: [Option: Role] = [:]
    for command in ["check", "compile", "train", "eval", "predict", "optimize", "latency"] { out[Option(command: command, name: "spec")] = .input }
    for command in ["eval", "predict", "optimize", "latency"] { out[Option(command: command, name: "checkpoint")] = .input }
    out[Option(command: "predict", name: "input")] = .input
    out[Option(command: "compile", name: "with")] = .input
    out[Option(command: "predict", name: "output")] = .outputFile
    out[Option(command: "optimize", name: "output")] = .outputFile
    out[Option(command: "compile", name: "output")] = .outputFolder
    out[Option(command: "train", name: "out")] = .outputFolder
    return out
  }()

  /// The path options in the built `dlc`'s own description of its commands.
  static func dumpedPathOptions() throws -> [Option] {
    let dlc = try #require(TrainingFixture.executable, "the dlc executable is not built")
    let dumped = try ChildProcess.run(dlc, ["--experimental-dump-help"])
    try #require(dumped.status == 0, "\(dumped.output)")
    let root = try #require(try JSONSerialization.jsonObject(with: Data(dumped.output.utf8)) as? [String: Any])
    let commands = try #require((root["command"] as? [String: Any])?["subcommands"] as? [[String: Any]])
    var out: [Option] = []
    for command in commands {
      let name = try #require(command["commandName"] as? String)
      for argument in command["arguments"] as? [[String: Any]] ?? [] {
        guard let kind = argument["kind"] as? String, kind != "flag", let value = argument["valueName"] as? String,
              !nonPathValueNames.contains(value) else { continue }
        let names = (argument["names"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        let long = kind == "positional" ? "spec" : names.max { $0.count < $1.count } ?? value
        out.append(Option(command: name, name: long))
      }
    }
    return out
  }

  @Test func everyPathOptionIsCovered() throws {
    let dumped = try Self.dumpedPathOptions()
    #expect(dumped.count >= 14, "\(dumped)")
    for option in dumped { #expect(Self.roles[option] != nil, "\(option) has no case in PathOptionTests") }
    for option in Self.roles.keys { #expect(dumped.contains(option), "\(option) is no longer a path option of dlc") }
    // The emitted trainer: each value option is a path option or a known other one.
    let others: Set<String> = ["epochs", "seed", "split", "batch", "seconds"]
    for name in TrainerCommandLine.Options.valueNames {
      #expect(TrainerCommandLine.Options.pathOptions[name] != nil || others.contains(name), "the trainer's '--\(name)' is not classified")
    }
  }

  // MARK: the cases

  /// The workspace: `good` trained, a text file, a read-only folder (when one can be made).
  final class Setup {
    let ws: TrainingFixture.Workspace
    let textFile: String
    let readOnly: String?

    init() throws {
      ws = try DataErrorTests.trainedWorkspace("paths")
      textFile = ws.root + "/notes.txt"
      try "hello\n".write(toFile: textFile, atomically: true, encoding: .utf8)
      let folder = ws.root + "/read-only"
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
      readOnly = Setup.makeReadOnly(folder) ? folder : nil
    }

    /// `chattr +i` as root, `chmod 555` otherwise; true when a file can then not be created.
    static func makeReadOnly(_ folder: String) -> Bool {
      if getuid() == 0 {
        guard let chattr = ["/usr/bin/chattr", "/bin/chattr"].first(where: FileManager.default.isExecutableFile(atPath:)),
              (try? ResumeTests.run(chattr, ["+i", folder])) == 0 else { return false }
      } else if chmod(folder, 0o555) != 0 {
        return false
      }
      let probe = open(folder + "/probe", O_WRONLY | O_CREAT, 0o644)
      if probe >= 0 {
        close(probe)
        unlink(folder + "/probe")
        return false
      }
      return true
    }

    func remove() {
      if let readOnly {
        if getuid() == 0, let chattr = ["/usr/bin/chattr", "/bin/chattr"].first(where: FileManager.default.isExecutableFile(atPath:)) {
          _ = try? ResumeTests.run(chattr, ["-i", readOnly])
        }
        chmod(readOnly, 0o755)
      }
      ws.remove()
    }

    /// The bad value of `bad` for an option of `role`; nil when it cannot be made here.
    func value(_ bad: Bad, _ role: Role) -> String? {
      switch bad {
      case .empty: return ""
      case .root: return "/"
      case .existingFile: return role == .outputFile ? textFile + "/out.csv" : textFile
      case .readOnlyFolder: return readOnly.map { role == .outputFile ? $0 + "/out.csv" : $0 }
      case .missingFolder: return ws.root + "/missing/" + (role == .outputFolder ? "runs" : "file.csv")
      }
    }
  }

  /// Runs `option`'s command in-process with `option` set to `value` and the others valid.
  static func invoke(_ option: Option, _ value: String, _ s: Setup) -> DriverResult {
    let ws = s.ws
    func pick(_ name: String, _ valid: String) -> String { option.name == name ? value : valid }
    let spec = SpecOptions(path: pick("spec", ws.spec("good")))
    let checkpoint = pick("checkpoint", ws.checkpoint("good", "last"))
    switch option.command {
    case "check": return Driver.check(spec)
    case "compile":
      switch option.name {
      case "output": return Driver.emitPackage(spec, to: value)
      case "with": return Driver.emitPackage(spec, to: ws.root + "/package", with: [value])
      default: return Driver.emitPackage(spec, to: ws.root + "/package")
      }
    case "train": return Driver.train(TrainOptions(spec: spec, epochs: 1, outputDirectory: pick("out", ws.root + "/new-runs"))) { _ in }
    case "eval": return Driver.eval(spec, checkpoint: checkpoint, split: "valid", json: true)
    case "predict":
      return Driver.predict(spec, checkpoint: checkpoint, input: pick("input", ws.root + "/good.csv"),
                            output: option.name == "output" ? value : nil)
    case "optimize":
      return Driver.optimize(OptimizeOptions(spec: spec, checkpoint: checkpoint, passes: ["quantize"], output: pick("output", ws.root + "/opt.safetensors")))
    case "latency": return Driver.latency(spec, checkpoint: checkpoint, batches: "1", seconds: 0.01)
    default: return DriverResult(status: 99, stderr: "no invocation for \(option)")
    }
  }

  /// Whether the case is a new output folder, which is created (see the type's summary).
  static func creates(_ bad: Bad, _ role: Role) -> Bool { bad == .missingFolder && role == .outputFolder }

  /// Everything new or changed under `root` is `folder` or inside it (or one of its new parents).
  static func expectWritesOnlyInside(_ folder: String, root: String, before: [String: String], label: String) {
    let relative = String(folder.dropFirst(root.count + 1))
    #expect(FileManager.default.fileExists(atPath: folder), "\(label): the folder was not made")
    for (entry, stamp) in snapshot(root) where before[entry] != stamp {
      #expect(entry.hasPrefix(relative + "/") || relative.hasPrefix(entry + "/") || entry == relative, "\(label) wrote '\(entry)'")
    }
  }

  /// Every file and folder under `root` (not following links), with sizes and times.
  static func snapshot(_ root: String) -> [String: String] {
    var out: [String: String] = [:]
    let fm = FileManager.default
    for entry in (fm.enumerator(atPath: root)?.compactMap { $0 as? String } ?? []) where !entry.hasPrefix("specs/data/") {
      let a = try? fm.attributesOfItem(atPath: root + "/" + entry)
      out[entry] = "\(a?[.size] ?? 0) \(a?[.modificationDate] ?? 0)"
    }
    return out
  }

  /// The top level of `/` and of the current folder, which no case may add to.
  static func outsideSnapshot() -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: "/")) ?? []).sorted()
      + ["--"] + ((try? FileManager.default.contentsOfDirectory(atPath: FileManager.default.currentDirectoryPath)) ?? []).sorted()
  }

  @Test func everyBadPathOfEveryDlcCommandIsAClearError() throws {
    let s = try Setup()
    defer { s.remove() }
    if s.readOnly == nil { print("PathOptionTests: no read-only folder can be made here (chattr unavailable); that case is left out") }
    for option in Self.roles.keys.sorted(by: { $0.description < $1.description }) {
      for bad in Bad.allCases {
        guard let value = s.value(bad, Self.roles[option]!) else { continue }
        let before = Self.snapshot(s.ws.root), outside = Self.outsideSnapshot()
        let r = Self.invoke(option, value, s)
        let label = "\(option) = '\(value)' (\(bad))"
        if Self.creates(bad, Self.roles[option]!) {
          #expect(r.status == 0, "\(label): \(r.stderr)")
          Self.expectWritesOnlyInside(value, root: s.ws.root, before: before, label: label)
          #expect(Self.outsideSnapshot() == outside, "\(label) wrote into '/' or the current folder")
          try? FileManager.default.removeItem(atPath: s.ws.root + "/missing")
          continue
        }
        #expect(r.status == 1, "\(label): status \(r.status)\n\(r.stderr)")
        #expect(r.stdout.isEmpty, "\(label): \(r.stdout)")
        let named = value.isEmpty ? r.stderr.contains("'--\(option.name)' is empty") || r.stderr.contains("''") : r.stderr.contains(value)
        #expect(named, "\(label): the message does not name the path\n\(r.stderr)")
        for raw in ["Error Domain", "NSCocoaErrorDomain", "Failure(", "internal error"] {
          #expect(!r.stderr.contains(raw), "\(label): \(r.stderr)")
        }
        #expect(Self.snapshot(s.ws.root) == before, "\(label) wrote into the workspace")
        #expect(Self.outsideSnapshot() == outside, "\(label) wrote into '/' or the current folder")
      }
    }
  }

  @Test func everyBadPathOfTheEmittedTrainerIsRefused() throws {
    let s = try Setup()
    defer { s.remove() }
    let diags = DiagnosticEngine()
    let (spec, checked) = try #require(Driver.frontEnd(s.ws.spec("good"), diags))
    let checkedModule = try #require(checked)
    let module = try #require(Driver.trainingModule(checkedModule, spec, diags))
    let run = try RunDescription(module: module, specText: "")
    let valid = ["--checkpoint", s.ws.checkpoint("good", "last")]
    for (name, kind) in TrainerCommandLine.Options.pathOptions.sorted(by: { $0.key < $1.key }) {
      let role: Role = kind == .inputFile ? .input : kind == .outputFile ? .outputFile : .outputFolder
      for bad in Bad.allCases {
        guard let value = s.value(bad, role) else { continue }
        let arguments: [String]
        switch name {
        case "out": arguments = ["train", "--epochs", "1", "--out", value]
        case "input", "output":
          arguments = ["predict"] + valid + ["--input", name == "input" ? value : s.ws.root + "/good.csv"] + (name == "output" ? ["--output", value] : [])
        case "checkpoint": arguments = ["eval", "--split", "valid", "--checkpoint", value]
        default: arguments = ["eval", "--split", "valid"] + valid + ["--\(name)", value]
        }
        let before = Self.snapshot(s.ws.root), outside = Self.outsideSnapshot()
        let status = TrainerCommandLine.main(["trainer"] + arguments, run: run) { InterpreterBackend(module: module, seed: $0) }
        if Self.creates(bad, role) {
          #expect(status == 0, "trainer --\(name) = '\(value)' (\(bad))")
          Self.expectWritesOnlyInside(value, root: s.ws.root, before: before, label: "trainer --\(name) = '\(value)'")
          try? FileManager.default.removeItem(atPath: s.ws.root + "/missing")
          continue
        }
        #expect(status == 1, "trainer --\(name) = '\(value)' (\(bad))")
        #expect(Self.snapshot(s.ws.root) == before, "trainer --\(name) = '\(value)' wrote into the workspace")
        #expect(Self.outsideSnapshot() == outside, "trainer --\(name) = '\(value)' wrote into '/' or the current folder")
      }
    }
  }
}
