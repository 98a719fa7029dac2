import DLCTraining
import Foundation
import Testing
import _DLCTestSupport

/// What a user does after `dlc compile`: run the two commands it printed, verbatim, from
/// the folder where they ran dlc (a spec path and an output folder relative to it). The
/// trainer then finds the data the spec names (against the spec's folder, as dlc does),
/// trains, and ends with the spec's deployment passes through the dlc that compiled it, as
/// `dlc train` does. Moved elsewhere and run from its own folder, the package still finds
/// its data; its `eval` reads the test split by default and scores the optimized checkpoint
/// as `dlc eval` does; its `latency` takes batches above the spec's batch size.
/// (One release build: digits_mlp, whose spec lists fold-batchnorm and quantize.)
@Suite(.serialized) struct PrintedCommandsTests {
  @Test func thePrintedCommandsWorkVerbatimFromWhereDlcRan() throws {
    let dlc = try #require(BuiltProducts.dlc, "the dlc executable is not built beside the test bundle")
    let fm = FileManager.default
    let work = fm.temporaryDirectory.appendingPathComponent("dlc-printed-\(UUID().uuidString)").path
    defer { try? fm.removeItem(atPath: work) }
    let project = work + "/project"
    try fm.createDirectory(atPath: project + "/specs", withIntermediateDirectories: true)
    try fm.createSymbolicLink(atPath: project + "/specs/data", withDestinationPath: Golden.root + "/specs/data")
    try fm.copyItem(atPath: Golden.root + "/specs/digits_mlp.yaml", toPath: project + "/specs/digits_mlp.yaml")

    let compiled = try EmittedPackageTests.run(dlc, ["compile", "specs/digits_mlp.yaml", "-o", "out/digits"], in: project)
    try #require(compiled.status == 0, "\(compiled.output)")
    func line(after prefix: String) throws -> String {
      let found = compiled.output.split(separator: "\n").first { $0.hasPrefix(prefix) }
      return String(try #require(found, "no '\(prefix)' line in:\n\(compiled.output)").dropFirst(prefix.count))
    }
    let buildLine = try line(after: "build it with: "), runLine = try line(after: "then run: ")
    #expect(runLine == "out/digits/.build/release/digits-mlp train")

    let built = try EmittedPackageTests.run("/bin/sh", ["-c", buildLine], in: project)
    try #require(built.status == 0, "\(buildLine) failed:\n\(built.output.suffix(3000))")
    let trained = try EmittedPackageTests.run("/bin/sh", ["-c", runLine], in: project)
    try #require(trained.status == 0, "\(runLine) failed:\n\(trained.output.suffix(3000))")
    #expect(trained.output.contains("checkpoints: runs/digits_mlp/best.safetensors, runs/digits_mlp/last.safetensors"),
            "\(trained.output)")
    // The deployment passes ran through this dlc, as after `dlc train`.
    #expect(trained.output.contains("deployment passes (fold-batchnorm,quantize): \(dlc) optimize \(project)/specs/digits_mlp.yaml"),
            "\(trained.output)")
    #expect(trained.output.contains("wrote runs/digits_mlp/optimized.safetensors"), "\(trained.output)")
    let optimized = project + "/runs/digits_mlp/optimized.safetensors"
    #expect(try Checkpoint(contentsOf: optimized).metadata[Checkpoint.Key.passes] == "fold-batchnorm,quantize")

    // Moved, and run from its own folder as its README says.
    let moved = work + "/moved"
    try fm.moveItem(atPath: project + "/out/digits", toPath: moved)
    let trainer = moved + "/.build/release/digits-mlp"
    let eval = try EmittedPackageTests.run(trainer, ["eval", "--checkpoint", optimized, "--json"], in: moved)
    #expect(eval.status == 0 && eval.output.hasPrefix("{\"split\":\"test\","), "\(eval.output)")
    let own = try EmittedPackageTests.run(dlc, ["eval", "specs/digits_mlp.yaml", "--checkpoint", optimized, "--json"], in: project)
    #expect(own.status == 0 && eval.output == own.output, "emitted \(eval.output), dlc \(own.output)")

    // Batches above the spec's 64 run as calls of at most 64 samples.
    let latency = try EmittedPackageTests.run(trainer, ["latency", "--checkpoint", optimized, "--batch", "1,150", "--seconds", "0.05"],
                                              in: moved)
    #expect(latency.status == 0, "\(latency.output)")
    let lines = latency.output.split(separator: "\n")
    #expect(lines.count == 2 && lines[1].hasPrefix("batch   150 ") && lines[1].hasSuffix("  in 3 calls"), "\(latency.output)")
  }
}
