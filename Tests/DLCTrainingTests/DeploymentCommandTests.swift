/// An emitted trainer's deployment passes: handed to dlc when it and the spec are there,
/// else a reason and the command to run; a failing dlc fails the command.
import Foundation
import Testing

@testable import DLCTraining

@Suite struct DeploymentCommandTests {
  /// A spec file with `text` in a fresh folder, and that folder.
  static func spec(_ text: String) throws -> (path: String, folder: String) {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dlc-deploy-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    try text.write(toFile: folder + "/m.yaml", atomically: true, encoding: .utf8)
    return (folder + "/m.yaml", folder)
  }

  @Test func withoutDlcItSaysWhyAndPrintsTheCommand() throws {
    let (path, folder) = try Self.spec("name: m\n")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let command = DeploymentCommand(passes: "fold-batchnorm", spec: path, dlc: folder + "/missing/dlc")
    var written = ""
    let outcome = try command.run(checkpoint: "runs/m/best.safetensors", output: "runs/m/optimized.safetensors",
                                  specText: "name: m\n", searchPath: folder) { written += $0 }
    #expect(outcome == .notRun(reason: "dlc is not found (not at '\(folder)/missing/dlc', nor on the PATH)"))
    #expect(written.isEmpty)
    let unrecorded = try DeploymentCommand(passes: "fold-batchnorm", spec: path, dlc: nil)
      .run(checkpoint: "c", output: "o", specText: "name: m\n", searchPath: folder) { written += $0 }
    #expect(unrecorded == .notRun(reason: "dlc is not on the PATH"))
    #expect(command.commandLine(checkpoint: "runs/my m/best.safetensors", output: "runs/m/optimized.safetensors")
      == "dlc optimize \(path) --checkpoint 'runs/my m/best.safetensors' -o runs/m/optimized.safetensors")
  }

  @Test func aChangedOrMissingSpecIsNotOptimizedSilently() throws {
    let (path, folder) = try Self.spec("name: m\nseed: 2\n")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let changed = try DeploymentCommand(passes: "quantize", spec: path, dlc: "/bin/true")
      .run(checkpoint: "c", output: "o", specText: "name: m\n", searchPath: "") { _ in }
    #expect(changed == .notRun(reason: "the spec '\(path)' changed since this package was compiled; compile it again"))
    let missing = try DeploymentCommand(passes: "quantize", spec: folder + "/gone.yaml", dlc: "/bin/true")
      .run(checkpoint: "c", output: "o", specText: "name: m\n", searchPath: "") { _ in }
    #expect(missing == .notRun(reason: "the spec '\(folder)/gone.yaml' this package was compiled from cannot be read"))
  }

  /// A run on other data (`--data`) is not optimized on the spec's data, even with dlc there.
  @Test func aRunOnOtherDataIsNotOptimizedOnTheSpecsData() throws {
    let (path, folder) = try Self.spec("name: m\n")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    var written = ""
    let outcome = try DeploymentCommand(passes: "quantize", spec: path, dlc: "/bin/false")
      .run(checkpoint: "c", output: "o", specText: "name: m\n", dataReplaced: true, searchPath: "") { written += $0 }
    #expect(outcome == .notRun(reason: "this run read other data ('--data', '--targets'), and the passes calibrate and fine-tune on the spec's"))
    #expect(written.isEmpty)
  }

  /// dlc is found on the search path when the recorded one is gone; its failure is an error.
  @Test func aFailingDlcFailsTheCommand() throws {
    let (path, folder) = try Self.spec("name: m\n")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try FileManager.default.createSymbolicLink(atPath: folder + "/dlc", withDestinationPath: "/bin/false")
    let command = DeploymentCommand(passes: "quantize", spec: path, dlc: nil)
    #expect(command.executable(searchPath: "/nonexistent:" + folder) == folder + "/dlc")
    var written = ""
    #expect(throws: TrainingError.self) {
      try command.run(checkpoint: "c", output: "o", specText: "name: m\n", searchPath: folder) { written += $0 }
    }
    #expect(written.hasPrefix("deployment passes (quantize): \(folder)/dlc optimize \(path) --checkpoint c -o o\n"), "\(written)")
  }
}
