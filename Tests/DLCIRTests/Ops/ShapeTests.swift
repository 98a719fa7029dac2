import DLCIR
import Testing

@Suite struct ShapeTests {
  @Test func flattenMultipliesDims() throws {
    #expect(try infer("flatten", [t("Nx32x4x4")]) == [t("Nx512")])
    #expect(try infer("flatten", [t("Nx6", .i32)]) == [t("Nx6", .i32)])
    #expect(failure("flatten", [t("4x4")])?.message == "the input of 'flatten' must be a batched tensor [N, …], found tensor<4x4xf32>")
  }

  @Test func reshapeKeepsTheCount() throws {
    #expect(try infer("reshape", [t("Nx64")], ["shape": ints(1, 8, 8)]) == [t("Nx1x8x8")])
    #expect(failure("reshape", [t("Nx64")], ["shape": ints(1, 7, 7)]) == ShapeError(
      "cannot reshape [64] (64 elements) to [1, 7, 7] (49 elements)", help: "use -1 for one dimension to have it computed"))
    #expect(failure("reshape", [t("Nx64")], ["shape": ints(-1, 8)])?.message == "reshape needs positive dimensions, found [-1, 8]")
    #expect(failure("reshape", [t("Nx64")], ["shape": ints()])?.message == "reshape needs positive dimensions, found []")
    #expect(failure("reshape", [t("Nx64")], ["shape": ints(1 << 40, 1 << 40)])?.message
      == "the shape [1099511627776, 1099511627776] has too many elements")
    #expect(flops("reshape", [t("Nx64")], ["shape": ints(8, 8)]) == 0)
  }
}
