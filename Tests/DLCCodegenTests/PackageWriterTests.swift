/// The package around the model: manifest, README, the run as constants and the command
/// line are golden per example; the carried modules are dlc's own files; `dlc compile -o`
/// writes a package for every example quickly.
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

  /// Writing the whole package (over 40 files) takes well under 100 ms per example.
  @Test func compileWritesEveryPackageQuickly() throws {
    try RepoRoot.enter()
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("dlc-packages-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: root) }
    for example in ModelEmitterTests.examples {
      let start = DispatchTime.now()
      let result = Driver.emitPackage(SpecOptions(path: "specs/\(example).yaml"), to: root + "/" + example)
      let ms = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e6
      #expect(result.status == 0, "\(example): \(result.stderr)")
      #expect(FileManager.default.fileExists(atPath: root + "/\(example)/Package.swift"))
      // Not a benchmark: a debug build, a generous bound that catches accidental blow-ups.
      #expect(ms < 1000, "\(example) took \(ms) ms")
    }
  }
}
