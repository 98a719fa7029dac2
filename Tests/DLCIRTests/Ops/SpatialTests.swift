import DLCIR
import Testing

@Suite struct SpatialTests {
  private let conv: [String: Attribute] = ["stride": ints(1, 1), "padding": ints(0, 0), "dilation": ints(1, 1)]
  private let pool: [String: Attribute] = ["size": ints(2, 2), "stride": ints(2, 2), "padding": ints(0, 0)]

  @Test func conv2dFollowsPyTorchsFormula() throws {
    #expect(try infer("conv2d", [t("Nx1x8x8"), t("4x1x3x3"), t("4")], conv) == [t("Nx4x6x6")])
    var a = conv
    a["padding"] = ints(1, 1)
    #expect(try infer("conv2d", [t("Nx1x8x8"), t("4x1x3x3")], a) == [t("Nx4x8x8")])
    a["stride"] = ints(2, 2)
    #expect(try infer("conv2d", [t("Nx3x32x32"), t("16x3x3x3")], a) == [t("Nx16x16x16")])
    a = conv
    a["dilation"] = ints(2, 2)
    // Effective kernel 5: 9 − 5 + 1 = 5.
    #expect(try infer("conv2d", [t("Nx1x9x9"), t("2x1x3x3")], a) == [t("Nx2x5x5")])
    // Non-square everything: H' = ⌊(7 + 2·1 − 3)/2⌋ + 1 = 4, W' = ⌊(10 + 0 − 5)/1⌋ + 1 = 6.
    a = ["stride": ints(2, 1), "padding": ints(1, 0), "dilation": ints(1, 1)]
    #expect(try infer("conv2d", [t("Nx2x7x10"), t("3x2x3x5")], a) == [t("Nx3x4x6")])
  }

  @Test func conv2dErrors() {
    #expect(failure("conv2d", [t("Nx1x4x4"), t("8x1x5x5")], conv)
      == ShapeError("kernel 5×5 does not fit input 4×4 with padding 0", help: "use 'padding: same' or a smaller kernel"))
    var a = conv
    a["dilation"] = ints(2, 2)
    #expect(failure("conv2d", [t("Nx1x4x4"), t("8x1x3x3")], a)?.message
      == "kernel 3×3 with dilation 2 does not fit input 4×4 with padding 0")
    #expect(failure("conv2d", [t("Nx64"), t("8x1x3x3")], conv)?.message == "'conv2d' needs an image [C, H, W], found [64]")
    #expect(failure("conv2d", [t("Nx64"), t("8x1x3x3")], conv)?.help?.contains("reshape") == true)
    #expect(failure("conv2d", [t("Nx3x8x8"), t("8x1x3x3")], conv)?.message
      == "the weight of 'conv2d' is [8, 1, 3, 3] but must be [K, 3, kh, kw] for 3 input channels")
    #expect(failure("conv2d", [t("Nx1x8x8"), t("8x1x3x3"), t("4")], conv)?.message
      == "the bias of 'conv2d' is [4] but must be [8] for 8 filters")
    a = conv
    a["stride"] = ints(0, 1)
    #expect(failure("conv2d", [t("Nx1x8x8"), t("8x1x3x3")], a)?.message == "the stride must be positive, found [0, 1]")
    a = conv
    a["padding"] = ints(-1, 0)
    #expect(failure("conv2d", [t("Nx1x8x8"), t("8x1x3x3")], a)?.message == "the padding must not be negative, found [-1, 0]")
    a = conv
    a["padding"] = ints(Int.max, 0)
    // Absurd padding saturates instead of trapping, and a result that cannot be counted is an error.
    #expect(failure("conv2d", [t("Nx1x8x8"), t("8x1x3x3")], a)?.message.hasSuffix("has more elements than dlc can count") == true)
  }

  @Test func conv2dFlopsByHand() {
    var a = conv
    a["padding"] = ints(1, 1)
    // 4×8×8 = 256 outputs, each a 1×3×3 dot product (18 FLOPs), plus a bias add each.
    #expect(flops("conv2d", [t("Nx1x8x8"), t("4x1x3x3"), t("4")], a) == 256 * 18 + 256)
    // 16×16×16 outputs × 3·3·3 multiply-adds × 2, no bias.
    a["stride"] = ints(2, 2)
    #expect(flops("conv2d", [t("Nx3x32x32"), t("16x3x3x3")], a) == 4096 * 27 * 2)
  }

  @Test func poolsSlideAWindow() throws {
    #expect(try infer("maxpool2d", [t("Nx4x8x8")], pool) == [t("Nx4x4x4")])
    #expect(try infer("avgpool2d", [t("Nx4x7x7")], pool) == [t("Nx4x3x3")])
    let padded: [String: Attribute] = ["size": ints(3, 3), "stride": ints(1, 1), "padding": ints(1, 1)]
    #expect(try infer("avgpool2d", [t("Nx4x4x4")], padded) == [t("Nx4x4x4")])
  }

  @Test func poolErrors() {
    #expect(failure("maxpool2d", [t("Nx6x8")], pool)
      == ShapeError("'maxpool2d' needs an image [C, H, W], found [6, 8]", help: "use '- global_avgpool' to average a sequence"))
    let big: [String: Attribute] = ["size": ints(3, 3), "stride": ints(1, 1), "padding": ints(0, 0)]
    #expect(failure("maxpool2d", [t("Nx1x2x2")], big)
      == ShapeError("window 3×3 does not fit input 2×2 with padding 0", help: "use a smaller window"))
    let overPadded: [String: Attribute] = ["size": ints(2, 2), "stride": ints(1, 1), "padding": ints(2, 2)]
    #expect(failure("avgpool2d", [t("Nx1x8x8")], overPadded)
      == ShapeError("padding 2 is more than half the window 2×2", help: "use padding of at most 1"))
    let empty: [String: Attribute] = ["size": ints(0, 2), "stride": ints(1, 1), "padding": ints(0, 0)]
    #expect(failure("avgpool2d", [t("Nx1x8x8")], empty)?.message == "the window size must be positive, found [0, 2]")
  }

  @Test func poolFlopsCountTheWindow() {
    #expect(flops("maxpool2d", [t("Nx4x8x8")], pool) == 64 * 4)
  }

  @Test func globalAvgPoolAveragesPositions() throws {
    #expect(try infer("global_avgpool", [t("Nx16x4x4")]) == [t("Nx16")])
    #expect(try infer("global_avgpool", [t("Nx6x8")]) == [t("Nx8")])
    #expect(failure("global_avgpool", [t("Nx8")])?.message
      == "'global_avgpool' needs an image [C, H, W] or a sequence [L, D], found [8]")
    #expect(flops("global_avgpool", [t("Nx16x4x4")]) == 256)
  }
}
