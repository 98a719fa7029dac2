import DLCBasics
import Foundation

/// The frozen prefix's outputs on disk (`cache: disk`): `<runs>/cache/<key>.bin`, so a
/// second run over the same prefix and data skips the precomputation.
///
/// The key is the SHA-256 of what the outputs are a function of: the prefix's IR (without
/// source locations), the values of the parameters it reads, and the features of each
/// split as the prefix receives them. Those features already are the data files'
/// contents after the split (fractions, stratification, seed) and the preprocessing
/// (statistics fitted on the train split), so any change to one of them changes the key,
/// and a change that does not reach the prefix's input (a renamed file) does not.
///
/// File layout, little-endian: the magic `DLCFEAT1`, the key (32 bytes), the SHA-256 of
/// the payload (32 bytes), the rank and the output shape (UInt32, then UInt64 each), the
/// split count and each split's sample count (UInt32, then UInt64 each), then the payload:
/// each split's outputs as Float32, row-major. Written atomically; a file whose header,
/// size or payload checksum does not match is reported and recomputed, never used.
enum FeatureCache {
  /// What reading a cache file found.
  enum Lookup {
    case found([[Float]])
    case missing
    case invalid(String)
  }

  static let magic = Array("DLCFEAT1".utf8)

  /// The cache key of `prefix` with the current `parameters` over `splits`.
  static func key(prefix: FrozenPrefix, parameters: [ParameterSlot], splits: [Dataset]) -> [UInt8] {
    var h = SHA256()
    h.update(field: "dlc precompute-frozen cache 1")
    h.update(field: prefix.text)
    let slots = Dictionary(parameters.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    for name in prefix.parameters.sorted() {
      h.update(field: name)
      guard let slot = slots[name] else { continue }
      h.update(field: slot.dtype.rawValue)
      for d in slot.shape { h.update(integer: UInt64(d)) }
      h.update(UnsafeRawBufferPointer(start: slot.pointer, count: slot.byteCount))
    }
    for split in splits {
      h.update(integer: UInt64(split.count))
      for d in split.sampleShape { h.update(integer: UInt64(d)) }
      split.x.withUnsafeBytes { h.update($0) }
    }
    return h.finalize()
  }

  /// The splits' outputs stored at `path`, if it holds exactly what `key`, `shape` and
  /// `counts` describe.
  static func read(_ path: String, key: [UInt8], shape: [Int], counts: [Int]) -> Lookup {
    guard FileManager.default.fileExists(atPath: path) else { return .missing }
    guard let data = FileManager.default.contents(atPath: path) else { return .invalid("it cannot be read") }
    let header = headerBytes(key: key, payloadDigest: [UInt8](repeating: 0, count: 32), shape: shape, counts: counts)
    let width = shape.reduce(1, *)
    let payloadBytes = counts.reduce(0) { $0 + $1 * width } * 4
    return data.withUnsafeBytes { raw -> Lookup in
      guard raw.count >= header.count, Array(raw[0..<8]) == magic else { return .invalid("not a feature cache") }
      guard Array(raw[8..<40]) == key else { return .invalid("it was written for other data or weights") }
      guard Array(raw[72..<header.count]) == Array(header[72...]) else {
        return .invalid("its shape or sample counts differ")
      }
      guard raw.count == header.count + payloadBytes else {
        return .invalid("it holds \(raw.count) bytes, not \(header.count + payloadBytes)")
      }
      let payload = UnsafeRawBufferPointer(rebasing: raw[header.count...])
      guard SHA256.hash(payload) == Array(raw[40..<72]) else { return .invalid("its contents do not match their checksum") }
      var out: [[Float]] = []
      var offset = 0
      for count in counts {
        let n = count * width
        out.append([Float](unsafeUninitializedCapacity: n) { buffer, initialized in
          if n > 0 { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: payload[offset..<offset + 4 * n])) }
          initialized = n
        })
        offset += 4 * n
      }
      return .found(out)
    }
  }

  /// Stores `features` (one array per split) at `path`, atomically.
  static func write(_ path: String, key: [UInt8], shape: [Int], features: [[Float]]) throws {
    var payload = SHA256()
    for f in features { f.withUnsafeBytes { payload.update($0) } }
    var bytes = headerBytes(key: key, payloadDigest: payload.finalize(), shape: shape, counts: features.map { $0.count / max(shape.reduce(1, *), 1) })
    bytes.reserveCapacity(bytes.count + features.reduce(0) { $0 + 4 * $1.count })
    for f in features { f.withUnsafeBytes { bytes.append(contentsOf: $0) } }
    do throws(AtomicFile.Failure) {
      try AtomicFile.createDirectories(AtomicFile.directory(of: path))
      try AtomicFile.replace(path, with: bytes)
    } catch {
      throw TrainingError("cannot write the feature cache '\(path)': \(error.reason)")
    }
  }

  /// The header: magic, key, payload digest, shape and counts.
  static func headerBytes(key: [UInt8], payloadDigest: [UInt8], shape: [Int], counts: [Int]) -> [UInt8] {
    var out = magic + key + payloadDigest
    func append<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
    append(UInt32(shape.count))
    for d in shape { append(UInt64(d)) }
    append(UInt32(counts.count))
    for c in counts { append(UInt64(c)) }
    return out
  }
}
