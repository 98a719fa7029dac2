/// `--print-ir-after=<pass>` and `--print-ir-after-all`: `dlc compile --emit` prints the IR
/// after exactly the passes asked for, in pipeline order, before the result; an unknown
/// pass name is refused with the list of passes.
import DLCDriver
import DLCPasses
import Foundation
import Testing
import _DLCTestSupport

@Suite struct PrintIRAfterTests {
  /// The banners in `text`, in order: the names of the passes dumped.
  func dumped(_ text: String) -> [String] {
    text.split(separator: "\n").compactMap { line in
      guard line.hasPrefix("// -----// IR after "), line.hasSuffix(" //----- //") else { return nil }
      return String(line.dropFirst("// -----// IR after ".count).dropLast(" //----- //".count))
    }
  }

  /// digits_transfer's training pipeline is precompute-frozen, then autodiff.
  @Test func trainIRDumpsOnlyTheNamedPass() throws {
    try RepoRoot.enter()
    let spec = SpecOptions(path: "specs/digits_transfer.yaml")
    let plain = Driver.compile(spec, emit: .trainIR)
    try #require(plain.status == 0, "\(plain.stderr)")
    #expect(dumped(plain.stdout).isEmpty)
    let one = Driver.compile(spec, emit: .trainIR, passOptions: PassOptions(dumps: IRDumps(after: ["precompute-frozen"])))
    #expect(dumped(one.stdout) == ["precompute-frozen"])
    // The dump comes first, then the result, unchanged.
    #expect(one.stdout.hasSuffix(plain.stdout))
    #expect(!one.stdout.dropLast(plain.stdout.count).contains("@train_step"), "the dump is taken before autodiff")
    let all = Driver.compile(spec, emit: .trainIR, passOptions: PassOptions(dumps: IRDumps(all: true)))
    #expect(dumped(all.stdout) == ["precompute-frozen", "autodiff"])
  }

  /// A pruning spec's deployment pipeline ends with drop-masks; asking for it and for
  /// prune dumps both, in pipeline order, whatever order they were asked in.
  @Test func optIRDumpsTheNamedPassesInPipelineOrder() throws {
    let scratch = try ScratchFolder("print-ir")
    defer { scratch.remove() }
    // digits_mlp, pruned before its other passes, reading its data where it is.
    let text = try #require(RepoRoot.read("specs/digits_mlp.yaml"))
      .replacingOccurrences(of: "csv: data/", with: "csv: \(Golden.root)/specs/data/")
      .replacingOccurrences(of: "optimize: [fold_batchnorm,", with: "optimize: [{prune: {sparsity: 0.5}}, fold_batchnorm,")
    let spec = SpecOptions(path: try scratch.write(text, to: "pruned.yaml"))
    let r = Driver.compile(spec, emit: .optIR, passOptions: PassOptions(dumps: IRDumps(after: ["drop-masks", "prune"])))
    try #require(r.status == 0, "\(r.stderr)")
    #expect(dumped(r.stdout) == ["prune", "drop-masks"])
    // A pass the pipeline does not run prints nothing.
    let none = Driver.compile(spec, emit: .optIR, passOptions: PassOptions(passes: ["prune"], dumps: IRDumps(after: ["quantize"])))
    #expect(none.status == 0 && dumped(none.stdout).isEmpty)
  }

  @Test func unknownPassNamesAreFound() {
    #expect(IRDumps(after: ["autodiff", "fold-batchnorm"]).unknownPasses.isEmpty)
    #expect(IRDumps(after: ["fold_batchnorm", "dce"]).unknownPasses == ["dce", "fold_batchnorm"])
  }

  @Test func theCommandLineTakesThePassNameAndRefusesAnUnknownOne() throws {
    let dlc = try #require(BuiltProducts.dlc, "the dlc executable is not built beside the test bundle")
    let ok = try ChildProcess.run(dlc, ["compile", "specs/iris.yaml", "--emit", "train-ir", "--print-ir-after=autodiff"], in: Golden.root)
    #expect(ok.status == 0, "\(ok.output)")
    #expect(dumped(ok.output) == ["autodiff"])
    let bad = try ChildProcess.run(dlc, ["compile", "specs/iris.yaml", "--emit", "opt-ir", "--print-ir-after", "fold-bn"], in: Golden.root)
    #expect(bad.status != 0)
    #expect(bad.output.contains("--print-ir-after names no pass: 'fold-bn'; the passes are precompute-frozen, autodiff"), "\(bad.output)")
  }
}
