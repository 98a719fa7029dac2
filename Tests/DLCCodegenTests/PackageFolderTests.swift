/// `dlc compile -o DIR` writes only into a new or empty folder or an earlier dlc package
/// (known by its marker file) unless `--force`; emitting again removes the files the
/// earlier package had and the new one does not, and nothing outside the folder.
import DLCDriver
import DLCTraining
import Foundation
import Testing
import _DLCTestSupport

@Suite(.serialized) struct PackageFolderTests {
  /// A temporary folder with `specs/` (copies of examples, beside a link to their data).
  static func workspace(_ label: String, _ examples: [String]) throws -> String {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("dlc-\(label)-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: root + "/specs", withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(atPath: root + "/specs/data", withDestinationPath: Golden.root + "/specs/data")
    for name in examples {
      try FileManager.default.copyItem(atPath: Golden.root + "/specs/\(name).yaml", toPath: root + "/specs/\(name).yaml")
    }
    return root
  }

  @Test func aFolderOfTheUsersIsRefusedUnlessForced() throws {
    let root = try Self.workspace("package-user", ["iris"])
    defer { try? FileManager.default.removeItem(atPath: root) }
    let folder = root + "/mine", manifest = folder + "/Package.swift"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    try "// my own package\n".write(toFile: manifest, atomically: true, encoding: .utf8)
    let spec = SpecOptions(path: root + "/specs/iris.yaml")

    let refused = Driver.emitPackage(spec, to: folder)
    #expect(refused.status == 1)
    #expect(refused.stderr.hasPrefix(folder + ": error: the folder is not empty and holds no package dlc wrote"), "\(refused.stderr)")
    #expect(refused.stderr.contains("'--force'"))
    #expect(try String(contentsOfFile: manifest, encoding: .utf8) == "// my own package\n")

    let forced = Driver.emitPackage(spec, to: folder, force: true)
    try #require(forced.status == 0, "\(forced.stderr)")
    #expect(try String(contentsOfFile: manifest, encoding: .utf8) != "// my own package\n")
    // Now it is a dlc package: emitting again needs no '--force'.
    #expect(Driver.emitPackage(spec, to: folder).status == 0)
  }

  /// digits_mlp lists deployment passes, so its package has DeployedModel.swift; without
  /// them, emitted again into the same folder, that file is gone. A marker edited to
  /// name a file outside the folder does not make dlc remove it.
  @Test func emittingAgainRemovesFilesTheEarlierPackageHad() throws {
    let root = try Self.workspace("package-stale", ["digits_mlp"])
    defer { try? FileManager.default.removeItem(atPath: root) }
    let spec = root + "/specs/digits_mlp.yaml", folder = root + "/package"
    try #require(Driver.emitPackage(SpecOptions(path: spec), to: folder).status == 0)
    let deployed = folder + "/Sources/DigitsMlpTrainer/DeployedModel.swift"
    try #require(FileManager.default.fileExists(atPath: deployed))

    let outside = root + "/outside.txt"
    try "keep me\n".write(toFile: outside, atomically: true, encoding: .utf8)
    let marker = folder + "/.dlc-package"
    try (String(contentsOfFile: marker, encoding: .utf8) + "../outside.txt\n" + outside + "\n")
      .write(toFile: marker, atomically: true, encoding: .utf8)

    let text = try String(contentsOfFile: spec, encoding: .utf8)
    try text.replacingOccurrences(of: "\noptimize:", with: "\n# optimize:").write(toFile: spec, atomically: true, encoding: .utf8)
    let again = Driver.emitPackage(SpecOptions(path: spec), to: folder)
    try #require(again.status == 0, "\(again.stderr)")
    #expect(!FileManager.default.fileExists(atPath: deployed), "the earlier package's DeployedModel.swift is still there")
    #expect(FileManager.default.fileExists(atPath: folder + "/Sources/DigitsMlpTrainer/Model.swift"))
    #expect(FileManager.default.fileExists(atPath: outside))
  }
}
