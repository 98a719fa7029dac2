/// Every invalid spec under golden/errors: its inline `#~` expectations are met at the
/// right lines, it exits with status 1 (0 when it expects only warnings), and its
/// rendered stderr equals the golden; and
/// together the cases show every diagnostic ID dlc can report.
///
/// A case runs `dlc check` unless its first line names another command, for errors that
/// only a run can find (a broken data file, an option): `# dlc: train --epochs 1`.
/// Paths in that line are relative to the case's folder.
import DLCDriver
import DLCSyntax
import Foundation
import Testing
import _DLCTestSupport

@Suite struct ErrorCaseTests {
  static let cases = Golden.files(in: "golden/errors", ending: ".yaml") + generated.keys.sorted().map(generatedPath)

  /// Cases too large to keep in the repository, written before they run (into
  /// `.build/error-cases/`; their goldens are `golden/errors/<name>.stderr` as for any case).
  static let generated: [String: @Sendable () -> String] = [
    // Just over the 16 MiB a spec may have: a comment padding a short spec.
    "file_too_large": {
      "# A spec file over 16 MiB is refused before it is read.\n#~ error: specs are limited to 16777216 bytes\n"
        + "dlc: 1\nname: x\n" + String(repeating: "#" + String(repeating: " ", count: 1023) + "\n", count: 16 << 10)
    },
  ]

  /// Where a generated case is written.
  static func generatedPath(_ name: String) -> String { ".build/error-cases/\(name).yaml" }

  /// Every case's result, run once (from the repository root) for both tests below.
  static let outcomes: [String: Result<DriverResult, CaseError>] = {
    try? RepoRoot.enter()
    var out: [String: Result<DriverResult, CaseError>] = [:]
    for (name, make) in generated {
      try? FileManager.default.createDirectory(atPath: ".build/error-cases", withIntermediateDirectories: true)
      try? make().write(toFile: generatedPath(name), atomically: true, encoding: .utf8)
    }
    for path in cases {
      out[path] = Result { () throws(CaseError) in try run(path) }
    }
    return out
  }()

  /// The golden of a case: `<case>.stderr` beside it (under golden/errors for a generated one).
  static func golden(of path: String) -> String {
    let name = String(path.dropLast(".yaml".count))
    return path.hasPrefix(".build/error-cases/") ? "golden/errors/" + name.split(separator: "/").last! + ".stderr" : name + ".stderr"
  }

  /// A case file that cannot be run as written.
  struct CaseError: Error, CustomStringConvertible {
    var description: String
  }

  /// Runs the command the case's first line names (`check` by default).
  static func run(_ path: String) throws(CaseError) -> DriverResult {
    guard let text = RepoRoot.read(path) else { throw CaseError(description: "\(path) cannot be read") }
    let first = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
    var words = first.hasPrefix("# dlc: ") ? first.dropFirst("# dlc: ".count).split(separator: " ").map(String.init) : ["check"]
    let command = words.removeFirst()
    var options: [String: String] = [:]
    // `--name value`, `--flag`, and `''` for an empty value.
    while let name = words.first, name.hasPrefix("-") {
      let hasValue = words.count >= 2 && !words[1].hasPrefix("-")
      options[name] = hasValue ? (words[1] == "''" ? "" : words[1]) : ""
      words.removeFirst(hasValue ? 2 : 1)
    }
    guard words.isEmpty else { throw CaseError(description: "\(path): cannot read the options '\(words.joined(separator: " "))'") }
    let known: [String: Set<String>] = ["check": ["--max-memory", "--spec"], "train": ["--epochs", "--out", "--resume"], "eval": ["--checkpoint"],
                                         "predict": ["--checkpoint", "--input", "--output"], "compile": ["-o"]]
    guard let allowed = known[command] else { throw CaseError(description: "\(path): unknown command '\(command)'") }
    if let unknown = options.keys.first(where: { !allowed.contains($0) }) {
      throw CaseError(description: "\(path): '\(command)' takes no option '\(unknown)' here")
    }
    // `--spec FILE` (beside the case) runs another file than the case, e.g. one that is not there.
    let folder = String(path[..<path.lastIndex(of: "/")!])
    let specPath = options["--spec"].map { folder + "/" + $0 } ?? path
    let spec = SpecOptions(path: specPath, maxMemory: options["--max-memory"].flatMap(Driver.parseByteSize))
    switch command {
    case "train":
      // Runs go to a fresh folder unless the case names one (which must make the run fail).
      guard let scratch = try? ScratchFolder("error-case") else { throw CaseError(description: "\(path): no scratch folder") }
      defer { scratch.remove() }
      let out = options["--out"].map { $0.hasPrefix("/") ? $0 : folder + "/" + $0 } ?? scratch.path
      let train = TrainOptions(spec: spec, epochs: options["--epochs"].flatMap { Int($0) }, outputDirectory: out,
                               resume: options["--resume"] != nil)
      return Driver.train(train, write: { _ in })
    case "compile":
      guard let out = options["-o"] else { throw CaseError(description: "\(path): 'compile' needs '-o'") }
      return Driver.emitPackage(spec, to: folder + "/" + out)
    case "eval", "predict":
      guard let checkpoint = options["--checkpoint"] else { throw CaseError(description: "\(path): '\(command)' needs '--checkpoint'") }
      guard command == "predict" else { return Driver.eval(spec, checkpoint: folder + "/" + checkpoint, split: nil, json: false) }
      guard let input = options["--input"] else { throw CaseError(description: "\(path): 'predict' needs '--input'") }
      return Driver.predict(spec, checkpoint: folder + "/" + checkpoint, input: folder + "/" + input,
                            output: options["--output"].map { $0.isEmpty ? $0 : folder + "/" + $0 })
    default:
      return Driver.check(spec)
    }
  }

  @Test(arguments: cases)
  func errorCase(_ path: String) throws {
    let result = try #require(Self.outcomes[path]).get()
    let text = try #require(RepoRoot.read(path))  // (relative to the root, as the cases run)
    let expected = InlineExpectations.parse(text)
    #expect(!expected.isEmpty, "\(path) carries no '#~' expectation")
    for e in expected where e.text.isEmpty { Issue.record("\(path):\(e.line): an empty '#~' expectation matches any message; quote it") }
    for problem in InlineExpectations.mismatches(expected, result.diagnostics, path: path) {
      Issue.record(Comment(rawValue: "\(path): \(problem)"))
    }
    // A case expecting warnings only checks, and so exits 0 with its summary.
    let fails = expected.contains { $0.severity == "error" }
    #expect(result.status == (fails ? 1 : 0), "\(path) exited \(result.status)")
    if fails { #expect(result.stdout.isEmpty) }
    if let failure = Golden.check(result.stderr, against: Self.golden(of: path)) { Issue.record(Comment(rawValue: failure)) }
  }

  /// Each ID in the registries (`Driver.diagnosticIDs`) is reported by some case, so
  /// each message has a golden showing its text, place and help.
  @Test func everyDiagnosticIDHasAnErrorCase() throws {
    var shown = Set<String>()
    for case .success(let result) in Self.outcomes.values { shown.formUnion(result.diagnostics.map(\.message.id)) }
    let missing = Driver.diagnosticIDs.filter { !shown.contains($0) && !Self.notYetCovered.contains($0) }
    #expect(missing.isEmpty, "no error case under golden/errors reports \(missing.joined(separator: ", ")); add one (a spec with a '#~' expectation, and DLC_BLESS=1 to record its .stderr)")
    let covered = Self.notYetCovered.filter { shown.contains($0) }
    #expect(covered.isEmpty, "drop \(covered.sorted().joined(separator: ", ")) from ErrorCaseTests.notYetCovered: a case reports it now")
    let unknown = Self.notYetCovered.subtracting(Driver.diagnosticIDs)
    #expect(unknown.isEmpty, "ErrorCaseTests.notYetCovered names IDs no registry has: \(unknown.sorted())")
    let unregistered = shown.subtracting(Driver.diagnosticIDs)
    #expect(unregistered.isEmpty, "the cases report IDs that no registry lists: \(unregistered.sorted())")
  }

  /// Registered IDs no case shows yet, each with the reason. Every entry is a gap; the
  /// list may only shrink (the test above fails when a case starts showing one).
  static let notYetCovered: Set<String> = [
    // Needs 2,000,000 nodes: a 4 MB spec that takes seconds to parse in a debug build;
    // YAMLErrorTests and HostileYAMLTests show it with a lower limit.
    "yaml.tooManyNodes",
    // The loader's own checks, for emitted trainers (which read data without the checker):
    // `dlc` commands meet the checker's diagnostic first (sema.dataFormat, sema.targetCount,
    // sema.dataFileUnreadable, sema.probabilityTargetsNormalized).
    "data.classLabel", "data.fileUnreadable", "data.npySampleCount", "data.probabilityNormalization", "data.targetColumns",
    // A malformed 'data' attribute of the IR is a bug in dlc, not the input's; to become
    // an internal error with the typed run configuration.
    "data.malformedConfig",
    // A file system that refuses to read or write, or a second training holding the run's
    // lock: not something a case file can set up (tests may run as root, who may do anything).
    "checkpoint.writeFailed", "path.unreadable", "path.writeFailed", "run.lockFile", "run.locked", "runlog.writeFailed",
  ]

  @Test func jsonDiagnosticsCarryTheSameFindings() throws {
    try RepoRoot.enter()
    let path = "golden/errors/several_errors.yaml"
    let result = Driver.check(SpecOptions(path: path, diagnostics: .json))
    #expect(result.status == 1)
    #expect(result.stderr.hasPrefix("{\"diagnostics\":["))
    #expect(result.stderr.contains("\"id\":\"spec.unknownEntry\""))
    #expect(result.stderr.contains("\"errors\":3"))
  }
}
