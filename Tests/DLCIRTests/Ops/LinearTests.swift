import DLCIR
import Testing

@Suite struct LinearTests {
  @Test func denseMapsTheLastAxis() throws {
    #expect(try infer("dense", [t("Nx64"), t("128x64"), t("128")]) == [t("Nx128")])
    #expect(try infer("dense", [t("Nx64"), t("128x64")]) == [t("Nx128")])
    #expect(try infer("dense", [t("Nx6x8"), t("4x8")]) == [t("Nx6x4")])
    #expect(try infer("dense", [t("Nx8", .f16), t("4x8", .f16)]) == [t("Nx4", .f16)])
  }

  @Test func denseErrors() {
    #expect(failure("dense", [t("Nx32x4x4"), t("10x512")])
      == ShapeError("dense applies to [F] or [L, F] inputs, found [32, 4, 4]", help: "add '- flatten' before it"))
    #expect(failure("dense", [t("Nx64"), t("128x32")])?.message
      == "the weight of 'dense' is [128, 32] but must be [out, 64] for 64 input features")
    #expect(failure("dense", [t("Nx64"), t("128x64"), t("10")])?.message
      == "the bias of 'dense' is [10] but must be [128] for 128 units")
    #expect(failure("dense", [t("Nx64")])?.message == "'dense' takes 2 to 3 operands (x, weight, bias?), found 1")
    #expect(failure("dense", [t("64"), t("128x64")])?.message
      == "the input of 'dense' must be a batched tensor [N, …], found tensor<64xf32>")
    #expect(failure("dense", [t("Nx64"), t("Nx64")])?.message
      == "the weight of 'dense' must have a fixed shape, found tensor<Nx64xf32>")
    #expect(failure("dense", [t("Nx64", .i32), t("8x64")])?.message == "'dense' needs a floating-point input, found i32")
    #expect(failure("dense", [t("Nx64"), t("8x64", .f16)])?.message == "the weight of 'dense' is f16 but the input is f32")
    #expect(failure("dense", [t("Nx0"), t("8x0")])?.message == "the input of 'dense' has an empty dimension: [0]")
  }

  @Test func denseFlopsByHand() {
    // 128 outputs × 64 multiply-adds × 2, plus 128 bias adds.
    #expect(flops("dense", [t("Nx64"), t("128x64"), t("128")]) == 2 * 64 * 128 + 128)
    #expect(flops("dense", [t("Nx64"), t("128x64")]) == 16_384)
    // Over a sequence every position pays: 6 positions × 4 outputs × 8 inputs × 2.
    #expect(flops("dense", [t("Nx6x8"), t("4x8"), t("4")]) == 6 * 4 * 8 * 2 + 6 * 4)
  }

  @Test func embeddingLooksUpRows() throws {
    #expect(try infer("embedding", [t("Nx6", .i32), t("50x8")]) == [t("Nx6x8")])
    #expect(try infer("embedding", [t("N", .i32), t("50x8")]) == [t("Nx8")])
    #expect(flops("embedding", [t("Nx6", .i32), t("50x8")]) == 0)
  }

  @Test func embeddingErrors() {
    #expect(failure("embedding", [t("Nx6"), t("50x8")])
      == ShapeError("'embedding' needs integer ids (i32), found f32", help: "set 'input_dtype: i32' in 'model' so the input holds token ids"))
    #expect(failure("embedding", [t("Nx2x3", .i32), t("50x8")])?.message
      == "'embedding' needs ids [L] or a single id per sample, found [2, 3]")
    #expect(failure("embedding", [t("Nx6", .i32), t("400")])?.message == "the table of 'embedding' must be [V, D], found [400]")
    #expect(failure("embedding", [t("Nx6", .i32), t("50x8", .i32)])?.message == "the table of 'embedding' must be floating-point, found i32")
  }
}
