import DLCIR
import Testing

/// The expression op: its attributes must parse as expressions of x (a hand-written or
/// damaged IR file gets a verifier error, not a crash in a backend), FLOPs follow the formula.
@Suite struct ExpressionTests {
  let attrs: [String: Attribute] = ["expr": "0.5 * x * (tanh(x) + 1)", "derivative": "0.5 * (tanh(x) + 1) + 0.5 * x * (1 - tanh(x) * tanh(x))"]

  @Test func keepsTheTypeAndCountsItsOperations() throws {
    #expect(try infer("expression", [t("Nx4x8")], attrs) == [t("Nx4x8")])
    #expect(try infer("expression_grad", [t("Nx4x8"), t("Nx4x8")], attrs) == [t("Nx4x8")])
    // 4 operations per element: 0.5·x, tanh, +1, ·.
    #expect(flops("expression", [t("Nx10")], attrs) == 40)
    // A constant derivative is fine (d/dx 2·x = 2).
    #expect(try infer("expression_grad", [t("Nx3"), t("Nx3")], ["expr": "2 * x", "derivative": "2"]) == [t("Nx3")])
  }

  @Test func attributesMustBeExpressionsOfX() {
    #expect(failure("expression", [t("Nx8")], ["expr": "tnah(x)", "derivative": "1"])?.message
      == "the expr \"tnah(x)\" is not an expression of x: unknown function 'tnah'")
    #expect(failure("expression", [t("Nx8")], ["expr": "3", "derivative": "0"])?.message
      == "the expr \"3\" is not an expression of x: the expression does not read 'x'")
    #expect(failure("expression_grad", [t("Nx8"), t("Nx8")], ["expr": "x", "derivative": "(1"])?.message.hasPrefix(
      "the derivative \"(1\" is not an expression of x: expected ')'") == true)
    #expect(failure("expression", [t("Nx8")], ["expr": "x"])?.message == "'expression' needs attribute 'derivative' (a string)")
    #expect(failure("expression", [t("Nx8", .i32)], attrs)?.message == "'expression' needs a floating-point input, found i32")
  }
}
