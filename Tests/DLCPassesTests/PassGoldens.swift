import DLCIR
import DLCPasses
import Testing
import _DLCTestSupport

/// Golden cases of one pass: each `golden/passes/<pass>/<case>.ir` is run through the
/// pass (IR only, no weights) and the printed result, followed by the pass's remarks as
/// `//` lines, must equal `<case>.opt.ir`.
enum PassGoldens {
  /// The input files of the pass's cases, repository-relative.
  static func cases(_ pass: String) -> [String] {
    Golden.files(in: "golden/passes/\(pass)", ending: ".ir").filter { !$0.hasSuffix(".opt.ir") }
  }

  /// Runs `pass` over the case at `input`; records a failure on mismatch. Returns the
  /// optimized module for further checks.
  @discardableResult
  static func check(_ pass: any Pass, input: String) throws -> Module {
    let text = try #require(RepoRoot.read(input), "cannot read \(input)")
    let context = PassContext()
    let module = try PassManager(passes: [pass], context: context).running(try parseModule(text))
    var out = printModule(module)
    for r in context.remarks { out += "// \(r.pass): \(r.message)\n" }
    let golden = String(input.dropLast(".ir".count)) + ".opt.ir"
    if let failure = Golden.check(out, against: golden) { Issue.record(Comment(rawValue: failure)) }
    return module
  }
}
