/// Every invalid spec under golden/errors: its inline `#~` expectations are met at the
/// right lines, it exits with status 1, and its rendered stderr equals the golden; and
/// together the cases show every diagnostic ID dlc can report.
///
/// A case runs `dlc check` unless its first line names another command, for errors that
/// only a run can find (a broken data file, an option): `# dlc: train --epochs 1`.
import DLCDriver
import DLCSyntax
import Foundation
import Testing
import _DLCTestSupport

@Suite struct ErrorCaseTests {
  static let cases = Golden.files(in: "golden/errors", ending: ".yaml")

  /// Every case's result, run once (from the repository root) for both tests below.
  static let outcomes: [String: Result<DriverResult, CaseError>] = {
    try? RepoRoot.enter()
    var out: [String: Result<DriverResult, CaseError>] = [:]
    for path in cases {
      out[path] = Result { () throws(CaseError) in try run(path) }
    }
    return out
  }()

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
    while words.count >= 2, words[0].hasPrefix("--") {
      options[words[0]] = words[1]
      words.removeFirst(2)
    }
    guard words.isEmpty else { throw CaseError(description: "\(path): cannot read the options '\(words.joined(separator: " "))'") }
    let known: [String: Set<String>] = ["check": ["--max-memory"], "train": ["--epochs", "--max-memory"], "eval": ["--checkpoint"]]
    guard let allowed = known[command] else { throw CaseError(description: "\(path): unknown command '\(command)'") }
    if let unknown = options.keys.first(where: { !allowed.contains($0) }) {
      throw CaseError(description: "\(path): '\(command)' takes no option '\(unknown)' here")
    }
    let spec = SpecOptions(path: path, maxMemory: options["--max-memory"].flatMap(Driver.parseByteSize))
    switch command {
    case "train":
      let out = FileManager.default.temporaryDirectory.appendingPathComponent("error-case-\(UUID().uuidString)").path
      defer { try? FileManager.default.removeItem(atPath: out) }
      let train = TrainOptions(spec: spec, epochs: options["--epochs"].flatMap { Int($0) }, outputDirectory: out)
      return Driver.train(train, write: { _ in })
    case "eval":
      guard let checkpoint = options["--checkpoint"] else { throw CaseError(description: "\(path): 'eval' needs '--checkpoint'") }
      return Driver.eval(spec, checkpoint: checkpoint, split: nil, json: false)
    default:
      return Driver.check(spec)
    }
  }

  @Test(arguments: cases)
  func errorCase(_ path: String) throws {
    let result = try #require(Self.outcomes[path]).get()
    let text = try #require(RepoRoot.read(path))
    let expected = InlineExpectations.parse(text)
    #expect(!expected.isEmpty, "\(path) carries no '#~' expectation")
    for problem in InlineExpectations.mismatches(expected, result.diagnostics, path: path) {
      Issue.record(Comment(rawValue: "\(path): \(problem)"))
    }
    #expect(result.status == 1, "\(path) exited \(result.status)")
    #expect(result.stdout.isEmpty)
    let golden = String(path.dropLast(".yaml".count)) + ".stderr"
    if let failure = Golden.check(result.stderr, against: golden) { Issue.record(Comment(rawValue: failure)) }
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

  /// Registered IDs no case shows yet. Every entry is a gap; the list may only shrink.
  static let notYetCovered: Set<String> = []

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
