/// Reading the runtime's configurations from the IR: the module attributes Sema writes
/// (`data`, `train`, `seed`) become a `ConfigValue` (one to one) and are decoded into
/// DLCTraining's typed configs by the one generic `ConfigDecoder`. The training module
/// itself knows no IR, so an emitted trainer carries it without the IR library and
/// decodes its compiled-in configuration the same way.
import DLCIR
import DLCSyntax
import DLCTraining

extension ConfigValue {
  /// An IR attribute as plain data: the two have the same shapes, one to one.
  public init(_ attribute: Attribute) {
    switch attribute {
    case .int(let i): self = .int(i)
    case .float(let f): self = .float(f)
    case .bool(let b): self = .bool(b)
    case .string(let s): self = .string(s)
    case .list(let items): self = .list(items.map(ConfigValue.init))
    case .dict(let d): self = .dict(d.mapValues(ConfigValue.init))
    }
  }
}

extension DataConfig {
  /// Reads the `data` attribute of `module`.
  public init(module: Module) throws(DataError) {
    guard let data = module.attributes["data"] else { throw Self.malformed("the module has no 'data' attribute") }
    try self.init(attribute: data)
  }

  /// Reads a `data` attribute as the lowering writes it (see `golden/specs/*.ir`).
  public init(attribute data: Attribute) throws(DataError) {
    try self.init(config: ConfigValue(data))
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
    try self.init(config: ConfigValue(.dict(attributes)), epochs: epochs)
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
    let base = try module.attributes["base"].map { b throws(TrainConfigError) in
      try ConfigDecoder.decode(BaseWeights.self, from: ConfigValue(b), at: "base")
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
