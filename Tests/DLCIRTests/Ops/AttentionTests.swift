import DLCIR
import Testing

@Suite struct AttentionTests {
  private let attrs: [String: Attribute] = ["heads": 2, "causal": false, "dropout": 0.0, "bias": true]
  private let operands = [t("Nx6x8"), t("24x8"), t("24"), t("8x8"), t("8")]

  @Test func selfAttentionKeepsTheShape() throws {
    #expect(try infer("self_attention", operands, attrs) == [t("Nx6x8")])
    var a = attrs
    a["bias"] = false
    #expect(try infer("self_attention", [t("Nx6x8"), t("24x8"), t("8x8")], a) == [t("Nx6x8")])
  }

  @Test func headsMustDivideTheWidth() {
    var a = attrs
    a["heads"] = 3
    #expect(failure("self_attention", operands, a)
      == ShapeError("3 heads do not divide the width 8", help: "use a number of heads that divides 8, or change the width"))
    a["heads"] = 0
    #expect(failure("self_attention", operands, a)?.message == "0 heads do not divide the width 8")
  }

  @Test func selfAttentionErrors() {
    #expect(failure("self_attention", [t("Nx8"), t("24x8"), t("24"), t("8x8"), t("8")], attrs)?.message
      == "'self_attention' needs a sequence [L, D], found [8]")
    #expect(failure("self_attention", [t("Nx6x8"), t("24x8"), t("8x8")], attrs)?.message
      == "'self_attention' with bias = true takes 5 operands, found 3")
    #expect(failure("self_attention", [t("Nx6x8"), t("16x8"), t("24"), t("8x8"), t("8")], attrs)?.message
      == "the w_qkv of 'self_attention' is [16, 8] but must be [24, 8]")
    #expect(failure("self_attention", [t("Nx6x8"), t("24x8"), t("24"), t("8x4"), t("8")], attrs)?.message
      == "the w_out of 'self_attention' is [8, 4] but must be [8, 8]")
    #expect(failure("self_attention", [t("Nx6x8"), t("24x8"), t("8"), t("8x8"), t("8")], attrs)?.message
      == "the b_qkv of 'self_attention' is [8] but must be [24] for 24 projections")
    var a = attrs
    a["dropout"] = 1.0
    #expect(failure("self_attention", operands, a)?.message == "the attention dropout rate must be in [0, 1), found 1.0")
  }

  @Test func selfAttentionFlopsByHand() {
    // L = 6, D = 8, 2 heads: projections 2·6·8·24 + 2·6·8·8, biases 4·6·8;
    // scores and weighted sum 2·2·6·6·8; softmax and scale 4·2·6·6.
    let expected = 2304 + 768 + 192 + 1152 + 288
    #expect(flops("self_attention", operands, attrs) == expected)
  }
}
