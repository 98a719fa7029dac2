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

  private let data = #"data = {classes = 3, task = "classification"}, seed = 0"#
  private let sgd = #"optimizer = {kind = "sgd", lr = 0.1, momentum = 0.0, dampening = 0.0, nesterov = false, weight_decay = 0.0}"#
  private let adam =
    #"optimizer = {kind = "adam", lr = 0.1, betas = [0.9, 0.999], eps = 1e-08, amsgrad = false, weight_decay = 0.0}"#

  @Test func decodesDigitsMLP() throws {
    let c = try TrainConfig(module: golden("digits_mlp"))
    #expect(c.seed == 42)
    #expect(c.task == .classification && c.classes == 10)
    #expect(c.batchSize == 64 && c.epochs == 40)
    #expect(c.metrics == [.loss, .accuracy])
    #expect(c.optimizer == .init(kind: "adam", lr: 0.005))
    #expect(c.schedule == .cosine(minLR: 0, warmupEpochs: 2))
    #expect(c.earlyStopping == EarlyStopping.Config(monitor: "valid_loss", patience: 5, minDelta: 0, restoreBest: true))
    #expect(c.freeze == [])
  }

  @Test func decodesSGDWithOneCycleOnARegression() throws {
    let c = try TrainConfig(module: golden("diabetes_regression"))
    #expect(c.task == .regression && c.classes == nil && c.seed == 3)
    #expect(c.metrics == [.loss, .mae, .rmse])
    #expect(c.optimizer == .init(kind: "sgd", lr: 0.01))
    #expect(c.schedule == .oneCycle(.init(maxLR: 0.05, pctStart: 0.3, divFactor: 25, finalDivFactor: 1e4, anneal: .cos)))
    #expect(c.earlyStopping?.monitor == "valid_mae" && c.earlyStopping?.metric == .mae)
  }

  @Test func decodesAdamWStepAndFreeze() throws {
    let bc = try TrainConfig(module: golden("breast_cancer"))
    #expect(bc.optimizer == .init(kind: "adamw", lr: 0.002))
    #expect(bc.schedule == .step(stepSize: 20, gamma: 0.5, warmupEpochs: 0))
    #expect(bc.earlyStopping?.minDelta == 0.001)
    let transfer = try TrainConfig(module: golden("digits_transfer"))
    #expect(transfer.freeze == ["enc1", "code"])
    #expect(transfer.earlyStopping == nil)
    #expect(try TrainConfig(module: golden("digits_autoencoder")).task == .reconstruction)
  }

  @Test func everyGoldenModuleDecodes() throws {
    for name in ["breast_cancer", "diabetes_regression", "digits_autoencoder", "digits_cnn", "digits_mlp", "digits_transfer",
                 "digits_transformer", "iris", "residual_mlp", "wine", "wine_rmsprop"] {
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

  @Test func onlyEarlyStoppingMayBeAbsent() throws {
    let c = try TrainConfig(module: module(
      #"\#(data), train = {batch_size = 8, epochs = 2, freeze = [], metrics = [], \#(sgd), schedule = {kind = "constant", warmup_epochs = 0}}"#))
    #expect(c.metrics == [.loss] && c.freeze == [] && c.earlyStopping == nil)
    #expect(c.schedule == .constant(warmupEpochs: 0))
  }

  /// Defaults live in the catalog only: Sema writes every one, so an absent value is
  /// malformed IR, not a value the runtime makes up.
  @Test func absentDefaultsAreErrorsNotFallbacks() throws {
    let noWarmup = try module(
      #"\#(data), train = {batch_size = 8, epochs = 2, freeze = [], metrics = [], \#(sgd), schedule = {kind = "constant"}}"#)
    #expect(throwsMessage { try TrainConfig(module: noWarmup) } == "'train.schedule.warmup_epochs' is missing or not an integer")
    let noSeed = try module(#"data = {classes = 3, task = "classification"}, train = {batch_size = 8, epochs = 2, freeze = [], "#
      + #"metrics = [], \#(sgd), schedule = {kind = "constant", warmup_epochs = 0}}"#)
    #expect(throwsMessage { try TrainConfig(module: noSeed) } == "'seed' is missing or not an integer")
    let noMetrics = try module(#"\#(data), train = {batch_size = 8, epochs = 2, freeze = [], \#(sgd), schedule = {kind = "constant", warmup_epochs = 0}}"#)
    #expect(throwsMessage { try TrainConfig(module: noMetrics) } == "'train.metrics' is missing or not a list")
  }

  /// The message of the `TrainConfigError` `body` throws.
  private func throwsMessage(_ body: () throws -> Void) -> String? {
    do { try body() } catch let e as TrainConfigError { return e.message } catch { return "\(error)" }
    return nil
  }

  /// What the runtime decodes from a golden module, encoded and decoded again, is the
  /// same: the emitted trainer's compiled-in configuration is the run `dlc train` runs.
  @Test func everyGoldenConfigRoundTripsThroughTheEncoder() throws {
    for name in ["breast_cancer", "diabetes_regression", "digits_autoencoder", "digits_cnn", "digits_mlp", "digits_transfer",
                 "digits_transformer", "iris", "residual_mlp", "wine", "wine_rmsprop"] {
      let m = try golden(name)
      let train = try TrainConfig(module: m)
      #expect(try TrainConfig(config: ConfigEncoder.encode(train)) == train, "\(name)")
      let data = try DataConfig(module: m)
      #expect(try DataConfig(config: ConfigEncoder.encode(data)) == data, "\(name)")
      // What the encoder writes is what the IR says, key for key.
      let attributes = ConfigValue(m.attributes["train"]!)
      #expect(ConfigEncoder.encode(train)["train"]?["schedule"] == attributes["schedule"], "\(name)")
      #expect(ConfigEncoder.encode(train)["train"]?["early_stopping"] == attributes["early_stopping"], "\(name)")
    }
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
