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

  private let rmsprop: [String: Attribute] = ["alpha": 0.99, "eps": 1e-8, "momentum": 0.0, "centered": false, "weight_decay": 0.0]

  /// RMSprop's state: square_avg always, the momentum buffer with momentum, grad_avg when
  /// centered, in that order; the backends find each by name.
  @Test func rmspropStateFollowsItsOptions() throws {
    let rule = try #require(UpdateRule.rule(for: "rmsprop"))
    for (momentum, centered) in [(0.0, false), (0.9, false), (0.0, true), (0.9, true)] {
      var a = rmsprop
      (a["momentum"], a["centered"]) = (.float(momentum), .bool(centered))
      let names = ["square_avg"] + (momentum > 0 ? ["momentum_buffer"] : []) + (centered ? ["grad_avg"] : [])
      #expect(rule.stateNames(a) == names)
      let operands = [t("4x3"), t("4x3")] + names.map { _ in t("4x3") } + [lr, step]
      #expect(try infer("rmsprop_update", operands, a) == [])
      let op = Operation(results: [], opcode: "rmsprop_update", operands: [], attributes: a)
      #expect(rule.stateOperands(op) == Dictionary(uniqueKeysWithValues: names.enumerated().map { ($0.element, $0.offset + 2) }))
    }
    var centered = rmsprop
    centered["centered"] = true
    #expect(failure("rmsprop_update", [t("4x3"), t("4x3"), t("4x3"), lr, step], centered)?.message
      == "'rmsprop_update' with momentum = 0.0, centered = true takes 6 operands, found 5")
    var bad = rmsprop
    bad["alpha"] = 1.0
    #expect(failure("rmsprop_update", [t("4x3"), t("4x3"), t("4x3"), lr, step], bad)?.message
      == "alpha of 'rmsprop_update' must be in [0, 1), found 1.0")
  }

  /// The update's attributes come from the catalog's parameters by name (Adam's `betas`
  /// pair is the one derivation), without `kind` and `lr`.
  @Test func updateAttributesComeFromTheOptimizerEntry() throws {
    let optimizer: [String: Attribute] = [
      "kind": "rmsprop", "lr": 0.01, "alpha": 0.9, "eps": 1e-6, "momentum": 0.5, "centered": true, "weight_decay": 0.1,
    ]
    #expect(UpdateRule.rule(for: "rmsprop")?.attributes(for: optimizer)
      == ["alpha": 0.9, "eps": 1e-6, "momentum": 0.5, "centered": true, "weight_decay": 0.1])
    let adamw: [String: Attribute] = [
      "kind": "adamw", "lr": 0.01, "betas": [0.8, 0.9], "eps": 1e-8, "amsgrad": false, "weight_decay": 0.01,
    ]
    #expect(UpdateRule.rule(for: "adamw")?.attributes(for: adamw)
      == ["beta1": 0.8, "beta2": 0.9, "eps": 1e-8, "amsgrad": false, "weight_decay": 0.01, "decoupled": true])
    var incomplete = optimizer
    incomplete["alpha"] = nil
    #expect(UpdateRule.rule(for: "rmsprop")?.attributes(for: incomplete) == nil)
  }

  @Test func updatedOperandsAreNamedWithAnAt() throws {
    let schema = try #require(OpRegistry.schema("adam_update"))
    #expect(schema.operandNames(count: 6) == ["@param", "grad", "@exp_avg", "@exp_avg_sq", "lr", "step"])
    #expect(schema.operandNames(count: 7).contains("@max_exp_avg_sq"))
  }
}
