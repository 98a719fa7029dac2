/// How layers become IR ops and parameters.
import DLCIR
import DLCSpec
import DLCSema
import Testing

@Suite struct LayerLoweringTests {
  func lower(_ layers: String, input: String = "[4]", extra: String = "") throws -> Module {
    let f = try SemaFixture(["data.csv": SemaFixture.csv, "spec.yaml": SemaFixture.classifier(layers, input: input, extra: extra)])
    let (m, diags) = f.check()
    #expect(diags.errors.isEmpty, "\(diags.map(\.message.text))")
    return try #require(m)
  }

  @Test func denseWithAnActivationIsTwoOps() throws {
    let m = try lower("    - dense: {units: 3, activation: tanh}")
    let body = try #require(m.function(named: "predict")?.body)
    #expect(body.map(\.opcode) == ["dense", "tanh"])
    #expect(body[1].results[0].name == "dense_1.tanh")
    #expect(m.parameter(named: "dense_1.weight")?.type == TensorType(dims: [.fixed(3), .fixed(4)], element: .f32))
  }

  @Test func samePaddingBecomesNumbers() throws {
    let csv = "p0,p1,p2,p3,p4,p5,p6,p7,p8,y\n" + "1,2,3,4,5,6,7,8,9,0\n1,2,3,4,5,6,7,8,9,1\n"
    let spec = SemaFixture.classifier("""
          - conv2d: {filters: 2, kernel: 3, padding: same}
          - flatten
          - dense: 2
      """, input: "[1, 3, 3]")
    let f = try SemaFixture(["data.csv": csv, "spec.yaml": spec])
    let (m, diags) = f.check()
    #expect(diags.isEmpty, "\(diags.map(\.message.text))")
    let conv = try #require(m?.function(named: "predict")?.body.first)
    #expect(conv.attributes["padding"] == .list([.int(1), .int(1)]))
    #expect(conv.results[0].type == TensorType(dims: [.batch, .fixed(2), .fixed(3), .fixed(3)], element: .f32))
  }

  @Test func reshapeInfersItsHole() throws {
    let m = try lower("    - reshape: [2, -1]\n    - flatten\n    - dense: 3")
    let reshape = try #require(m.function(named: "predict")?.body.first)
    #expect(reshape.attributes["shape"] == .list([.int(2), .int(2)]))
  }

  @Test func runningStatisticsAndFrozenLayersAreNotTrained() throws {
    let m = try lower("    - dense: 8\n      name: h\n    - batchnorm\n    - dense: 3", extra: "  freeze: [h]")
    #expect(m.parameter(named: "h.weight")?.attributes["trainable"] == .bool(false))
    #expect(m.parameter(named: "batchnorm_1.gamma")?.attributes["trainable"] == .bool(true))
    #expect(m.parameter(named: "batchnorm_1.running_var")?.attributes["trainable"] == .bool(false))
    #expect(m.parameter(named: "batchnorm_1.running_var")?.attributes["init"] == .dict(["kind": .string("constant"), "value": .float(1)]))
  }

  @Test func theLossFunctionTakesClassIndices() throws {
    let m = try lower("    - dense: 3")
    let loss = try #require(m.function(named: "loss"))
    #expect(loss.arguments.map(\.type.element) == [.f32, .i32])
    #expect(loss.body.first?.opcode == "cross_entropy")
    #expect(loss.body.first?.attributes["label_smoothing"] == .float(0))
  }

  @Test func theVerifierAcceptsWhatSemaBuilds() throws {
    let m = try lower("""
          - dense: 8
            name: a
          - layernorm
          - gelu
          - dense: 8
          - add: [a, dense_1]
          - dropout: 0.1
          - dense: 3
      """)
    #expect(verify(m).isEmpty, "\(verify(m))")
  }
}

/// Activations lower generically: the catalog entry's parameters are the op's attributes,
/// by name and in order, and every pointwise row of the IR has a catalog entry.
@Suite struct ActivationLoweringTests {
  /// Every activation but `expr` (an opcode of its own, see the next test).
  @Test(arguments: Catalog.activations.map(\.name).filter { $0 != "expr" })
  func everyActivationLowersToItsOpWithItsParameters(_ name: String) throws {
    let entry = try #require(Catalog.activations.first { $0.name == name })
    let schema = try #require(OpRegistry.schema(name), "no IR op for activation '\(name)'")
    // A variant's parameter belongs to its own row (relu's shift to shifted_relu).
    let params = entry.params.filter { $0.name != ActivationVariant.all[name]?.parameter }
    #expect(schema.attributes.map(\.name) == params.map(\.name))
    for (spec, param) in zip(schema.attributes, params) {
      switch (spec.kind, param.type) {
      case (.float, .float): break
      case (.int, .int): break
      case (.choice(let ops), .choice(let options)): #expect(ops == options, "\(name).\(param.name)")
      default: Issue.record("'\(name).\(param.name)': IR kind \(spec.kind) does not fit the catalog's parameter")
      }
    }
    let f = try SemaFixture(["data.csv": SemaFixture.csv, "spec.yaml": SemaFixture.classifier("    - dense: 5\n    - \(name)\n    - dense: 3")])
    let (m, diags) = f.check()
    #expect(diags.errors.isEmpty, "\(diags.map(\.message.text))")
    let op = try #require(m?.function(named: "predict")?.body.first { $0.opcode == name })
    #expect(op.attributes.keys.sorted() == params.map(\.name).sorted())
  }

  /// relu with a nonzero shift is the row shifted_relu; with none (or 0) it stays relu,
  /// without attributes, as every spec written before the shift existed.
  @Test(arguments: [("    - relu", "relu", nil), ("    - relu: {shift: 0}", "relu", nil), ("    - relu: {shift: 0.5}", "shifted_relu", 0.5)])
  func reluWithAShiftIsShiftedRelu(_ layer: String, _ opcode: String, _ shift: Double?) throws {
    let f = try SemaFixture(["data.csv": SemaFixture.csv, "spec.yaml": SemaFixture.classifier("    - dense: 5\n\(layer)\n    - dense: 3")])
    let (m, diags) = f.check()
    #expect(diags.errors.isEmpty, "\(diags.map(\.message.text))")
    let op = try #require(m?.function(named: "predict")?.body.first { $0.opcode == opcode })
    #expect(op.attributes == (shift.map { ["shift": .float($0)] } ?? [:]))
    #expect(verify(try #require(m)).isEmpty)
  }

  /// Every variant's row has exactly the variant's parameter, of the catalog's type.
  @Test func variantRowsCarryTheirParameter() throws {
    for (name, variant) in ActivationVariant.all {
      let entry = try #require(Catalog.activations.first { $0.name == name })
      let row = try #require(PointwiseOps.lookup(variant.opcode)?.op)
      #expect(row.attributes.map(\.name) == [variant.parameter])
      #expect(entry.param(variant.parameter) != nil)
    }
  }

  /// `expr` lowers to one `expression` op holding the formula (constants substituted)
  /// and its simplified derivative, as a layer and as a dense `activation:`.
  @Test func exprLowersToAnExpressionOp() throws {
    let layers = """
          - dense: {units: 5, activation: {expr: "x*sigmoid(b*x)", b: 1.5}}
          - expr: "0.5*x*(tanh(x)+1)"
          - dense: 3
      """
    let f = try SemaFixture(["data.csv": SemaFixture.csv, "spec.yaml": SemaFixture.classifier(layers)])
    let (m, diags) = f.check()
    #expect(diags.errors.isEmpty, "\(diags.map(\.message.text))")
    let ops = try #require(m?.function(named: "predict")?.body.filter { $0.opcode == "expression" })
    #expect(ops.map { $0.attributes["expr"]?.stringValue } == ["x * sigmoid(1.5 * x)", "0.5 * x * (tanh(x) + 1)"])
    #expect(ops.map { $0.attributes["derivative"]?.stringValue } == [
      "sigmoid(1.5 * x) + x * (sigmoid(1.5 * x) * (1 - sigmoid(1.5 * x)) * 1.5)",
      "0.5 * (tanh(x) + 1) + 0.5 * x * (1 - tanh(x) * tanh(x))",
    ])
  }

  @Test func everyPointwiseRowIsACatalogActivation() {
    let names = Set(Catalog.activations.map(\.name))
    let variants = Set(ActivationVariant.all.values.map(\.opcode))
    for row in PointwiseOps.all where !variants.contains(row.name) {
      #expect(names.contains(row.name), "row '\(row.name)' has no catalog entry")
    }
    for name in names { #expect(!Catalog.isPlanned(.activation, name), "'\(name)' is both implemented and planned") }
  }
}
