import DLCKernels
import Foundation

/// Everything about a run that is not the model's arithmetic: its name, the training and
/// data configuration, the input shape, and what goes into checkpoints. The interpreter
/// builds it from the IR; an emitted trainer has it as constants.
public struct RunDescription {
  /// The spec's name (the run folder is `<runs>/<name>`).
  public var name: String
  public var train: TrainConfig
  public var data: DataConfig
  /// The per-sample input shape of the model.
  public var inputShape: [Int]
  /// The loss op (`cross_entropy`, `bce_with_logits`, `mse`, `mae`): how outputs read.
  public var loss: String
  /// The loss's class weights (`cross_entropy {class_weights}`), which make each batch's
  /// loss a weighted mean; the metrics weight the batches to match.
  public var lossClassWeights: LossClassWeights?
  /// The spec's text and the module's IR text, stored in checkpoint metadata.
  public var specText: String
  public var irText: String
  /// Transfer learning: parameters taken from a base model's checkpoint.
  public var base: BaseWeights?

  public init(
    name: String, train: TrainConfig, data: DataConfig, inputShape: [Int], loss: String, specText: String = "",
    irText: String = "", base: BaseWeights? = nil, lossClassWeights: LossClassWeights? = nil
  ) {
    self.name = name
    self.train = train
    self.data = data
    self.inputShape = inputShape
    self.loss = loss
    self.specText = specText
    self.irText = irText
    self.base = base
    self.lossClassWeights = lossClassWeights
  }
}

extension RunDescription {
  /// The run compiled into an emitted trainer: `train` and `data` are the configuration
  /// `ConfigEncoder` wrote at emission, decoded here by the same `ConfigDecoder` that
  /// reads a module's attributes in `dlc train`. A literal that does not decode is a
  /// defect of the dlc that emitted it: the trainer says so and exits with status 1.
  public init(
    compiled name: String, train: ConfigValue, data: ConfigValue, inputShape: [Int], loss: String, specText: String,
    base: BaseWeights?, lossClassWeights: LossClassWeights?
  ) {
    do {
      self.init(name: name, train: try TrainConfig(config: train), data: try ConfigDecoder.decode(DataConfig.self, from: data, at: "data"),
                inputShape: inputShape, loss: loss, specText: specText, irText: "", base: base, lossClassWeights: lossClassWeights)
    } catch {
      let note = "  = note: the trainer's compiled configuration does not decode; compile it again with 'dlc compile'"
      FileHandle.standardError.write(Data((error.description + "\n" + note + "\n").utf8))
      exit(1)
    }
  }
}

/// The class weights of a `cross_entropy` loss.
public enum LossClassWeights: Sendable, Equatable {
  /// One weight per class, as the spec lists them.
  case given([Float])
  /// `n / (C · count_c)` from the train split's class counts.
  case balanced

  /// The weights per class; `balanced` takes the train split's.
  public func resolved(balanced: [Float]?) -> [Float]? {
    switch self {
    case .given(let w): return w
    case .balanced: return balanced
    }
  }
}

/// The layers a model takes from a trained base model, and where their weights are.
public struct BaseWeights: Sendable, Hashable, Codable {
  public var checkpoint: String
  public var layers: [String]
  /// The base spec, for messages.
  public var spec: String

  public init(checkpoint: String, layers: [String], spec: String) {
    self.checkpoint = checkpoint
    self.layers = layers
    self.spec = spec
  }

  /// Loads the base layers' parameters (not their optimizer state) into `slots`.
  func load(into slots: [ParameterSlot]) throws {
    let wanted = slots.filter { layers.contains($0.layer) && !$0.isOptimizerState }
    let saved: Checkpoint
    do { saved = try Checkpoint(contentsOf: checkpoint) } catch {
      throw TrainingError("cannot read the base model's checkpoint '\(checkpoint)' (\(error.message)); train '\(spec)' first")
    }
    // A non-finite weight would train on silently (its loss is nan from the first step).
    try CheckpointCheck.checkFinite(Checkpoint(tensors: saved.tensors.filter { name, _ in wanted.contains { $0.name == name } }), path: checkpoint)
    for slot in wanted where saved.tensors[slot.name] == nil {
      throw TrainingError("the base checkpoint '\(checkpoint)' has no tensor '\(slot.name)'")
    }
    try wanted.restore(from: saved, path: checkpoint)
  }
}

extension Array where Element == ParameterSlot {
  /// Initializes every slot from its initializer, slot i drawing from
  /// `RandomStream(seed:, purpose: .initialization, id: i)`.
  public func initialize(seed: UInt64) throws {
    for (i, slot) in enumerated() where slot.dtype == .F32 {
      try slot.initializer.fill(slot.pointer, shape: slot.shape, stream: RandomStream(seed: seed, purpose: .initialization, id: UInt64(i)))
    }
  }

  /// Every parameter as a named float tensor of its shape.
  public func tensors() -> [String: TensorData] {
    var out: [String: TensorData] = [:]
    for slot in self {
      if slot.dtype == .F32 {
        out[slot.name] = TensorData(floats: [Float](UnsafeBufferPointer(start: slot.pointer, count: slot.count)), shape: slot.shape)
      } else {
        let bytes = UnsafeRawBufferPointer(start: UnsafeRawPointer(slot.pointer), count: slot.byteCount)
        out[slot.name] = TensorData(dtype: slot.dtype, shape: slot.shape, bytes: [UInt8](bytes))
      }
    }
    return out
  }

  /// Loads every slot from `checkpoint`; a missing tensor or a wrong shape is an error
  /// naming `path` (a checkpoint of another model).
  public func restore(from checkpoint: Checkpoint, path: String) throws {
    for slot in self {
      guard let tensor = checkpoint.tensors[slot.name] else {
        throw TrainingError("\(path): the checkpoint has no tensor '\(slot.name)'; it was written for another model")
      }
      let mismatch = TrainingError(
        "\(path): tensor '\(slot.name)' has shape \(tensor.shape) and type \(tensor.dtype.rawValue), the model needs \(slot.shape) \(slot.dtype.rawValue)")
      guard tensor.shape == slot.shape else { throw mismatch }
      if slot.dtype == .F32 {
        guard let floats = tensor.floats(), floats.count == slot.count else { throw mismatch }
        floats.withUnsafeBufferPointer { slot.pointer.update(from: $0.baseAddress!, count: slot.count) }
      } else {
        // Integer and half tensors are taken as stored: their bytes are the kernel's input.
        guard tensor.dtype == slot.dtype, tensor.bytes.count == slot.byteCount else { throw mismatch }
        tensor.bytes.withUnsafeBytes { UnsafeMutableRawPointer(slot.pointer).copyMemory(from: $0.baseAddress!, byteCount: slot.byteCount) }
      }
    }
  }
}
