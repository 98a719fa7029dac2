/// Between checkpoints and the passes' `Weights`: the model parameters of a module read
/// from a checkpoint, and written back with the optimized IR in the metadata.
import DLCIR
import DLCPasses
import DLCTraining

extension Weights {
  /// The parameters of `module` (not optimizer state) from `checkpoint`; each must be
  /// there with the declared shape and type.
  public init(module: Module, checkpoint: Checkpoint, path: String) throws(RuntimeError) {
    var tensors: [String: Weights.Tensor] = [:]
    for p in module.parameters where p.attributes["state"]?.stringValue != "optimizer" {
      guard let data = checkpoint.tensors[p.name] else {
        throw RuntimeError("\(path): the checkpoint has no tensor '\(p.name)'; it was written for another model")
      }
      let shape = p.type.fixedShape ?? []
      guard data.shape == shape, data.dtype == DType(p.type.element) else {
        throw RuntimeError("\(path): tensor '\(p.name)' is \(data.dtype.rawValue) \(data.shape), the model needs \(DType(p.type.element).rawValue) \(shape)")
      }
      tensors[p.name] = try Weights.Tensor(data, name: p.name, path: path)
    }
    self.init(tensors)
  }

  /// Every tensor as checkpoint data.
  public var checkpointTensors: [String: TensorData] { tensors.mapValues(\.tensorData) }
}

extension Weights.Tensor {
  /// A tensor from checkpoint data of type F32, F16, I8 or I32.
  init(_ data: TensorData, name: String, path: String) throws(RuntimeError) {
    switch data.dtype {
    case .F32: self.init(shape: data.shape, floats: data.floats() ?? [])
    case .F16:
      let b = data.bytes
      self.init(shape: data.shape, storage: .f16((0..<b.count / 2).map { UInt16(b[2 * $0]) | UInt16(b[2 * $0 + 1]) << 8 }))
    case .I8: self.init(shape: data.shape, storage: .i8(data.bytes.map { Int8(bitPattern: $0) }))
    case .I32: self.init(shape: data.shape, storage: .i32((data.integers() ?? []).map { Int32(truncatingIfNeeded: $0) }))
    default: throw RuntimeError("\(path): tensor '\(name)' has type \(data.dtype.rawValue), which no model parameter uses")
    }
  }

  /// The tensor as checkpoint data (little-endian).
  var tensorData: TensorData {
    switch storage {
    case .f32(let v): return TensorData(floats: v, shape: shape)
    case .i32(let v): return TensorData(int32s: v, shape: shape)
    case .i8(let v): return TensorData(dtype: .I8, shape: shape, bytes: v.map { UInt8(bitPattern: $0) })
    case .f16(let v):
      var bytes: [UInt8] = []
      bytes.reserveCapacity(v.count * 2)
      for h in v { bytes.append(UInt8(h & 0xFF)); bytes.append(UInt8(h >> 8)) }
      return TensorData(dtype: .F16, shape: shape, bytes: bytes)
    }
  }
}

extension Array where Element == ParameterSlot {
  /// Loads `weights` into these slots: each must be there with the slot's shape and type.
  func load(_ weights: Weights) throws {
    try restore(from: Checkpoint(tensors: weights.checkpointTensors), path: "the passes' weights")
  }
}
