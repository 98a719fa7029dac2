import DLCIR
import Testing

@Suite struct OptimizerTests {
  private let lr = TensorType.scalarF32
  private let step = TensorType(dims: [], element: .i64)
  private let sgd: [String: Attribute] = ["momentum": 0.9, "dampening": 0.0, "nesterov": false, "weight_decay": 0.0]
  private let adam: [String: Attribute] = [
    "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.0, "amsgrad": false, "decoupled": false,
  ]

  @Test func updatesHaveNoResults() throws {
    #expect(try infer("sgd_update", [t("4x3"), t("4x3"), t("4x3"), lr, step], sgd) == [])
    #expect(try infer("adam_update", [t("4x3"), t("4x3"), t("4x3"), t("4x3"), lr, step], adam) == [])
    var ams = adam
    ams["amsgrad"] = true
    #expect(try infer("adam_update", [t("4x3"), t("4x3"), t("4x3"), t("4x3"), t("4x3"), lr, step], ams) == [])
  }

  @Test func theMomentumBufferComesWithMomentum() {
    #expect(failure("sgd_update", [t("4x3"), t("4x3"), lr, step], sgd)?.message
      == "'sgd_update' with momentum = 0.9 takes 5 operands, found 4")
    var plain = sgd
    plain["momentum"] = 0.0
    #expect(failure("sgd_update", [t("4x3"), t("4x3"), t("4x3"), lr, step], plain)?.message
      == "'sgd_update' with momentum = 0.0 takes 4 operands, found 5")
    plain["nesterov"] = true
    #expect(failure("sgd_update", [t("4x3"), t("4x3"), lr, step], plain)?.message == "Nesterov momentum needs momentum > 0 and dampening 0")
  }

  @Test func stateHasTheParametersType() {
    #expect(failure("adam_update", [t("4x3"), t("4x3"), t("4x3"), t("3x4"), lr, step], adam)?.message
      == "the exp_avg_sq of 'adam_update' must have the type of the parameter, tensor<4x3xf32>, found tensor<3x4xf32>")
    #expect(failure("adam_update", [t("4x3"), t("4x3"), t("4x3"), t("4x3"), step, step], adam)?.message
      == "the learning rate of 'adam_update' must be tensor<f32>, found tensor<i64>")
    #expect(failure("adam_update", [t("4x3"), t("4x3"), t("4x3"), t("4x3"), t("4x3"), lr, step], adam)?.message
      == "'adam_update' with amsgrad = false takes 6 operands, found 7")
  }

  @Test func hyperparametersAreChecked() {
    var bad = adam
    bad["beta2"] = 1.0
    #expect(failure("adam_update", [t("4x3"), t("4x3"), t("4x3"), t("4x3"), lr, step], bad)?.message
      == "beta2 of 'adam_update' must be in [0, 1), found 1.0")
  }

  @Test func updatedOperandsAreNamedWithAnAt() throws {
    let schema = try #require(OpRegistry.schema("adam_update"))
    #expect(schema.operandNames(count: 6) == ["@param", "grad", "@exp_avg", "@exp_avg_sq", "lr", "step"])
    #expect(schema.operandNames(count: 7).contains("@max_exp_avg_sq"))
  }
}
