/// Tensors that are mostly zero (pruned weights), stored compactly in a checkpoint and
/// made dense again when it is read.
///
/// A tensor `w` of n elements with k non-zero ones is stored as two tensors:
/// `w.nonzero_bitmap` (U8, ⌈n/8⌉ bytes; bit i % 8 of byte i / 8, least significant
/// first, is set when element i is non-zero) and `w.nonzero_values` (w's dtype, the k
/// non-zero elements in order); the metadata key `dlc.sparse` maps each such name to its
/// shape, as JSON (`{"dense_1.weight":[256,64]}`). "Zero" means all bytes zero (+0.0),
/// so the encoding is lossless bit for bit. A tensor is stored this way only when that
/// is smaller, header entries included: for a large float32 tensor when more than 1/32
/// of it is zero, for int8 more than 1/8.
/// `Checkpoint(decoding:)` expands them, so every reader (the interpreter, an emitted
/// package's deployed model) sees dense tensors; numpy and PyTorch see the two parts.

extension Checkpoint.Key {
  /// The compactly stored tensors and their shapes, as JSON (see `SparseTensors`).
  public static let sparse = "dlc.sparse"
}

/// The bitmap + values encoding of mostly-zero checkpoint tensors.
public enum SparseTensors {
  static let bitmapSuffix = ".nonzero_bitmap"
  static let valuesSuffix = ".nonzero_values"
  /// About what the second header entry and the `dlc.sparse` item cost in the file.
  static let headerCost = 128

  /// The tensor a compact part belongs to (`w` for `w.nonzero_values`), or nil.
  public static func owner(of name: String) -> String? {
    for suffix in [bitmapSuffix, valuesSuffix] where name.hasSuffix(suffix) { return String(name.dropLast(suffix.count)) }
    return nil
  }

  /// The two parts of `tensor`, or nil when they would not be smaller than it.
  static func encode(_ tensor: TensorData) -> (bitmap: TensorData, values: TensorData)? {
    let n = tensor.count, size = tensor.dtype.size
    guard n > 0 else { return nil }
    var bitmap = [UInt8](repeating: 0, count: (n + 7) / 8)
    var values: [UInt8] = []
    tensor.bytes.withUnsafeBufferPointer { b in
      for i in 0..<n {
        var nonzero = false
        for j in 0..<size where b[i * size + j] != 0 { nonzero = true; break }
        guard nonzero else { continue }
        bitmap[i / 8] |= 1 << UInt8(i % 8)
        values.append(contentsOf: b[i * size..<(i + 1) * size])
      }
    }
    guard bitmap.count + values.count + headerCost < tensor.bytes.count else { return nil }
    return (TensorData(dtype: .U8, shape: [bitmap.count], bytes: bitmap),
            TensorData(dtype: tensor.dtype, shape: [values.count / size], bytes: values))
  }

  /// Stores each tensor of `names` in `checkpoint` compactly when that is smaller, and
  /// records it under `dlc.sparse`. Returns the names stored so.
  @discardableResult
  public static func compact(_ checkpoint: inout Checkpoint, names: [String]) -> [String] {
    var shapes: [(String, [Int])] = []
    for name in names.sorted() {
      guard let tensor = checkpoint.tensors[name], let (bitmap, values) = encode(tensor),
            checkpoint.tensors[name + bitmapSuffix] == nil, checkpoint.tensors[name + valuesSuffix] == nil else { continue }
      checkpoint.tensors[name] = nil
      checkpoint.tensors[name + bitmapSuffix] = bitmap
      checkpoint.tensors[name + valuesSuffix] = values
      shapes.append((name, tensor.shape))
    }
    if !shapes.isEmpty {
      let items = shapes.map { jsonQuote($0.0) + ":[" + $0.1.map(String.init).joined(separator: ",") + "]" }
      checkpoint.metadata[Checkpoint.Key.sparse] = "{" + items.joined(separator: ",") + "}"
    }
    return shapes.map(\.0)
  }

  /// Replaces every tensor `dlc.sparse` lists by its dense form and drops the key; the
  /// parts must agree (the bitmap's length with the shape, its bits with the values).
  static func expand(_ tensors: inout [String: TensorData], metadata: inout [String: String], path: String) throws(DataError) {
    guard let text = metadata.removeValue(forKey: Checkpoint.Key.sparse) else { return }
    let json: JSONValue
    do { json = try JSONParser.parse(Array(text.utf8)) } catch {
      throw .checkpointHeader(path, "metadata '\(Checkpoint.Key.sparse)' is not JSON: \(error.message)")
    }
    guard case .object(let entries) = json else {
      throw .checkpointHeader(path, "metadata '\(Checkpoint.Key.sparse)' is not an object of shapes")
    }
    for (name, value) in entries {
      guard case .array(let dims) = value else { throw .checkpointTensor(path, name, "its sparse shape is not a list of sizes") }
      var shape: [Int] = []
      var count = 1
      for d in dims {
        guard let n = d.index else { throw .checkpointTensor(path, name, "its sparse shape holds something other than sizes") }
        let (product, overflow) = count.multipliedReportingOverflow(by: n)
        guard !overflow else { throw .checkpointTensor(path, name, "its sparse shape is too large") }
        shape.append(n)
        count = product
      }
      tensors[name] = try dense(name, shape: shape, count: count, tensors: &tensors, path: path)
    }
  }

  /// The dense tensor of `name` from its two parts (which are removed from `tensors`).
  private static func dense(
    _ name: String, shape: [Int], count n: Int, tensors: inout [String: TensorData], path: String
  ) throws(DataError) -> TensorData {
    let bitmapBytes = n / 8 + (n % 8 == 0 ? 0 : 1)
    guard tensors[name] == nil else { throw .checkpointTensor(path, name, "it is stored both dense and sparse") }
    guard let bitmap = tensors.removeValue(forKey: name + bitmapSuffix), bitmap.dtype == .U8, bitmap.shape == [bitmapBytes] else {
      throw .checkpointTensor(path, name, "it is listed as sparse but has no U8 '\(name + bitmapSuffix)' of \(bitmapBytes) bytes")
    }
    guard let values = tensors.removeValue(forKey: name + valuesSuffix), values.shape.count == 1 else {
      throw .checkpointTensor(path, name, "it is listed as sparse but has no one-dimensional '\(name + valuesSuffix)'")
    }
    let size = values.dtype.size
    let nonzero = bitmap.bytes.reduce(0) { $0 + $1.nonzeroBitCount }
    guard nonzero == values.shape[0] else {
      throw .checkpointTensor(path, name, "its bitmap marks \(nonzero) non-zero elements, its values hold \(values.shape[0])")
    }
    if n % 8 != 0, let last = bitmap.bytes.last, last >> UInt8(n % 8) != 0 {
      throw .checkpointTensor(path, name, "its bitmap marks elements past its \(n)")
    }
    var bytes = [UInt8](repeating: 0, count: n * size)
    var next = 0
    bytes.withUnsafeMutableBufferPointer { out in
      values.bytes.withUnsafeBufferPointer { v in
        for i in 0..<n where bitmap.bytes[i / 8] & (1 << UInt8(i % 8)) != 0 {
          for j in 0..<size { out[i * size + j] = v[next * size + j] }
          next += 1
        }
      }
    }
    return TensorData(dtype: values.dtype, shape: shape, bytes: bytes)
  }
}
