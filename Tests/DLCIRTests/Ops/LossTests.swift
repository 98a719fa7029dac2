import DLCIR
import Testing

@Suite struct LossTests {
  private let ce: [String: Attribute] = ["label_smoothing": 0.1]

  @Test func crossEntropyTakesClassIndices() throws {
    #expect(try infer("cross_entropy", [t("Nx10"), t("N", .i32)], ce) == [t("")])
    var w = ce
    w["class_weights"] = "balanced"
    #expect(try infer("cross_entropy", [t("Nx3"), t("N", .i32)], w) == [t("")])
    w["class_weights"] = [1.0, 2.0, 1]
    #expect(try infer("cross_entropy", [t("Nx3"), t("N", .i32)], w) == [t("")])
    #expect(flops("cross_entropy", [t("Nx10"), t("N", .i32)], ce) == 40)
  }

  @Test func crossEntropyErrors() {
    #expect(failure("cross_entropy", [t("Nx10"), t("N")], ce)?.message
      == "'cross_entropy' needs class indices tensor<Nxi32> as target, found tensor<Nxf32>")
    #expect(failure("cross_entropy", [t("Nx6x10"), t("N", .i32)], ce)?.message
      == "'cross_entropy' needs logits [C] per sample, found [6, 10]")
    #expect(failure("cross_entropy", [t("Nx10"), t("N", .i32)], ["label_smoothing": 1.0])?.message
      == "label smoothing must be in [0, 1), found 1.0")
    var w = ce
    w["class_weights"] = [1.0, 2.0]
    #expect(failure("cross_entropy", [t("Nx3"), t("N", .i32)], w)
      == ShapeError("2 class weights for 3 classes", help: "give one weight per class, or 'balanced'"))
    w["class_weights"] = [1.0, 0.0, 1.0]
    #expect(failure("cross_entropy", [t("Nx3"), t("N", .i32)], w)?.message == "class weights must be positive numbers")
    w["class_weights"] = "equal"
    #expect(failure("cross_entropy", [t("Nx3"), t("N", .i32)], w)?.message
      == "attribute 'class_weights' of 'cross_entropy' must be a list of numbers or one of \"balanced\", found \"equal\"")
  }

  @Test(arguments: ["mse", "mae", "bce_with_logits"])
  func elementwiseLossesNeedEqualShapes(op: String) throws {
    #expect(try infer(op, [t("Nx3"), t("Nx3")]) == [t("")])
    #expect(failure(op, [t("Nx3"), t("Nx2")]) != nil)
    #expect(failure(op, [t("Nx3", .i32), t("Nx3", .i32)]) != nil)
  }

  @Test func regressionLossMessages() {
    #expect(failure("mse", [t("Nx3"), t("Nx2")])?.message == "'mse' needs prediction and target of one shape, found [3] and [2]")
    #expect(flops("mse", [t("Nx3"), t("Nx3")]) == 9)
    #expect(flops("mae", [t("Nx3"), t("Nx3")]) == 9)
  }

  @Test func bcePositiveWeights() throws {
    #expect(try infer("bce_with_logits", [t("Nx3"), t("Nx3")], ["pos_weight": 2.0]) == [t("")])
    #expect(try infer("bce_with_logits", [t("Nx3"), t("Nx3")], ["pos_weight": [1.0, 2.0, 3.0]]) == [t("")])
    #expect(failure("bce_with_logits", [t("Nx3"), t("Nx3")], ["pos_weight": [1.0]])
      == ShapeError("1 positive weights for 3 outputs", help: "give one weight per output, or one number"))
    #expect(failure("bce_with_logits", [t("Nx3"), t("Nx3")], ["pos_weight": -1.0])?.message == "pos_weight must hold positive numbers")
    #expect(failure("bce_with_logits", [t("Nx3"), t("Nx3")], ["pos_weight": "x"])?.message
      == "attribute 'pos_weight' of 'bce_with_logits' must be a number or a list of numbers, found \"x\"")
    #expect(flops("bce_with_logits", [t("Nx3"), t("Nx3")]) == 15)
  }
}
