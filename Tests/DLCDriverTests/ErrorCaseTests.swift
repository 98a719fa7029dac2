/// Every invalid spec under golden/errors: its inline `#~` expectations are met at the
/// right lines, it exits with status 1, and its rendered stderr equals the golden.
import DLCDriver
import Testing
import _DLCTestSupport

@Suite struct ErrorCaseTests {
  static let cases = Golden.files(in: "golden/errors", ending: ".yaml")

  @Test func thereIsACaseForEveryDiagnosticKind() {
    #expect(Self.cases.count >= 30)
  }

  @Test(arguments: cases)
  func errorCase(_ path: String) throws {
    try RepoRoot.enter()
    let text = try #require(RepoRoot.read(path))
    let expected = InlineExpectations.parse(text)
    #expect(!expected.isEmpty, "\(path) carries no '#~' expectation")
    let diagnostics = Driver.diagnostics(forSpecAt: path)
    for problem in InlineExpectations.mismatches(expected, diagnostics, path: path) {
      Issue.record(Comment(rawValue: "\(path): \(problem)"))
    }
    let result = Driver.check(SpecOptions(path: path))
    #expect(result.status == 1, "\(path) exited \(result.status)")
    #expect(result.stdout.isEmpty)
    let golden = String(path.dropLast(".yaml".count)) + ".stderr"
    if let failure = Golden.check(result.stderr, against: golden) { Issue.record(Comment(rawValue: failure)) }
  }

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
