/// Parameter values, for the passes that rewrite weights along with the IR (folding,
/// pruning, quantization). The IR declares parameters; their numbers live in checkpoints,
/// which the driver turns into `Weights` and back.
import DLCIR

/// Named parameter tensors.
public struct Weights: Sendable, Equatable {
  /// One parameter's values, in the element type the IR declares for it.
  public struct Tensor: Sendable, Equatable {
    public enum Storage: Sendable, Equatable {
      case f32([Float])
      case i8([Int8])
      case i32([Int32])
      /// IEEE binary16 bit patterns.
      case f16([UInt16])
    }

    public var shape: [Int]
    public var storage: Storage

    public init(shape: [Int], storage: Storage) {
      self.shape = shape
      self.storage = storage
    }

    /// A Float32 tensor.
    public init(shape: [Int], floats: [Float]) { self.init(shape: shape, storage: .f32(floats)) }

    /// The IR element type of the storage.
    public var element: ElementType {
      switch storage {
      case .f32: return .f32
      case .i8: return .i8
      case .i32: return .i32
      case .f16: return .f16
      }
    }

    /// The values of a Float32 tensor, or nil.
    public var floats: [Float]? { if case .f32(let v) = storage { return v } else { return nil } }

    /// Bytes the values take.
    public var byteCount: Int { shape.reduce(1, *) * element.byteSize }
  }

  public var tensors: [String: Tensor]

  public init(_ tensors: [String: Tensor] = [:]) { self.tensors = tensors }

  public subscript(name: String) -> Tensor? {
    get { tensors[name] }
    set { tensors[name] = newValue }
  }

  /// The Float32 values of `name`; a missing or non-float tensor is a `PassError`.
  public func floats(_ name: String) throws(PassError) -> [Float] {
    guard let t = tensors[name] else { throw PassError("no weights for parameter '@\(name)'") }
    guard let v = t.floats else { throw PassError("parameter '@\(name)' holds \(t.element.rawValue), not f32") }
    return v
  }
}
