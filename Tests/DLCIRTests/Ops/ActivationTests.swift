import DLCIR
import Testing

@Suite struct ActivationTests {
  @Test(arguments: ["relu", "sigmoid", "tanh"])
  func activationsKeepTheType(op: String) throws {
    #expect(try infer(op, [t("Nx4x8x8")]) == [t("Nx4x8x8")])
    #expect(try infer(op, [t("3x3", .f16)]) == [t("3x3", .f16)])
    #expect(failure(op, [t("Nx8", .i32)])?.message == "'\(op)' needs a floating-point input, found i32")
    #expect(failure(op, [t("Nx8"), t("Nx8")])?.message == "'\(op)' takes 1 operand (x), found 2")
    #expect(flops(op, [t("Nx4x8x8")]) == 256)
  }

  @Test func leakyReluNeedsAFiniteSlope() throws {
    #expect(try infer("leaky_relu", [t("Nx8")], ["slope": 0.01]) == [t("Nx8")])
    #expect(failure("leaky_relu", [t("Nx8")], ["slope": .float(.infinity)])?.message
      == "the slope must be a finite number, found inf")
    #expect(failure("leaky_relu", [t("Nx8")])?.message == "'leaky_relu' needs attribute 'slope' (a number)")
  }

  @Test func geluApproximationIsAChoice() throws {
    #expect(try infer("gelu", [t("Nx8")], ["approximate": "none"]) == [t("Nx8")])
    #expect(try infer("gelu", [t("Nx8")], ["approximate": "tanh"]) == [t("Nx8")])
    #expect(failure("gelu", [t("Nx8")], ["approximate": "fast"])?.message
      == "attribute 'approximate' of 'gelu' must be one of \"none\", \"tanh\", found \"fast\"")
  }

  @Test func softmaxAxisIsPerSample() throws {
    #expect(try infer("softmax", [t("Nx6x8")], ["axis": 0]) == [t("Nx6x8")])
    #expect(try infer("softmax", [t("Nx6x8")], ["axis": -2]) == [t("Nx6x8")])
    #expect(failure("softmax", [t("Nx6x8")], ["axis": 2]) == ShapeError("axis 2 is out of range for [6, 8]", help: "use an axis from -2 to 1"))
    #expect(failure("softmax", [t("Nx6x8")], ["axis": -3])?.message == "axis -3 is out of range for [6, 8]")
    #expect(flops("softmax", [t("Nx10")], ["axis": -1]) == 30)
  }

  @Test func hardTanhNeedsMinBelowMax() throws {
    #expect(try infer("hard_tanh", [t("Nx8")], ["min": -1.0, "max": 1.0]) == [t("Nx8")])
    #expect(failure("hard_tanh", [t("Nx8")], ["min": 1.0, "max": 1.0])
      == ShapeError("the min 1.0 must be below the max 1.0", help: "swap them, or use bounds with min < max"))
    #expect(failure("hard_tanh", [t("Nx8")], ["min": 2.0, "max": -1.0])?.message == "the min 2.0 must be below the max -1.0")
    // The gradient op checks its attributes by the forward's rule.
    #expect(failure("hard_tanh_grad", [t("Nx8"), t("Nx8")], ["min": 2.0, "max": -1.0])?.message == "the min 2.0 must be below the max -1.0")
  }

  /// celu and softplus divide by alpha and beta: 0 is rejected (the catalog asks for > 0).
  @Test func divisorsAreNotZero() throws {
    #expect(failure("celu", [t("Nx8")], ["alpha": 0.0]) == ShapeError("the alpha must not be 0", help: "the formula divides by it"))
    #expect(failure("softplus", [t("Nx8")], ["beta": 0.0, "threshold": 20.0])?.message == "the beta must not be 0")
    #expect(try infer("celu", [t("Nx8")], ["alpha": 0.5]) == [t("Nx8")])
  }

  @Test func logSoftmaxAxisIsPerSample() throws {
    #expect(try infer("log_softmax", [t("Nx6x8")], ["axis": -2]) == [t("Nx6x8")])
    #expect(failure("log_softmax", [t("Nx6x8")], ["axis": 2]) == ShapeError("axis 2 is out of range for [6, 8]", help: "use an axis from -2 to 1"))
    #expect(try infer("log_softmax_grad", [t("Nx6x8"), t("Nx6x8")], ["axis": -1]) == [t("Nx6x8")])
    #expect(flops("log_softmax", [t("Nx10")], ["axis": -1]) == 40)
  }

  @Test(arguments: ["selu", "silu", "mish", "elish", "hard_elish", "softsign", "hard_sigmoid", "hard_swish", "relu6", "log_sigmoid"])
  func parameterFreeActivationsKeepTheType(op: String) throws {
    #expect(try infer(op, [t("Nx4x8x8")]) == [t("Nx4x8x8")])
    #expect(failure(op, [t("Nx8", .i32)])?.message == "'\(op)' needs a floating-point input, found i32")
  }

  @Test func parametersAreFiniteNumbers() throws {
    #expect(try infer("softplus", [t("Nx8")], ["beta": 1.0, "threshold": 20.0]) == [t("Nx8")])
    #expect(failure("softplus", [t("Nx8")], ["beta": 1.0])?.message == "'softplus' needs attribute 'threshold' (a number)")
    #expect(failure("serlu", [t("Nx8")], ["lambda": .float(.nan), "alpha": 1.0])?.message == "the lambda must be a finite number, found nan")
    #expect(failure("shifted_relu", [t("Nx8")], ["shift": .float(-.infinity)])?.message == "the shift must be a finite number, found -inf")
  }
}
