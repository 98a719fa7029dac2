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

  /// The generator keeps any text as written: quotes and backslashes followed by runs of
  /// `#` (which would end or interpolate a raw literal with fewer), carriage returns (which
  /// a multi-line literal would drop), tabs, non-ASCII. Its output, compiled and run, gives
  /// back every file byte for byte, and a manifest without the settings section is an error.
  @Test func generatedSourceGivesBackAnyTextAsWritten() throws {
    let fm = FileManager.default
    let work = fm.temporaryDirectory.appendingPathComponent("dlc-carried-\(UUID().uuidString)").path
    defer { try? fm.removeItem(atPath: work) }
    try fm.createDirectory(atPath: work + "/Sources/M", withIntermediateDirectories: true)
    let texts = [
      "Sources/M/a.swift": "let s = \"\"\"#\nx\n\"\"\"##\nlet t = \"\\#(1)\\##(2)\" // \"###\n",
      "Sources/M/b.c": "int x;\r\n/* \tα → β */\r\n",
      "Sources/M/c.h": "",
    ]
    for (path, text) in texts { try text.write(toFile: work + "/" + path, atomically: true, encoding: .utf8) }
    let settings = "// BEGIN build settings\nlet x = 1 // \"#\n// END build settings"
    try "import PackageDescription\n\(settings)\nlet package = 1\n".write(toFile: work + "/Package.swift", atomically: true, encoding: .utf8)

    let generator = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("carried-sources").path
    try #require(fm.isExecutableFile(atPath: generator), "no generator at \(generator)")
    let arguments = [work + "/CarriedSources.swift", work, work + "/Package.swift", "Sources/M", "--"] + texts.keys.sorted()
    let generated = try EmittedPackageTests.run(generator, arguments, in: work)
    try #require(generated.status == 0, "\(generated.output)")

    // Print every embedded text as bytes, then compare with the files.
    try """
      for file in CarriedSources.files { print(file.path, Array(file.text.utf8)) }
      print("settings", Array(CarriedSources.buildSettings.utf8))
      """.write(toFile: work + "/main.swift", atomically: true, encoding: .utf8)
    let compiled = try EmittedPackageTests.run(
      "/usr/bin/env", ["swiftc", "-Onone", work + "/CarriedSources.swift", work + "/main.swift", "-o", work + "/dump"], in: work)
    try #require(compiled.status == 0, "\(compiled.output)")
    let dumped = try EmittedPackageTests.run(work + "/dump", [], in: work)
    var expected = texts.keys.sorted().map { "\($0) \(Array(texts[$0]!.utf8))" }
    expected.append("settings \(Array(settings.utf8))")
    #expect(dumped.output == expected.joined(separator: "\n") + "\n")

    // Without the section, no file and a clear error.
    try "import PackageDescription\n".write(toFile: work + "/Package.swift", atomically: true, encoding: .utf8)
    try fm.removeItem(atPath: work + "/CarriedSources.swift")
    let refused = try EmittedPackageTests.run(generator, arguments, in: work)
    #expect(refused.status == 1 && refused.output.contains("has no '// BEGIN build settings'"), "\(refused.output)")
    #expect(!fm.fileExists(atPath: work + "/CarriedSources.swift"))
  }
}
