import DLCIR
import Testing

@Suite struct VerifierTests {
  private let good = Fixture.module(Fixture.digitsMLP)

  /// The verifier's messages for `m`, as text.
  private func problems(_ m: Module) -> [String] { verify(m).map(\.description) }

  /// `good` with one change to the body of `predict`.
  private func predict(_ change: (inout Function) -> Void) -> Module {
    var m = good
    change(&m.functions[0])
    return m
  }

  @Test func validModulesHaveNoErrors() {
    #expect(verify(good).isEmpty)
    #expect(verify(Fixture.module(Fixture.everyOp)).isEmpty)
    #expect(verify(Fixture.module(Fixture.trainingOps)).isEmpty, "\(verify(Fixture.module(Fixture.trainingOps)))")
    #expect(verify(Module(name: "empty")).isEmpty)
  }

  @Test func duplicateParameters() {
    var m = good
    m.parameters.append(m.parameters[0])
    #expect(problems(m) == ["parameter @dense_1.weight is defined twice"])
  }

  @Test func duplicateFunctions() {
    var m = good
    m.functions.append(m.functions[1])
    #expect(problems(m) == ["function @loss is defined twice"])
  }

  @Test func duplicateValues() {
    let m = predict { f in f.body[1].results[0].name = "dense_1" }
    #expect(problems(m).contains("in @predict, at 'relu %dense_1': %dense_1 is defined twice"))
    let args = predict { f in f.arguments.append(f.arguments[0]) }
    #expect(problems(args) == ["in @predict: %input is defined twice"])
  }

  @Test func useBeforeDefinition() {
    let m = predict { f in f.body.swapAt(0, 1) }
    #expect(problems(m) == ["in @predict, at 'relu %relu_1': %dense_1 is used before it is defined"])
  }

  @Test func unknownParameter() {
    let m = predict { f in f.body[0].operands[1] = .param("dense_9.weight") }
    #expect(problems(m) == ["in @predict, at 'dense %dense_1': @dense_9.weight is not a parameter of the module"])
  }

  @Test func unknownOpcode() {
    let m = predict { f in f.body[1].opcode = "maxout" }
    #expect(problems(m) == ["in @predict, at 'maxout %relu_1': unknown op 'maxout'"])
  }

  @Test func attributesPerSchema() {
    let missing = predict { f in f.body[2].attributes = [:] }
    #expect(problems(missing) == ["in @predict, at 'dropout %dropout_1': 'dropout' needs attribute 'rate' (a number)"])
    let wrongKind = predict { f in f.body[2].attributes["rate"] = .string("high") }
    #expect(problems(wrongKind) == ["in @predict, at 'dropout %dropout_1': attribute 'rate' of 'dropout' must be a number, found \"high\""])
    let unknown = predict { f in f.body[1].attributes["slope"] = .float(0.1) }
    #expect(problems(unknown) == ["in @predict, at 'relu %relu_1': 'relu' has no attribute 'slope'"])
  }

  @Test func operandCountPerSchema() {
    let m = predict { f in f.body[1].operands.append(.value("input")) }
    #expect(problems(m) == ["in @predict, at 'relu %relu_1': 'relu' takes 1 operand (x), found 2"])
  }

  @Test func parametersAndFunctionsShareOneNamespace() {
    var m = good
    m.parameters.append(Parameter(name: "loss", type: t("1")))
    #expect(problems(m) == ["@loss names both a parameter and a function"])
  }

  @Test func declaredTypesMustMatchInference() {
    let m = predict { f in f.body[1].results[0].type = t("Nx64") }
    #expect(problems(m).first == "in @predict, at 'relu %relu_1': declared result type tensor<Nx64xf32> differs from the inferred tensor<Nx128xf32>")
  }

  @Test func operandsThatDoNotFit() {
    let m = predict { f in f.body[3].operands[1] = .param("dense_1.weight") }
    #expect(problems(m) == ["in @predict, at 'dense %dense_2': operands do not fit: the weight of 'dense' is [128, 64] but must be [out, 128] for 128 input features"])
  }

  @Test func returnArityAndTypes() {
    let arity = predict { f in f.returns.append("relu_1") }
    #expect(problems(arity) == ["in @predict: returns 2 values but the signature has 1"])
    let type = predict { f in f.returns = ["relu_1"] }
    #expect(problems(type) == ["in @predict: returns %relu_1 of type tensor<Nx128xf32> but the signature says tensor<Nx10xf32>"])
    let undefined = predict { f in f.returns = ["nothing"] }
    #expect(problems(undefined) == ["in @predict: returns %nothing, which is not defined"])
  }

  @Test func parametersHaveNoBatchDimension() {
    var m = good
    m.parameters[1].type = t("N")
    #expect(problems(m).first == "parameter @dense_1.bias has a batch dimension")
  }

  @Test func namesMustBePrintable() {
    var m = good
    m.parameters[0].name = "dense 1"
    #expect(problems(m).contains("parameter name 'dense 1' is not a valid IR name"))
    let value = predict { f in f.body[1].results[0].name = "" }
    #expect(problems(value).contains("in @predict, at 'relu %': value name '' is not a valid IR name"))
  }

  @Test func opsWithoutResults() {
    let m = predict { f in f.body.insert(Operation(results: [], opcode: "relu", operands: [.value("input")]), at: 0) }
    #expect(problems(m).contains("in @predict, at 'relu %?': the op has no results"))
  }

  @Test func updatesNeedParametersAndHaveNoResults() throws {
    var m = Fixture.module(Fixture.trainingOps)
    let i = try #require(m.functions[0].body.firstIndex { $0.opcode == "sgd_update" })
    m.functions[0].body[i].operands[2] = .value("conv.weight.grad")
    #expect(problems(m).contains("in @images, at 'sgd_update @conv.weight': 'sgd_update' updates its momentum_buffer in place, "
      + "so it must be a parameter @…, found %conv.weight.grad"))
    m = Fixture.module(Fixture.trainingOps)
    m.functions[0].body[i].results = [Value(name: "new", type: .scalarF32)]
    #expect(problems(m) == ["in @images, at 'sgd_update %new': 'sgd_update' has no results, but 1 is declared"])
  }

  @Test func randomStreamsAreUnique() throws {
    var m = Fixture.module(Fixture.trainingOps)
    let i = try #require(m.functions[0].body.firstIndex { $0.opcode == "conv2d" })
    var copy = try #require(m.functions[0].body.first { $0.opcode == "dropout_train" })
    copy.results[0].name = "drop2"
    m.functions[0].body.insert(copy, at: i + 7)
    #expect(problems(m) == ["in @images, at 'dropout_train %drop2': stream 0 is already used by 'dropout_train %drop'"])
  }

  @Test func everyViolationIsReported() {
    var m = predict { f in
      f.body[1].opcode = "maxout"
      f.body[2].attributes = [:]
      f.returns = []
    }
    m.parameters.append(m.parameters[0])
    let all = problems(m)
    #expect(all.count == 4)
    #expect(all.contains("parameter @dense_1.weight is defined twice"))
    #expect(all.contains("in @predict, at 'maxout %relu_1': unknown op 'maxout'"))
    #expect(all.contains("in @predict, at 'dropout %dropout_1': 'dropout' needs attribute 'rate' (a number)"))
    #expect(all.contains("in @predict: returns 0 values but the signature has 1"))
  }

  @Test func errorsAreStructured() throws {
    let e = try #require(verify(predict { f in f.body[1].opcode = "maxout" }).first)
    #expect(e == VerifierError(function: "predict", op: "maxout %relu_1", message: "unknown op 'maxout'"))
  }
}
