/// An emitted trainer honours pruning masks as the interpreter does: `apply_mask` after
/// each masked weight's update becomes a `MaskKernel.apply` call.
import DLCIR
import DLCPasses
import Testing
import _DLCTestSupport

@testable import DLCCodegen

@Suite struct MaskEmissionTests {
  @Test func maskedWeightsAreMaskedAfterTheirUpdates() throws {
    var module = try parseModule(try #require(RepoRoot.read("golden/specs/digits_mlp.ir")))
    try PassManager(passes: [Prune(sparsity: 0.5, pruneOutput: true), Autodiff()]).run(on: &module)
    let source = try ModelEmitter.emit(module, specText: "").source
    let calls = source.split(separator: "\n").filter { $0.contains("MaskKernel.apply(") }
    #expect(calls.count == 2, "\(calls)")
    #expect(calls.contains { $0.contains("count: 16_384") } && calls.contains { $0.contains("count: 2560") }, "\(calls)")
    // Each follows its weight's Adam update.
    let lines = source.split(separator: "\n").map(String.init)
    for (i, line) in lines.enumerated() where line.contains("MaskKernel.apply(") {
      #expect(lines[..<i].last { $0.contains("OptimizerKernel.") || $0.contains("MaskKernel.") }?.contains("OptimizerKernel.adam") == true)
    }
  }
}
