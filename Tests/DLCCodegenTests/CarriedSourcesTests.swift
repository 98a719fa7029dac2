import Foundation
import Testing
import _DLCTestSupport

@testable import DLCCodegen

/// The sources embedded for emitted packages are exactly dlc's own, file for file.
@Suite struct CarriedSourcesTests {
  /// Every carried file on disk, sorted by path.
  static func onDisk() throws -> [(path: String, text: String)] {
    let fm = FileManager.default
    var files: [(path: String, text: String)] = []
    for folder in CarriedManifest.folders {
      let root = Golden.root + "/" + folder
      guard let walker = fm.enumerator(atPath: root) else { continue }
      for case let relative as String in walker where CarriedManifest.isCarried((relative as NSString).lastPathComponent) {
        let text = try String(contentsOfFile: root + "/" + relative, encoding: .utf8)
        files.append((folder + "/" + relative, text))
      }
    }
    return files.sorted { $0.path < $1.path }
  }

  @Test func embeddedSourcesAreFresh() throws {
    let disk = try Self.onDisk()
    let generated = CarriedManifest.render(disk)
    let path = Golden.root + "/Sources/DLCCodegen/CarriedSources.swift"
    if ProcessInfo.processInfo.environment["DLC_BLESS"] == "1" {
      try generated.write(toFile: path, atomically: true, encoding: .utf8)
      return
    }
    let current = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    #expect(current == generated, "Sources/DLCCodegen/CarriedSources.swift is stale; regenerate it with `DLC_BLESS=1 swift test --filter CarriedSources` and rebuild")
    // The compiled-in copy matches too (a stale build would carry old code).
    #expect(CarriedSources.files.map(\.path) == disk.map(\.path))
    for (embedded, file) in zip(CarriedSources.files, disk) {
      #expect(embedded.text == file.text, "\(file.path) differs from its embedded copy")
    }
  }

  @Test func noCarriedFileCanEndTheRawString() throws {
    for file in try Self.onDisk() { #expect(!file.text.contains("\"\"\"##########"), "\(file.path)") }
  }
}
