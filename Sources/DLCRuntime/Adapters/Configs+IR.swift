/// Reading the runtime's configurations from the IR: the module attributes Sema writes
/// (`data`, `train`, `seed`) decoded into DLCTraining's typed configs. The training
/// module itself knows no IR, so an emitted trainer carries it without the IR library.
import DLCIR
import DLCSyntax
import DLCTraining

extension DataConfig {
  /// Reads the `data` attribute of `module`.
  public init(module: Module) throws(DataError) {
    guard let data = module.attributes["data"] else { throw Self.malformed("the module has no 'data' attribute") }
    try self.init(attribute: data)
  }

  /// Reads a `data` attribute as the lowering writes it (see `golden/specs/*.ir`).
  public init(attribute data: Attribute) throws(DataError) {
    guard let kind = data["source"]?["kind"]?.stringValue else { throw Self.malformed("'data.source.kind' is missing") }
    let sourceAttribute = data["source"]!
    let source: DataSourceConfig
    switch kind {
    case "csv":
      guard let path = sourceAttribute["path"]?.stringValue else { throw Self.malformed("'data.source.path' is missing") }
      let target = sourceAttribute["target"]?.listValue?.compactMap(\.stringValue) ?? []
      let features = sourceAttribute["features"]?.listValue?.compactMap(\.stringValue)
      source = .csv(path: path, target: target, features: features)
    case "npy":
      guard let x = sourceAttribute["x"]?.stringValue else { throw Self.malformed("'data.source.x' is missing") }
      source = .npy(x: x, y: sourceAttribute["y"]?.stringValue)
    default:
      throw Self.malformed("unknown data source kind '\(kind)'")
    }
    guard let taskName = data["task"]?.stringValue, let task = DataTask(rawValue: taskName) else {
      throw Self.malformed("'data.task' is missing or unknown")
    }
    let split = SplitFractions(
      valid: data["split"]?["valid"]?.floatValue ?? 0, test: data["split"]?["test"]?.floatValue ?? 0,
      stratify: data["split"]?["stratify"]?.boolValue ?? false)
    guard let norm = Normalization(rawValue: data["normalize"]?.stringValue ?? "none") else {
      throw Self.malformed("unknown normalization '\(data["normalize"]!)'")
    }
    self.init(source: source, task: task, classes: data["classes"]?.intValue, features: data["features"]?.intValue ?? 0,
              split: split, normalize: norm)
    standardizeTargets = data["normalize_target"]?.stringValue == "standardize"
  }

}

extension DataError {
  /// The error as a compiler diagnostic (no source range: data files are not specs).
  public var diagnostic: Diagnostic {
    Diagnostic(DiagnosticMessage(id: id, severity: .error, text: message), at: nil, help: help.map { [$0] } ?? [], path: path.isEmpty ? nil : location)
  }
}

extension TrainConfig {
  /// Decodes the configuration of `module`; `epochs` replaces the spec's epoch count.
  public init(module: Module, epochs: Int? = nil) throws(TrainConfigError) {
    try self.init(attributes: module.attributes, epochs: epochs)
  }

  /// Decodes module attributes (`train`, `seed`, `data`); `epochs` replaces the spec's
  /// epoch count, and is checked against the warm-up as Sema checks the spec's own.
  public init(attributes: [String: Attribute], epochs: Int? = nil) throws(TrainConfigError) {
    let root = AttributeReader(path: "", value: .dict(attributes))
    let train = try root.dict("train")
    let data = try root.dict("data")

    let seed = try root.optionalInt("seed") ?? 0
    guard seed >= 0 else { throw .invalid("seed", "\(seed)", "an integer ≥ 0") }
    let taskName = try data.string("task")
    guard let task = DataTask(rawValue: taskName) else { throw .unknown("task", taskName, in: data.name("task")) }
    let batchSize = try train.int("batch_size")
    guard batchSize >= 1 else { throw .invalid("train.batch_size", "\(batchSize)", "an integer ≥ 1") }
    let specEpochs = try train.int("epochs")
    let runEpochs = epochs ?? specEpochs
    guard runEpochs >= 1, runEpochs <= TrainConfig.maxEpochs else {
      throw .invalid(epochs == nil ? "train.epochs" : "the epochs override", "\(runEpochs)",
                     "an integer from 1 to \(TrainConfig.maxEpochs)")
    }
    self.init(
      seed: UInt64(seed), task: task, classes: try data.optionalInt("classes"), batchSize: batchSize, epochs: runEpochs,
      metrics: try Self.decodeMetrics(train), optimizer: try Optimizer(try train.dict("optimizer")),
      schedule: try LearningRateSchedule.Kind(try train.dict("schedule")),
      earlyStopping: try train.optionalDict("early_stopping").map { r throws(TrainConfigError) in try EarlyStopping.Config(r) },
      freeze: try train.optionalList("freeze")?.map { r throws(TrainConfigError) in try r.asString() } ?? [])
    if schedule.warmupEpochs >= self.epochs {
      throw .warmupTooLong(schedule.warmupEpochs, epochs: self.epochs)
    }
  }

  /// `train.metrics` as metrics, with `loss` always first.
  private static func decodeMetrics(_ train: AttributeReader) throws(TrainConfigError) -> [Metric] {
    var out: [Metric] = [.loss]
    for item in try train.optionalList("metrics") ?? [] {
      let name = try item.asString()
      guard let m = Metric(rawValue: name) else { throw .unknown("metric", name, in: item.path) }
      if !out.contains(m) { out.append(m) }
    }
    return out
  }
}

extension TrainConfig.Optimizer {
    /// Decodes `{kind = "adam", lr = 0.001, ...}`.
  init(_ r: AttributeReader) throws(TrainConfigError) {
      let kind = try r.string("kind")
      switch kind {
      case "sgd":
        self = .sgd(lr: try r.double("lr"), momentum: try r.double("momentum"), dampening: try r.double("dampening"),
                    nesterov: try r.bool("nesterov"), weightDecay: try r.double("weight_decay"))
      case "adam", "adamw":
        let betas = try r.list("betas")
        guard betas.count == 2 else { throw .invalid(r.name("betas"), "\(betas.count) values", "a pair [beta1, beta2]") }
        let p = Adam(lr: try r.double("lr"), beta1: try betas[0].asDouble(), beta2: try betas[1].asDouble(),
                     eps: try r.double("eps"), amsgrad: try r.bool("amsgrad"), weightDecay: try r.double("weight_decay"))
        self = kind == "adam" ? .adam(p) : .adamw(p)
      default:
        throw .unknown("optimizer", kind, in: r.name("kind"))
      }
    }
}

extension EarlyStopping.Config {
    /// Decodes `{min_delta = 0.0, monitor = "valid_loss", patience = 5, restore_best = true}`.
    init(_ r: AttributeReader) throws(TrainConfigError) {
      self.init(monitor: try r.string("monitor"), patience: try r.int("patience"), minDelta: try r.double("min_delta"),
                restoreBest: try r.bool("restore_best"))
      guard metric != nil else { throw .unknown("monitored metric", monitor, in: r.name("monitor")) }
      guard patience >= 0 else { throw .invalid(r.name("patience"), "\(patience)", "an integer ≥ 0") }
      guard minDelta >= 0 else { throw .invalid(r.name("min_delta"), "\(minDelta)", "a number ≥ 0") }
    }
}

extension LearningRateSchedule.Kind {
  /// Decodes `{kind = "cosine", min_lr = 0.0, warmup_epochs = 2}`.
  init(_ r: AttributeReader) throws(TrainConfigError) {
    let kind = try r.string("kind")
    func warmup() throws(TrainConfigError) -> Int {
      let w = try r.optionalInt("warmup_epochs") ?? 0
      guard w >= 0 else { throw .invalid(r.name("warmup_epochs"), "\(w)", "an integer ≥ 0") }
      return w
    }
    switch kind {
    case "constant":
      self = .constant(warmupEpochs: try warmup())
    case "step":
      let size = try r.int("step_size")
      guard size >= 1 else { throw .invalid(r.name("step_size"), "\(size)", "an integer ≥ 1") }
      self = .step(stepSize: size, gamma: try r.double("gamma"), warmupEpochs: try warmup())
    case "cosine":
      self = .cosine(minLR: try r.double("min_lr"), warmupEpochs: try warmup())
    case "one_cycle":
      let shape = try r.string("anneal")
      guard let anneal = LearningRateSchedule.OneCycle.Anneal(rawValue: shape) else {
        throw .unknown("annealing shape", shape, in: r.name("anneal"))
      }
      self = .oneCycle(.init(maxLR: try r.double("max_lr"), pctStart: try r.double("pct_start"),
                             divFactor: try r.double("div_factor"), finalDivFactor: try r.double("final_div_factor"),
                             anneal: anneal))
    default:
      throw .unknown("schedule", kind, in: r.name("kind"))
    }
  }
}

/// Typed access to a dict attribute, naming each entry by its dotted path in errors.
struct AttributeReader {
  /// The dotted path of this value (`train.optimizer`), empty for the root.
  let path: String
  let value: Attribute

  /// The dotted path of entry `key`.
  func name(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

  /// Entry `key`, or nil when absent.
  private func entry(_ key: String) -> AttributeReader? {
    value[key].map { AttributeReader(path: name(key), value: $0) }
  }

  private func required(_ key: String, _ expected: String) throws(TrainConfigError) -> AttributeReader {
    guard let e = entry(key) else { throw .missing(name(key), expected) }
    return e
  }

  func dict(_ key: String) throws(TrainConfigError) -> AttributeReader {
    let e = try required(key, "a dict")
    guard e.value.dictValue != nil else { throw .missing(e.path, "a dict") }
    return e
  }

  func optionalDict(_ key: String) throws(TrainConfigError) -> AttributeReader? {
    entry(key) == nil ? nil : try dict(key)
  }

  func list(_ key: String) throws(TrainConfigError) -> [AttributeReader] {
    let e = try required(key, "a list")
    guard let items = e.value.listValue else { throw .missing(e.path, "a list") }
    return items.enumerated().map { AttributeReader(path: "\(e.path)[\($0.offset)]", value: $0.element) }
  }

  func optionalList(_ key: String) throws(TrainConfigError) -> [AttributeReader]? {
    entry(key) == nil ? nil : try list(key)
  }

  func int(_ key: String) throws(TrainConfigError) -> Int { try required(key, "an integer").asInt() }
  func optionalInt(_ key: String) throws(TrainConfigError) -> Int? { try entry(key)?.asInt() }
  func double(_ key: String) throws(TrainConfigError) -> Double { try required(key, "a number").asDouble() }
  func string(_ key: String) throws(TrainConfigError) -> String { try required(key, "a string").asString() }
  func bool(_ key: String) throws(TrainConfigError) -> Bool {
    let e = try required(key, "a boolean")
    guard let b = e.value.boolValue else { throw .missing(e.path, "a boolean") }
    return b
  }

  func asInt() throws(TrainConfigError) -> Int {
    guard let v = value.intValue else { throw .missing(path, "an integer") }
    return v
  }

  func asDouble() throws(TrainConfigError) -> Double {
    guard let v = value.floatValue else { throw .missing(path, "a number") }
    return v
  }

  func asString() throws(TrainConfigError) -> String {
    guard let v = value.stringValue else { throw .missing(path, "a string") }
    return v
  }
}

extension Initializer {
  /// A parameter's `init` attribute (`{kind = "kaiming_normal", a = 0.0, mode = "fan_in", …}`); zeros when absent.
  public init(attribute: Attribute?) {
    var numbers: [String: Double] = [:], strings: [String: String] = [:]
    for (key, value) in attribute?.dictValue ?? [:] where key != "kind" {
      if let v = value.floatValue { numbers[key] = v } else if let v = value.stringValue { strings[key] = v }
    }
    self.init(kind: attribute?["kind"]?.stringValue ?? "zeros", numbers: numbers, strings: strings)
  }
}

extension RunDescription {
  /// The run of a checked module: its configs from the attributes, the input shape from
  /// `@predict` (or `@precompute`, which comes first when the model was split), the loss
  /// op from `@loss`, the base model from `base`.
  public init(module: Module, specText: String, epochs: Int? = nil) throws {
    let entry = module.function(named: "precompute") ?? module.function(named: "predict")
    // The data layer reads features as Float32; token ids would arrive as float bits.
    if let input = entry?.arguments.first, input.type.element != .f32 {
      throw RuntimeError("models with '\(input.type.element.rawValue)' inputs (token ids for 'embedding') cannot be trained or run on CSV/NPY features yet")
    }
    let base = module.attributes["base"].flatMap { b -> BaseWeights? in
      guard let path = b["checkpoint"]?.stringValue else { return nil }
      return BaseWeights(checkpoint: path, layers: b["layers"]?.listValue?.compactMap(\.stringValue) ?? [],
                         spec: b["spec"]?.stringValue ?? "the base spec")
    }
    self.init(
      name: module.name, train: try TrainConfig(module: module, epochs: epochs), data: try DataConfig(module: module),
      inputShape: entry?.arguments.first?.type.perSampleShape ?? [],
      loss: module.function(named: "loss")?.body.last?.opcode ?? "", specText: specText, irText: printModule(module),
      base: base, lossClassWeights: Self.classWeights(module.function(named: "loss")?.body.last))
  }

  /// The class weights of the loss op (`class_weights`: a list, or "balanced").
  static func classWeights(_ loss: Operation?) -> LossClassWeights? {
    guard let attribute = loss?.attributes["class_weights"] else { return nil }
    if let list = attribute.floatList { return .given(list.map(Float.init)) }
    return attribute.stringValue == "balanced" ? .balanced : nil
  }
}
