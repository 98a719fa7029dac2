import DLCIR
import Testing

@Suite struct ModuleTests {
  private let mlp = Fixture.module(Fixture.digitsMLP)

  @Test func lookupsFindParametersAndFunctions() {
    #expect(mlp.parameter(named: "dense_1.bias")?.type == t("128"))
    #expect(mlp.parameter(named: "dense_3.bias") == nil)
    #expect(mlp.function(named: "loss")?.arguments.map(\.name) == ["output", "target"])
    #expect(mlp.function(named: "train_step") == nil)
    #expect(mlp.function(named: "predict")?.definingOperation(of: "relu_1")?.opcode == "relu")
    #expect(mlp.function(named: "predict")?.definingOperation(of: "input") == nil)
  }

  @Test func partsDescribeThemselves() {
    let op = mlp.functions[0].body[0]
    #expect(op.label == "dense %dense_1")
    #expect(Operand.value("x").description == "%x" && Operand.param("w").description == "@w")
    #expect(Operand.param("w").name == "w")
    #expect(IRLocation(file: "specs/x.yaml", line: 12, column: 7).description == "loc(\"specs/x.yaml\":12:7)")
  }

  @Test func parameterCountsSumElements() {
    #expect(mlp.parameterCount == 128 * 64 + 128 + 10 * 128 + 10)
    // dense_2 is marked trainable = false; absent counts as trainable.
    #expect(mlp.trainableParameterCount == 128 * 64 + 128)
    #expect(mlp.parameters.filter(\.isTrainable).map(\.name) == ["dense_1.weight", "dense_1.bias"])
  }

  @Test func flopsPerSampleAddsTheOpCounts() throws {
    // dense 2·in·out + out, relu 1 per element, dropout 0 (identity at inference).
    let dense1 = 2 * 64 * 128 + 128, relu = 128, dropout = 0, dense2 = 2 * 128 * 10 + 10
    #expect(mlp.flopsPerSample(function: "predict") == dense1 + relu + dropout + dense2)
    #expect(mlp.flopsPerSample(of: try #require(mlp.function(named: "loss"))) == 4 * 10)
    #expect(mlp.flopsPerSample(function: "missing") == 0)
  }

  @Test func flopsSkipOpsThatDoNotVerify() {
    var m = mlp
    m.functions[0].body[0].operands[1] = .param("nowhere")
    m.functions[0].body[1].opcode = "maxout"
    #expect(m.flopsPerSample(function: "predict") == 2 * 128 * 10 + 10)
  }

  @Test func valuesAreEquatableAndHashable() {
    let a = Value(name: "x", type: t("Nx4"))
    #expect(a == Value(name: "x", type: t("Nx4")))
    #expect(Set([a, a]).count == 1)
    #expect(Operand.value("x") != Operand.param("x"))
  }
}
