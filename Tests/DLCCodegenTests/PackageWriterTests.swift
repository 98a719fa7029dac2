/// The package around the model: manifest, README, the run as constants and the command
/// line are golden per example; the carried modules are dlc's own files; `dlc compile -o`
/// writes a package for every example, and again rewrites only what changed.
import DLCDriver
import DLCIR
import DLCRuntime
import DLCTraining
import Foundation
import Testing
import _DLCTestSupport

@testable import DLCCodegen

@Suite struct PackageWriterTests {
  /// The files an example's package holds besides the carried modules, one after another
  /// under `== path ==` headers (Model.swift and DeployedModel.swift have their own goldens).
  static func ownFiles(_ example: String) throws -> (text: String, all: [(path: String, text: String)]) {
    let (module, spec) = try ModelEmitterTests.module(example)
    let run = try RunDescription(module: module, specText: spec)
    let deployed = ModelEmitterTests.deployedExamples.contains(example) ? try ModelEmitterTests.deployed(example) : nil
    let files = PackageWriter.files(
      run: run, model: try ModelEmitter.emit(module, specText: spec), deployed: deployed, specText: spec)
    let carried = Set(CarriedSources.files.map(\.path))
    #expect(files.contains { !carried.contains($0.path) && $0.path.hasSuffix("/DeployedModel.swift") } == (deployed != nil))
    let own = files.filter { !carried.contains($0.path) && !$0.path.hasSuffix("Model.swift") }
    return (own.map { "== \($0.path) ==\n\($0.text)" }.joined(separator: "\n"), files)
  }

  @Test(arguments: ModelEmitterTests.examples)
  func packageFilesMatchGolden(_ example: String) throws {
    let (text, files) = try Self.ownFiles(example)
    if let failure = Golden.check(text, against: "golden/specs/\(example).package") { Issue.record(Comment(rawValue: failure)) }
    // The carried modules are present verbatim, and nothing refers to dlc itself.
    for carried in CarriedSources.files {
      #expect(files.contains { $0.path == carried.path && $0.text == carried.text }, "\(carried.path) missing")
    }
    let manifest = try #require(files.first { $0.path == "Package.swift" }?.text)
    #expect(!manifest.contains(".package(") && !manifest.contains("DLCIR") && !manifest.contains("DLCRuntime"))
    #expect(!text.contains("/work/") && !text.contains("/tmp/"), "machine paths in \(example)'s package")
  }

  /// `dlc compile -o` writes a package for every example (its speed is measured by
  /// bench/compile_bench.py, not here).
  @Test func compileWritesEveryPackage() throws {
    try RepoRoot.enter()
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("dlc-packages-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: root) }
    for example in ModelEmitterTests.examples {
      let result = Driver.emitPackage(SpecOptions(path: "specs/\(example).yaml"), to: root + "/" + example)
      #expect(result.status == 0, "\(example): \(result.stderr)")
      #expect(FileManager.default.fileExists(atPath: root + "/\(example)/Package.swift"))
    }
  }

  /// Emitting again into a package leaves the files that did not change alone (same
  /// inode, same modification time, so `swift build` does not recompile them), rewrites
  /// the ones that did, and leaves no temporary files behind.
  @Test func emittingAgainRewritesOnlyWhatChanged() throws {
    try RepoRoot.enter()
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("dlc-reemit-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: root) }
    try FileManager.default.createDirectory(atPath: root + "/specs", withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(atPath: root + "/specs/data", withDestinationPath: Golden.root + "/specs/data")
    let spec = root + "/specs/iris.yaml", package = root + "/package"
    var text = try String(contentsOfFile: Golden.root + "/specs/iris.yaml", encoding: .utf8)
    try text.write(toFile: spec, atomically: true, encoding: .utf8)
    try #require(Driver.emitPackage(SpecOptions(path: spec), to: package).status == 0)

    func identity(_ path: String) throws -> (inode: Int, modified: Date) {
      let a = try FileManager.default.attributesOfItem(atPath: package + "/" + path)
      return ((a[.systemFileNumber] as? Int) ?? -1, (a[.modificationDate] as? Date) ?? .distantPast)
    }
    let kernels = "Sources/DLCKernels/Dense.swift", model = "Sources/IrisTrainer/Model.swift"
    let (kernelsBefore, modelBefore) = (try identity(kernels), try identity(model))
    let modelText = try String(contentsOfFile: package + "/" + model, encoding: .utf8)

    // A different hidden width changes the model, not the kernels.
    text = text.replacingOccurrences(of: "dense: 16", with: "dense: 24")
    try #require(text.contains("dense: 24"), "iris.yaml no longer has a 'dense: 16' layer")
    try text.write(toFile: spec, atomically: true, encoding: .utf8)
    try #require(Driver.emitPackage(SpecOptions(path: spec), to: package).status == 0)

    let kernelsAfter = try identity(kernels), modelAfter = try identity(model)
    #expect(kernelsAfter.inode == kernelsBefore.inode && kernelsAfter.modified == kernelsBefore.modified)
    #expect(modelAfter.inode != modelBefore.inode)
    #expect(try String(contentsOfFile: package + "/" + model, encoding: .utf8) != modelText)
    let leftovers = FileManager.default.enumerator(atPath: package)?.compactMap { $0 as? String }.filter { $0.contains(".tmp-") }
    #expect(leftovers == [])
  }

  /// A file that cannot be written (here a folder stands where Model.swift goes, in a
  /// folder written into with '--force') is an error naming the file and the reason,
  /// status 1, and leaves no temporary file.
  @Test func aFileThatCannotBeWrittenIsAClearError() throws {
    try RepoRoot.enter()
    let package = FileManager.default.temporaryDirectory.appendingPathComponent("dlc-blocked-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: package) }
    try FileManager.default.createDirectory(atPath: package + "/Sources/IrisTrainer/Model.swift/inside", withIntermediateDirectories: true)
    let result = Driver.emitPackage(SpecOptions(path: "specs/iris.yaml"), to: package, force: true)
    #expect(result.status == 1)
    #expect(result.stderr.contains("\(package)/Sources/IrisTrainer/Model.swift: error: cannot write: is a directory"), "\(result.stderr)")
    let leftovers = FileManager.default.enumerator(atPath: package)?.compactMap { $0 as? String }.filter { $0.contains(".tmp-") }
    #expect(leftovers == [])
  }
}
