import DLCDriver
import DLCTraining
import Foundation
import Testing
import _DLCTestSupport

/// An emitted trainer honours `precompute_frozen`: digits_transfer's package (its model
/// has `precompute(batch:)` and says `frozenPrefix`) trains to `dlc train`'s weights bit for
/// bit, and its `eval` runs the frozen prefix before the head, scoring as `dlc eval` does.
@Suite(.serialized) struct EmittedPrecomputeTests {
  @Test func emittedTransferTrainerMatchesTheInterpreter() throws {
    let work = FileManager.default.temporaryDirectory.appendingPathComponent("dlc-emitted-precompute-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: work) }
    let specs = work + "/specs"
    try FileManager.default.createDirectory(atPath: specs, withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(atPath: specs + "/data", withDestinationPath: Golden.root + "/specs/data")
    for name in ["digits_autoencoder", "digits_transfer"] {
      try FileManager.default.copyItem(atPath: Golden.root + "/specs/\(name).yaml", toPath: specs + "/\(name).yaml")
    }
    let spec = SpecOptions(path: specs + "/digits_transfer.yaml")
    let base = Driver.train(TrainOptions(spec: SpecOptions(path: specs + "/digits_autoencoder.yaml"), epochs: 2,
                                         outputDirectory: work + "/runs")) { _ in }
    try #require(base.status == 0, "\(base.stderr)")

    let emitted = Driver.emitPackage(spec, to: work + "/package")
    try #require(emitted.status == 0, "\(emitted.stderr)")
    let package = work + "/package"
    let model = try String(contentsOfFile: package + "/Sources/DigitsTransferTrainer/Model.swift", encoding: .utf8)
    #expect(model.contains("public func precompute(batch n: Int)"))
    let build = try EmittedPackageTests.run("/usr/bin/env", ["swift", "build", "-c", "release", "--package-path", package,
                                                              "--scratch-path", package + "/.build"], in: package)
    try #require(build.status == 0, "swift build failed:\n\(build.output.suffix(3000))")
    let executable = package + "/.build/release/digits-transfer"

    let trained = try EmittedPackageTests.run(executable, ["train", "--epochs", "3", "--out", work + "/emitted-runs"], in: work)
    try #require(trained.status == 0, "emitted train failed:\n\(trained.output.suffix(3000))")
    #expect(trained.output.contains("precomputed the frozen prefix"))
    let reference = Driver.train(TrainOptions(spec: spec, epochs: 3, outputDirectory: work + "/dlc-runs")) { _ in }
    try #require(reference.status == 0, "\(reference.stderr)")

    let a = try Checkpoint(contentsOf: work + "/emitted-runs/digits_transfer/last.safetensors")
    let b = try Checkpoint(contentsOf: work + "/dlc-runs/digits_transfer/last.safetensors")
    #expect(Set(a.tensors.keys) == Set(b.tensors.keys))
    for (key, tensor) in b.tensors { #expect(a.tensors[key] == tensor, "tensor \(key) differs") }

    let checkpoint = work + "/dlc-runs/digits_transfer/last.safetensors"
    let own = Driver.eval(spec, checkpoint: checkpoint, split: "test", json: true)
    let cross = try EmittedPackageTests.run(executable, ["eval", "--checkpoint", checkpoint, "--split", "test", "--json"], in: work)
    #expect(cross.status == 0, "\(cross.output)")
    #expect(cross.output == own.stdout)
  }
}
