import DLCIR
import DLCKernels
import Testing

/// The pointwise table (DLCIR) and the formulas (DLCKernels) describe the same ops: the
/// interpreter and the emitter find a row's kernels and Swift type by the row's name.
@Suite struct PointwiseTableTests {
  @Test func everyRowHasAFormulaAndEveryFormulaARow() {
    let rows = PointwiseOps.all.map(\.name)
    let formulas = PointwiseFormulas.all.map(\.name)
    #expect(Set(rows).count == rows.count, "a row name appears twice")
    #expect(Set(formulas).count == formulas.count, "a formula name appears twice")
    for row in rows { #expect(PointwiseKernels.named(row) != nil, "row '\(row)' has no formula") }
    for formula in formulas { #expect(PointwiseOps.lookup(formula)?.isGradient == false, "formula '\(formula)' has no row") }
  }

  /// A row's parameter pack holds its attributes in row order, choices as their index,
  /// and fits the fixed-size pack.
  @Test func parameterPacksFollowTheRowOrder() throws {
    let gelu = try #require(PointwiseOps.lookup("gelu")?.op)
    #expect(gelu.parameterValues(["approximate": .string("tanh")]) == [1])
    #expect(gelu.parameterValues(["approximate": .string("none")]) == [0])
    let leaky = try #require(PointwiseOps.lookup("leaky_relu_grad")?.op)
    #expect(leaky.parameterValues(["slope": .float(0.25)]) == [0.25])
    for row in PointwiseOps.all { #expect(row.attributes.count <= 4, "'\(row.name)' has more parameters than a pack holds") }
  }
}
