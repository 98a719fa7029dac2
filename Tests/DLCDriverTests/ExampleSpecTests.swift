/// Every example under specs/: it checks clean, and its AST, IR, training IR (after
/// autodiff), optimized IR (when it lists deployment passes) and summary equal their
/// goldens; every golden IR, training and optimized IR included, parses, re-prints
/// identically and verifies.
import DLCDriver
import DLCIR
import DLCPasses
import Testing
import _DLCTestSupport

@Suite struct ExampleSpecTests {
  static let specs = Golden.files(in: "specs", ending: ".yaml")

  @Test func thereAreExamples() { #expect(Self.specs.count >= 8) }

  @Test(arguments: specs)
  func example(_ path: String) throws {
    try RepoRoot.enter()
    let stem = "golden/specs/" + String(path.split(separator: "/").last!.dropLast(".yaml".count))
    let check = Driver.check(SpecOptions(path: path))
    #expect(check.status == 0, "\(path):\n\(check.stderr)")
    #expect(check.stderr.isEmpty, "\(path) has warnings:\n\(check.stderr)")
    for (stage, ext) in [(EmitStage.ast, ".ast"), (.ir, ".ir"), (.trainIR, ".train.ir")] {
      let r = Driver.compile(SpecOptions(path: path), emit: stage)
      #expect(r.status == 0, "\(path) --emit \(stage.rawValue):\n\(r.stderr)")
      if let failure = Golden.check(r.stdout, against: stem + ext) { Issue.record(Comment(rawValue: failure)) }
    }
    if let failure = Golden.check(check.stdout, against: stem + ".summary") { Issue.record(Comment(rawValue: failure)) }
    // A spec with deployment passes: the deployed model's IR, without weights (its emitted
    // Swift is golden too, in ModelEmitterTests).
    let (module, _) = Driver.module(forSpecAt: path)
    if let module, OptimizePipeline.entries(of: module).contains(where: { !$0.runsAtTraining }) {
      let r = Driver.compile(SpecOptions(path: path), emit: .optIR)
      #expect(r.status == 0, "\(path) --emit opt-ir:\n\(r.stderr)")
      if let failure = Golden.check(r.stdout, against: stem + ".opt.ir") { Issue.record(Comment(rawValue: failure)) }
    }
  }

  @Test(arguments: Golden.files(in: "golden/specs", ending: ".ir"))
  func goldenIRRoundTripsAndVerifies(_ path: String) throws {
    let text = try #require(RepoRoot.read(path))
    let module = try parseModule(text)
    #expect(printModule(module) == text, "\(path) does not re-print identically")
    #expect(verify(module).isEmpty, "\(path): \(verify(module))")
  }

  @Test func everyExampleHasATrainingIR() {
    let train = Golden.files(in: "golden/specs", ending: ".train.ir")
    #expect(train.count == Self.specs.count)
    for path in train {
      let text = RepoRoot.read(path) ?? ""
      #expect(text.contains("func @train_step("), "\(path)")
    }
  }
}
