/// Names, references, cycles and unused layers.
import DLCIR
import Testing

@Suite struct LayerGraphTests {
  @Test func unnamedLayersAreNumberedPerKind() throws {
    let f = try SemaFixture(["data.csv": SemaFixture.csv, "spec.yaml": SemaFixture.classifier("""
          - dense: 8
          - relu
          - dense: 8
            name: dense_2
          - relu
          - dense: 3
      """)])
    let (m, diags) = f.check()
    #expect(diags.isEmpty, "\(diags.map(\.message.text))")
    let names = m?.function(named: "predict")?.body.map { $0.results[0].name }
    // `dense_2` is taken by a named layer, so the next unnamed dense is `dense_3`.
    #expect(names == ["dense_1", "relu_1", "dense_2", "relu_2", "dense_3"])
  }

  @Test func referencesMayPointForwardWhenTheGraphIsAcyclic() throws {
    let f = try SemaFixture(["data.csv": SemaFixture.csv, "spec.yaml": SemaFixture.classifier("""
          - dense: 3
            from: h
            name: out_a
          - dense: 8
            name: h
            from: input
          - dense: 3
            from: h
          - add: [out_a, dense_1]
      """)])
    let (m, diags) = f.check()
    #expect(diags.errors.isEmpty, "\(diags.map(\.message.text))")
    let order = m?.function(named: "predict")?.body.map { $0.results[0].name }
    #expect(order == ["h", "out_a", "dense_1", "add_1"])
  }

  @Test func aCycleIsReportedOnceWithItsPath() throws {
    let f = try SemaFixture(["data.csv": SemaFixture.csv, "spec.yaml": SemaFixture.classifier("""
          - dense: 3
            name: a
            from: c
          - dense: 3
            name: b
            from: a
          - dense: 3
            name: c
            from: b
      """)])
    let (_, diags) = f.check()
    let cycles = diags.filter { $0.id == "sema.cycle" }
    #expect(cycles.count == 1)
    #expect(cycles.first?.message.text == "layers form a cycle: a → b → c → a")
    #expect(diags.errors.count == 1, "follow-on errors: \(diags.map(\.message.text))")
  }

  @Test func unknownReferenceSuggestsAName() throws {
    let f = try SemaFixture(["data.csv": SemaFixture.csv, "spec.yaml": SemaFixture.classifier("""
          - dense: 8
            name: hidden
          - dense: 3
            from: hiden
      """)])
    let (_, diags) = f.check()
    #expect(diags.first?.id == "sema.unknownLayerRef")
    #expect(diags.first?.helps == ["did you mean 'hidden'?"])
  }

  @Test func aBranchThatGoesNowhereIsAWarning() throws {
    let f = try SemaFixture(["data.csv": SemaFixture.csv, "spec.yaml": SemaFixture.classifier("""
          - dense: 8
            name: side
          - dense: 3
            from: input
      """)])
    let (m, diags) = f.check()
    #expect(m != nil)
    #expect(diags.ids == ["sema.unusedLayer"])
    #expect(diags.first?.severity == .warning)
  }

  @Test func aFailedLayerDoesNotCascade() throws {
    let f = try SemaFixture(["data.csv": SemaFixture.csv, "spec.yaml": SemaFixture.classifier("""
          - conv2d: 4
          - dense: 8
          - relu
          - dense: 3
      """)])
    let (_, diags) = f.check()
    #expect(diags.errors.count == 1, "\(diags.map(\.message.text))")
    #expect(diags.first?.id == "sema.shape")
  }
}
