/// A temporary folder of small data files for the data-layer tests.
import Foundation
@testable import DLCTraining

/// A fresh folder under the system's temporary directory, removed when dropped.
final class DataFixture {
  let root: String

  init() throws {
    root = NSTemporaryDirectory() + "dlc-data-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(atPath: root) }

  /// Writes `text` to `name` in the folder and returns its path.
  @discardableResult
  func write(_ name: String, _ text: String) throws -> String { try write(name, Array(text.utf8)) }

  /// Writes `bytes` to `name` in the folder and returns its path.
  @discardableResult
  func write(_ name: String, _ bytes: [UInt8]) throws -> String {
    let path = root + "/" + name
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
  }

  /// Loads a CSV with target `y` for classification into 3 classes (or `task`).
  func loadCSV(_ text: String, task: DataTask = .classification, classes: Int? = 3, target: [String] = ["y"], features: [String]? = nil) throws -> Dataset {
    let path = try write("data.csv", text)
    return try CSVLoader.load(path: path, target: target, features: features, task: task, classes: classes)
  }

  /// The error loading a CSV throws, or nil.
  func csvError(_ text: String, task: DataTask = .classification, classes: Int? = 3) throws -> DataError? {
    do {
      _ = try loadCSV(text, task: task, classes: classes)
      return nil
    } catch let e as DataError { return e }
  }

  /// The bytes of an NPY file (format 1.0 unless `version` says otherwise) with header
  /// dict `header` (padded as numpy pads it) followed by `data`.
  static func npy(header: String, data: [UInt8], version: UInt8 = 1) -> [UInt8] {
    let prefix = version == 1 ? 10 : 12
    var text = Array(header.utf8)
    let total = prefix + text.count + 1
    text += [UInt8](repeating: 0x20, count: (64 - total % 64) % 64) + [0x0A]
    var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0]
    let n = text.count
    out += version == 1 ? [UInt8(n & 0xFF), UInt8(n >> 8)] : [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 24)]
    return out + text + data
  }

  /// The header dict numpy writes for `descr` and `shape`.
  static func npyHeader(_ descr: String, _ shape: [Int], fortran: Bool = false) -> String {
    let dims = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    return "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(dims), }"
  }

  /// Little-endian bytes of Float32 values.
  static func f32(_ v: [Float]) -> [UInt8] { TensorData.littleEndianBytes(v.map(\.bitPattern)) }
}
