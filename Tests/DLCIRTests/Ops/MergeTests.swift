import DLCIR
import Testing

@Suite struct MergeTests {
  @Test func mergesNeedOneType() throws {
    #expect(try infer("add", [t("Nx8"), t("Nx8"), t("Nx8")]) == [t("Nx8")])
    #expect(try infer("multiply", [t("Nx8"), t("Nx8")]) == [t("Nx8")])
    #expect(failure("add", [t("Nx8")])?.message == "'add' takes at least 2 operands (a, b, rest…), found 1")
    #expect(failure("multiply", [t("Nx8"), t("Nx4")]) == ShapeError(
      "'multiply' needs inputs of one shape, found [8] and [4]", help: "make both branches end in the same width, e.g. with a '- dense' layer"))
    #expect(failure("add", [t("Nx8"), t("Nx8", .f16)]) == ShapeError("'add' needs inputs of one shape, found [8] and [8] of f16",
                                                                      help: "make both branches end in the same width, e.g. with a '- dense' layer"))
    #expect(failure("add", [t("Nx8"), t("Nx2x4")])?.help == nil)
  }

  @Test func mergeFlopsAreOnePerInputPair() {
    #expect(flops("add", [t("Nx8"), t("Nx8"), t("Nx8")]) == 16)
    #expect(flops("multiply", [t("Nx2x4"), t("Nx2x4")]) == 8)
  }

  @Test func concatJoinsAlongAnAxis() throws {
    #expect(try infer("concat", [t("Nx8"), t("Nx4")], ["axis": 0]) == [t("Nx12")])
    #expect(try infer("concat", [t("Nx2x8x8"), t("Nx3x8x8")], ["axis": 0]) == [t("Nx5x8x8")])
    #expect(try infer("concat", [t("Nx6x8"), t("Nx6x2"), t("Nx6x1")], ["axis": -1]) == [t("Nx6x11")])
    #expect(flops("concat", [t("Nx8"), t("Nx4")], ["axis": 0]) == 0)
  }

  @Test func concatErrors() {
    #expect(failure("concat", [t("Nx6x8"), t("Nx5x2")], ["axis": -1])?.message
      == "'concat' along axis -1 needs the other dimensions equal, found [6, 8] and [5, 2]")
    #expect(failure("concat", [t("Nx6x8"), t("Nx6")], ["axis": 0])?.message
      == "'concat' along axis 0 needs the other dimensions equal, found [6, 8] and [6]")
    #expect(failure("concat", [t("Nx8"), t("Nx8")], ["axis": 1]) == ShapeError("axis 1 is out of range for [8]", help: "use an axis from -1 to 0"))
    #expect(failure("concat", [t("Nx8")], ["axis": 0])?.message == "'concat' takes at least 2 operands (a, b, rest…), found 1")
    #expect(failure("concat", [t("Nx8"), t("Nx8", .i32)], ["axis": 0])?.message == "'concat' needs inputs of one element type, found f32 and i32")
  }
}
