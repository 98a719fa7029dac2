import DLCIR
import Testing

@Suite struct TypesTests {
  @Test func tensorTypesPrintWithNForTheBatch() {
    #expect(t("Nx64").description == "tensor<Nx64xf32>")
    #expect(t("").description == "tensor<f32>")
    #expect(t("N", .i32).description == "tensor<Nxi32>")
    #expect(t("3x3", .bool).description == "tensor<3x3xbool>")
    #expect(Dim.batch.description == "N" && Dim.fixed(7).description == "7")
  }

  @Test func convenienceInitializers() {
    #expect(TensorType(perSample: [1, 8, 8]) == t("Nx1x8x8"))
    #expect(TensorType(perSample: [6], element: .i32) == t("Nx6", .i32))
    #expect(TensorType(shape: [128, 64]) == t("128x64"))
    #expect(TensorType(shape: []) == .scalarF32)
    #expect(TensorType.scalarF32.isScalar && !t("3").isScalar)
    #expect(t("Nx3x4").rank == 3)
  }

  @Test func perSampleShapeIsTheFixedDimsAfterTheBatch() {
    #expect(t("Nx1x8x8").perSampleShape == [1, 8, 8])
    #expect(t("N").perSampleShape == [])
    #expect(t("128x64").perSampleShape == nil)
    #expect(t("").perSampleShape == nil)
    #expect(TensorType(dims: [.batch, .batch], element: .f32).perSampleShape == nil)
  }

  @Test func fixedShapeIsForParameters() {
    #expect(t("128x64").fixedShape == [128, 64])
    #expect(t("").fixedShape == [])
    #expect(t("Nx4").fixedShape == nil)
  }

  @Test func elementCounts() {
    #expect(t("Nx1x8x8").elementCountPerSample == 64)
    #expect(t("128x64").elementCountPerSample == 8192)
    #expect(t("").elementCountPerSample == 1)
    #expect(t("Nx1x8x8").elementCount(batch: 32) == 2048)
    #expect(t("128x64").elementCount(batch: 32) == 8192)
    // Absurd shapes saturate instead of trapping.
    #expect(TensorType(shape: [1 << 40, 1 << 40]).elementCountPerSample == Int.max)
  }

  @Test func isBatchedLooksAtTheLeadingDim() {
    #expect(t("Nx4").isBatched)
    #expect(!t("4").isBatched)
    #expect(!t("").isBatched)
  }

  @Test func elementTypes() {
    #expect(ElementType.allCases.map(\.rawValue) == ["f32", "f16", "i32", "i64", "i8", "u8", "bool"])
    #expect(ElementType.allCases.filter(\.isFloatingPoint) == [.f32, .f16])
    #expect(ElementType.allCases.map(\.byteSize) == [4, 2, 4, 8, 1, 1, 1])
  }
}
