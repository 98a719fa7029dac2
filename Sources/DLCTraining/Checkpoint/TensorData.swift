/// A tensor as stored: dtype, shape and little-endian row-major bytes.

/// The element types of safetensors files (the names are the format's own).
public enum DType: String, Sendable, CaseIterable {
  case F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL

  /// Bytes per element.
  public var size: Int {
    switch self {
    case .F64, .I64: return 8
    case .F32, .I32: return 4
    case .F16, .BF16, .I16: return 2
    case .I8, .U8, .BOOL: return 1
    }
  }
}

/// One named array of a checkpoint: raw bytes plus what they mean.
public struct TensorData: Sendable, Equatable {
  public var dtype: DType
  public var shape: [Int]
  /// `shape.product × dtype.size` bytes, little-endian, row-major.
  public var bytes: [UInt8]

  /// A tensor from raw bytes; their count must match the shape and dtype.
  public init(dtype: DType, shape: [Int], bytes: [UInt8]) {
    precondition(bytes.count == shape.reduce(1, *) * dtype.size, "\(bytes.count) bytes do not hold \(dtype) \(shape)")
    self.dtype = dtype
    self.shape = shape
    self.bytes = bytes
  }

  /// An `F32` tensor.
  public init(floats: [Float], shape: [Int]) {
    self.init(dtype: .F32, shape: shape, bytes: Self.littleEndianBytes(floats.map(\.bitPattern)))
  }

  /// An `I32` tensor.
  public init(int32s: [Int32], shape: [Int]) {
    self.init(dtype: .I32, shape: shape, bytes: Self.littleEndianBytes(int32s))
  }

  /// An `I64` tensor.
  public init(int64s: [Int64], shape: [Int]) {
    self.init(dtype: .I64, shape: shape, bytes: Self.littleEndianBytes(int64s))
  }

  /// The element count.
  public var count: Int { shape.reduce(1, *) }

  /// The values as Float32 (from F32, F64, F16 or BF16), or nil for other dtypes.
  public func floats() -> [Float]? {
    switch dtype {
    case .F32: return (0..<count).map { Float(bitPattern: load(UInt32.self, $0)) }
    case .F64: return (0..<count).map { Float(Double(bitPattern: load(UInt64.self, $0))) }
    case .BF16: return (0..<count).map { Float(bitPattern: UInt32(load(UInt16.self, $0)) << 16) }
    case .F16: return (0..<count).map { Self.halfToFloat(load(UInt16.self, $0)) }
    default: return nil
    }
  }

  /// The values as Int64 (from any integer dtype or BOOL), or nil for float dtypes.
  public func integers() -> [Int64]? {
    switch dtype {
    case .I64: return (0..<count).map { Int64(bitPattern: load(UInt64.self, $0)) }
    case .I32: return (0..<count).map { Int64(Int32(bitPattern: load(UInt32.self, $0))) }
    case .I16: return (0..<count).map { Int64(Int16(bitPattern: load(UInt16.self, $0))) }
    case .I8: return bytes.map { Int64(Int8(bitPattern: $0)) }
    case .U8, .BOOL: return bytes.map { Int64($0) }
    default: return nil
    }
  }

  /// Element `i` as the unsigned integer of its width, from little-endian bytes.
  @inline(__always)
  private func load<T: FixedWidthInteger>(_: T.Type, _ i: Int) -> T {
    bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self)) }
  }

  /// The little-endian bytes of `values`.
  static func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: values.count * MemoryLayout<T>.size)
    out.withUnsafeMutableBytes { raw in
      for (i, v) in values.enumerated() { raw.storeBytes(of: v.littleEndian, toByteOffset: i * MemoryLayout<T>.size, as: T.self) }
    }
    return out
  }

  /// IEEE 754 binary16 to Float32, exactly (every half is a float).
  static func halfToFloat(_ h: UInt16) -> Float {
    let sign: Float = h & 0x8000 != 0 ? -1 : 1
    let exponent = Int((h >> 10) & 0x1F)
    let fraction = Float(h & 0x3FF)
    switch exponent {
    case 0: return sign * fraction * 0x1p-24
    case 31: return fraction == 0 ? sign * .infinity : .nan
    default: return sign * (1 + fraction * 0x1p-10) * Float(sign: .plus, exponent: exponent - 15, significand: 1)
    }
  }
}
