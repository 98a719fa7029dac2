@testable import DLCTraining
import Foundation
import Testing

/// The frozen prefix's outputs on disk: read back exactly; a file for other data, or a
/// truncated or corrupted one, is refused with a reason (and then recomputed by the caller).
@Suite struct FeatureCacheTests {
  let key = [UInt8](repeating: 7, count: 32)
  let features: [[Float]] = [[1, 2, 3, 4, 5, 6], [7, 8], []]

  func path() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("dlc-cache-\(UUID().uuidString)/c.bin").path
  }

  func read(_ path: String, key: [UInt8]? = nil) -> FeatureCache.Lookup {
    FeatureCache.read(path, key: key ?? self.key, shape: [2], counts: [3, 1, 0])
  }

  @Test func roundTrip() throws {
    let p = path()
    try FeatureCache.write(p, key: key, shape: [2], features: features)
    guard case .found(let back) = read(p) else { Issue.record("not found: \(read(p))"); return }
    #expect(back == features)
  }

  @Test func aMissingFileIsMissing() {
    guard case .missing = read(path()) else { Issue.record("expected missing"); return }
  }

  @Test func otherKeysTruncationAndCorruptionAreRefused() throws {
    let p = path()
    try FeatureCache.write(p, key: key, shape: [2], features: features)
    var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: p)))
    guard case .invalid(let other) = read(p, key: [UInt8](repeating: 8, count: 32)) else { Issue.record("other key accepted"); return }
    #expect(other.contains("other data or weights"))

    try Data(bytes.dropLast(4)).write(to: URL(fileURLWithPath: p))
    guard case .invalid(let short) = read(p) else { Issue.record("truncated file accepted"); return }
    #expect(short.contains("bytes"))

    bytes[bytes.count - 5] ^= 0x40
    try Data(bytes).write(to: URL(fileURLWithPath: p))
    guard case .invalid(let flipped) = read(p) else { Issue.record("corrupt file accepted"); return }
    #expect(flipped.contains("checksum"))

    guard case .invalid(let shape) = FeatureCache.read(p, key: key, shape: [3], counts: [3, 1, 0]) else {
      Issue.record("other shape accepted"); return
    }
    #expect(shape.contains("shape"))
  }
}
