import DLCIR
import DLCRuntime
import DLCTraining
import Testing
import _DLCTestSupport

@Suite struct TrainConfigTests {
  /// The module of golden IR file `golden/specs/<name>.ir`.
  private func golden(_ name: String) throws -> Module {
    let text = try #require(RepoRoot.read("golden/specs/\(name).ir"))
    return try parseModule(text)
  }

  /// A module with the attributes of `header` (the text inside `attributes {...}`).
  private func module(_ header: String) throws -> Module {
    try parseModule("module @m attributes {\(header)} {\n}\n")
  }

  private let data = #"data = {classes = 3, task = "classification"}"#
  private let sgd = #"optimizer = {kind = "sgd", lr = 0.1, momentum = 0.0, dampening = 0.0, nesterov = false, weight_decay = 0.0}"#
  private let adam =
    #"optimizer = {kind = "adam", lr = 0.1, betas = [0.9, 0.999], eps = 1e-08, amsgrad = false, weight_decay = 0.0}"#

  @Test func decodesDigitsMLP() throws {
    let c = try TrainConfig(module: golden("digits_mlp"))
    #expect(c.seed == 42)
    #expect(c.task == .classification && c.classes == 10)
    #expect(c.batchSize == 64 && c.epochs == 40)
    #expect(c.metrics == [.loss, .accuracy])
    #expect(c.optimizer == .adam(.init(lr: 0.005, beta1: 0.9, beta2: 0.999, eps: 1e-8, amsgrad: false, weightDecay: 0)))
    #expect(c.optimizer.lr == 0.005 && c.optimizer.kind == "adam")
    #expect(c.schedule == .cosine(minLR: 0, warmupEpochs: 2))
    #expect(c.earlyStopping == EarlyStopping.Config(monitor: "valid_loss", patience: 5, minDelta: 0, restoreBest: true))
    #expect(c.freeze == [])
  }

  @Test func decodesSGDWithOneCycleOnARegression() throws {
    let c = try TrainConfig(module: golden("diabetes_regression"))
    #expect(c.task == .regression && c.classes == nil && c.seed == 3)
    #expect(c.metrics == [.loss, .mae, .rmse])
    #expect(c.optimizer == .sgd(lr: 0.01, momentum: 0.9, dampening: 0, nesterov: true, weightDecay: 0.0001))
    #expect(c.schedule == .oneCycle(.init(maxLR: 0.05, pctStart: 0.3, divFactor: 25, finalDivFactor: 1e4, anneal: .cos)))
    #expect(c.earlyStopping?.monitor == "valid_mae" && c.earlyStopping?.metric == .mae)
  }

  @Test func decodesAdamWStepAndFreeze() throws {
    let bc = try TrainConfig(module: golden("breast_cancer"))
    #expect(bc.optimizer == .adamw(.init(lr: 0.002, weightDecay: 0.01)))
    #expect(bc.schedule == .step(stepSize: 20, gamma: 0.5, warmupEpochs: 0))
    #expect(bc.earlyStopping?.minDelta == 0.001)
    let transfer = try TrainConfig(module: golden("digits_transfer"))
    #expect(transfer.freeze == ["enc1", "code"])
    #expect(transfer.earlyStopping == nil)
    #expect(try TrainConfig(module: golden("digits_autoencoder")).task == .reconstruction)
  }

  @Test func everyGoldenModuleDecodes() throws {
    for name in ["breast_cancer", "diabetes_regression", "digits_autoencoder", "digits_cnn", "digits_mlp", "digits_transfer",
                 "digits_transformer", "iris", "residual_mlp", "wine"] {
      let c = try TrainConfig(module: golden(name))
      #expect(c.metrics.first == .loss, "\(name)")
      _ = try LearningRateSchedule(config: c, stepsPerEpoch: 7)
      if let es = c.earlyStopping { _ = try EarlyStopping(es) }
    }
  }

  @Test func epochsOverride() throws {
    let m = try golden("digits_mlp")
    #expect(try TrainConfig(module: m, epochs: 3).epochs == 3)
    // The warm-up of 2 epochs needs at least 3.
    let error = #expect(throws: TrainConfigError.self) { try TrainConfig(module: m, epochs: 2) }
    #expect(error?.message == "a warm-up of 2 epochs needs a run of more than 2 epochs, not 2")
    #expect(throws: TrainConfigError.self) { try TrainConfig(module: m, epochs: 0) }
  }

  @Test func defaultsWhenOptionalEntriesAreAbsent() throws {
    let c = try TrainConfig(module: module(#"\#(data), train = {batch_size = 8, epochs = 2, \#(sgd), schedule = {kind = "constant"}}"#))
    #expect(c.seed == 0 && c.metrics == [.loss] && c.freeze == [] && c.earlyStopping == nil)
    #expect(c.schedule == .constant(warmupEpochs: 0))
  }

  @Test func unknownKindsAreReportedWithTheirPath() throws {
    let badOptimizer = try module(
      #"\#(data), train = {batch_size = 8, epochs = 2, optimizer = {kind = "lion", lr = 0.1}, schedule = {kind = "constant"}}"#)
    let e1 = #expect(throws: TrainConfigError.self) { try TrainConfig(module: badOptimizer) }
    #expect(e1?.message == "unknown optimizer 'lion' at 'train.optimizer.kind'")

    let badSchedule = try module(#"\#(data), train = {batch_size = 8, epochs = 2, \#(adam), schedule = {kind = "cyclic"}}"#)
    let e2 = #expect(throws: TrainConfigError.self) { try TrainConfig(module: badSchedule) }
    #expect(e2?.message == "unknown schedule 'cyclic' at 'train.schedule.kind'")

    let badMetric = try module(
      #"\#(data), train = {batch_size = 8, epochs = 2, metrics = ["loss", "f1"], \#(sgd), schedule = {kind = "constant"}}"#)
    let e3 = #expect(throws: TrainConfigError.self) { try TrainConfig(module: badMetric) }
    #expect(e3?.message == "unknown metric 'f1' at 'train.metrics[1]'")
  }

  @Test func missingOrMistypedEntries() throws {
    let noTrain = try module(data)
    let e1 = #expect(throws: TrainConfigError.self) { try TrainConfig(module: noTrain) }
    #expect(e1?.message == "'train' is missing or not a dict")

    let stringEpochs = try module(#"\#(data), train = {batch_size = 8, epochs = "many"}"#)
    let e2 = #expect(throws: TrainConfigError.self) { try TrainConfig(module: stringEpochs) }
    #expect(e2?.message == "'train.epochs' is missing or not an integer")
    #expect(e2?.description.hasPrefix("error: 'train.epochs'") == true)
  }
}
