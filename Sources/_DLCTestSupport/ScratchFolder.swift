/// A fresh folder for the files one test writes (specs, runs, packages).
import Foundation

public struct ScratchFolder: Sendable {
  /// The folder's absolute path.
  public let path: String

  /// Creates `dlc-<label>-<uuid>` under the temporary directory.
  public init(_ label: String) throws {
    path = FileManager.default.temporaryDirectory.appendingPathComponent("dlc-\(label)-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  /// Writes `text` to `name` in the folder (creating its subfolders) and returns the file's path.
  @discardableResult
  public func write(_ text: String, to name: String) throws -> String {
    let file = path + "/" + name
    try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try text.write(toFile: file, atomically: true, encoding: .utf8)
    return file
  }

  /// Removes the folder and everything in it.
  public func remove() { try? FileManager.default.removeItem(atPath: path) }
}
