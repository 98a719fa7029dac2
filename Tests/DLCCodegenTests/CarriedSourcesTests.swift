import Foundation
import Testing
import _DLCTestSupport

@testable import DLCCodegen

/// The sources embedded for emitted packages (generated at build time by
/// Plugins/CarriedSources) are exactly dlc's own, file for file, and so are the build settings.
@Suite struct CarriedSourcesTests {
  /// Every file of the carried folders on disk an emitted package needs, sorted by path.
  static func onDisk() throws -> [(path: String, text: String)] {
    var files: [(path: String, text: String)] = []
    for folder in CarriedSources.folders {
      let root = Golden.root + "/" + folder
      guard let walker = FileManager.default.enumerator(atPath: root) else { continue }
      for case let relative as String in walker {
        let name = (relative as NSString).lastPathComponent
        guard name.hasSuffix(".swift") || name.hasSuffix(".c") || name.hasSuffix(".h") || name == "module.modulemap" else { continue }
        files.append((folder + "/" + relative, try String(contentsOfFile: root + "/" + relative, encoding: .utf8)))
      }
    }
    return files.sorted { $0.path < $1.path }
  }

  /// The runtime (DLCTraining) and every module it depends on are carried, nothing else.
  @Test func theCarriedFoldersAreTheRuntimeAndItsDependencies() {
    #expect(CarriedSources.folders == [
      "Sources/CInt8GEMM", "Sources/COpenBLAS", "Sources/DLCBasics", "Sources/DLCKernels", "Sources/DLCTraining",
    ])
  }

  /// The compiled-in copy equals the files on disk (a stale build would carry old code).
  @Test func embeddedSourcesEqualTheFilesOnDisk() throws {
    let disk = try Self.onDisk()
    #expect(CarriedSources.files.map(\.path) == disk.map(\.path))
    for (embedded, file) in zip(CarriedSources.files, disk) {
      #expect(embedded.text == file.text, "\(file.path) differs from its embedded copy")
    }
  }

  /// The embedded build settings are the marked section of Package.swift, markers included.
  @Test func embeddedBuildSettingsAreThoseOfPackageSwift() throws {
    let manifest = try String(contentsOfFile: Golden.root + "/Package.swift", encoding: .utf8)
    let settings = CarriedSources.buildSettings
    #expect(settings.hasPrefix("// BEGIN build settings") && settings.contains("\n// END build settings"))
    #expect(manifest.contains(settings + "\n"))
  }
}
