/// The safetensors format (https://huggingface.co/docs/safetensors), read and written.
///
/// Layout: 8 bytes little-endian `N`, then `N` bytes of JSON header, then the data. The
/// header maps each tensor name to `{"dtype", "shape", "data_offsets": [begin, end]}`
/// (offsets relative to the data) and may hold `"__metadata__"`, a string → string map.
/// dlc writes tensors sorted by name, packed in that order, and pads the header with
/// spaces to a multiple of 8 so the data is aligned, as the reference writer does. The
/// reader accepts any valid file and rejects what the reference reader rejects: a length
/// past the end, bad JSON, unknown dtypes, sizes that disagree with the shape, offsets
/// that overlap, leave gaps or run past the data.

/// Encoding and decoding of safetensors files.
public enum Safetensors {
  /// The largest header read (the reference implementation's limit).
  public static let maxHeaderBytes = 100_000_000

  /// The file bytes for `tensors` and `metadata`.
  public static func encode(tensors: [String: TensorData], metadata: [String: String]) -> [UInt8] {
    var header = "{"
    var entries: [String] = []
    if !metadata.isEmpty {
      let items = metadata.keys.sorted().map { jsonQuote($0) + ":" + jsonQuote(metadata[$0]!) }
      entries.append("\"__metadata__\":{" + items.joined(separator: ",") + "}")
    }
    var offset = 0
    let names = tensors.keys.sorted()
    for name in names {
      let t = tensors[name]!
      let shape = t.shape.map(String.init).joined(separator: ",")
      entries.append(jsonQuote(name) + ":{\"dtype\":\"\(t.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + t.bytes.count)]}")
      offset += t.bytes.count
    }
    header += entries.joined(separator: ",") + "}"
    var headerBytes = Array(header.utf8)
    headerBytes += [UInt8](repeating: 0x20, count: (8 - headerBytes.count % 8) % 8)
    var out = TensorData.littleEndianBytes([UInt64(headerBytes.count)])
    out.reserveCapacity(8 + headerBytes.count + offset)
    out += headerBytes
    for name in names { out += tensors[name]!.bytes }
    return out
  }

  /// The tensors and metadata of a safetensors file; `path` names it in errors.
  public static func decode(_ bytes: [UInt8], path: String) throws(DataError) -> (tensors: [String: TensorData], metadata: [String: String]) {
    guard bytes.count >= 8 else { throw .checkpointHeaderLength(path, 0, max(0, bytes.count - 8)) }
    let length = bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
    guard length <= UInt64(bytes.count - 8), length <= UInt64(maxHeaderBytes) else {
      throw .checkpointHeaderLength(path, length, bytes.count - 8)
    }
    let headerEnd = 8 + Int(length)
    guard length >= 2, bytes[8] == UInt8(ascii: "{") else { throw .checkpointHeader(path, "it does not start with '{'") }
    let json: JSONValue
    do { json = try JSONParser.parse(Array(bytes[8..<headerEnd])) } catch { throw .checkpointHeader(path, error.message) }
    guard case .object(let entries) = json else { throw .checkpointHeader(path, "it is not a JSON object") }
    let dataSize = bytes.count - headerEnd
    var metadata: [String: String] = [:]
    var spans: [(name: String, dtype: DType, shape: [Int], begin: Int, end: Int)] = []
    for (name, value) in entries {
      if name == "__metadata__" {
        metadata = try Self.metadata(value, path: path)
        continue
      }
      spans.append(try entry(name, value, path: path))
    }
    // Offsets: every byte of the data belongs to exactly one tensor.
    spans.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
    let needed = spans.map(\.end).max() ?? 0
    guard needed <= dataSize else { throw .checkpointTruncated(path, needed, dataSize) }
    var at = 0
    var previous = ""
    for s in spans {
      if s.begin < at { throw .checkpointOffsets(path, s.name, "it overlaps tensor '\(excerpt(previous))'") }
      if s.begin > at { throw .checkpointOffsets(path, s.name, "bytes \(at)..<\(s.begin) before it belong to no tensor") }
      at = s.end
      previous = s.name
    }
    guard at == dataSize else { throw .checkpointHeader(path, "\(dataSize - at) bytes after the last tensor belong to no tensor") }
    var tensors: [String: TensorData] = [:]
    for s in spans {
      tensors[s.name] = TensorData(dtype: s.dtype, shape: s.shape, bytes: Array(bytes[headerEnd + s.begin..<headerEnd + s.end]))
    }
    return (tensors, metadata)
  }

  /// One tensor's header entry, checked on its own.
  private static func entry(_ name: String, _ value: JSONValue, path: String) throws(DataError) -> (name: String, dtype: DType, shape: [Int], begin: Int, end: Int) {
    guard case .object(let fields) = value else { throw .checkpointHeader(path, "the entry of '\(excerpt(name))' is not an object") }
    let f = Dictionary(fields, uniquingKeysWith: { a, _ in a })
    guard case .string(let dtypeName)? = f["dtype"] else { throw .checkpointHeader(path, "tensor '\(excerpt(name))' has no 'dtype'") }
    guard let dtype = DType(rawValue: dtypeName) else { throw .checkpointDtype(path, name, dtypeName) }
    guard case .array(let dims)? = f["shape"] else { throw .checkpointHeader(path, "tensor '\(excerpt(name))' has no 'shape'") }
    var shape: [Int] = []
    var size = dtype.size
    for d in dims {
      guard let n = d.index else { throw .checkpointHeader(path, "the shape of '\(excerpt(name))' holds something other than sizes") }
      let (product, overflow) = size.multipliedReportingOverflow(by: n)
      guard !overflow else { throw .checkpointTensor(path, name, "its shape is too large") }
      shape.append(n)
      size = product
    }
    guard case .array(let offsets)? = f["data_offsets"], offsets.count == 2, let begin = offsets[0].index, let end = offsets[1].index else {
      throw .checkpointHeader(path, "tensor '\(excerpt(name))' has no 'data_offsets' pair")
    }
    guard begin <= end else { throw .checkpointOffsets(path, name, "begin \(begin) is after end \(end)") }
    guard end - begin == size else {
      throw .checkpointTensor(path, name, "its offsets span \(end - begin) bytes, its shape \(shapeText(shape)) of \(dtype.rawValue) needs \(size)")
    }
    return (name, dtype, shape, begin, end)
  }

  /// `__metadata__`: an object of strings.
  private static func metadata(_ value: JSONValue, path: String) throws(DataError) -> [String: String] {
    guard case .object(let items) = value else { throw .checkpointHeader(path, "'__metadata__' is not an object") }
    var out: [String: String] = [:]
    for (k, v) in items {
      guard case .string(let s) = v else { throw .checkpointHeader(path, "metadata '\(excerpt(k))' is not a string") }
      out[k] = s
    }
    return out
  }
}
