import DLCDriver
import DLCRuntime
import DLCSpec
import DLCTraining
import Foundation
import Testing
import _DLCTestSupport

/// A model is compared with the memory it may use before anything is allocated: `check`
/// and `train` refuse one whose planned memory (parameters, optimizer state, activations
/// at the batch size) exceeds the machine's available memory or `--max-memory`, at the
/// spec line of its biggest part. Sizes that do not fit in an `Int` are errors, not traps.
@Suite struct MemoryBudgetTests {
  /// A folder with one spec over the iris data whose first layer is `- dense: UNITS`.
  private func spec(units: String, batch: Int = 16) throws -> (folder: String, path: String) {
    let scratch = try ScratchFolder("memory")
    let path = try scratch.write("""
      dlc: 1
      name: big
      data:
        source: {csv: \(Golden.root)/specs/data/iris.csv, target: label}
        task: classification
      model:
        input: [4]
        layers:
          - dense: \(units)
          - relu
          - dense: 3
      loss: cross_entropy
      train:
        optimizer: adam
        batch_size: \(batch)
        epochs: 1
      """, to: "big.yaml")
    return (scratch.path, path)
  }

  @Test func aModelLargerThanAnyMachineIsRefusedByCheckAndTrainBeforeAllocating() throws {
    // dense: 1e9 on 4 inputs: 4e9 weights (16 GB, 64 GB with Adam's state and gradients)
    // plus 60 GB per activation at batch 16; `train` used to abort failing to allocate.
    let (folder, path) = try spec(units: "1000000000")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let check = Driver.check(SpecOptions(path: path))
    #expect(check.status == 1)
    #expect(check.stderr.contains("\(path):9:7: error: the model needs "), "\(check.stderr)")
    #expect(check.stderr.contains("of memory to train, more than the available"), "\(check.stderr)")
    let train = Driver.train(TrainOptions(spec: SpecOptions(path: path), outputDirectory: folder + "/runs")) { _ in }
    #expect(train.status == 1)
    #expect(train.stderr.contains("\(path):9:7: error: the model needs "), "\(train.stderr)")
    #expect(!FileManager.default.fileExists(atPath: folder + "/runs"), "nothing is written for a refused model")
  }

  @Test func maxMemoryLimitsWhatAModelMayPlan() throws {
    let (folder, path) = try spec(units: "8")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let tight = Driver.check(SpecOptions(path: path, maxMemory: 1024))
    #expect(tight.status == 1)
    #expect(tight.stderr.contains("more than the --max-memory limit of 1.0 KiB"), "\(tight.stderr)")
    #expect(tight.stderr.contains("= note: parameters and optimizer state "), "\(tight.stderr)")
    #expect(Driver.check(SpecOptions(path: path, maxMemory: 1 << 30)).status == 0)
  }

  @Test func theBiggestPartIsNamed() throws {
    // 4096 units at batch 1: the weights (4·4096 + 4096·3 floats, ×4 with Adam) outweigh
    // the activations, so the error points at the dense layer and names its parameters.
    let (folder, path) = try spec(units: "4096", batch: 1)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let result = Driver.check(SpecOptions(path: path, maxMemory: 4096))
    #expect(result.stderr.contains("the biggest part is the parameters of 'dense_1'"), "\(result.stderr)")
  }

  @Test func sizesParse() {
    #expect(Driver.parseByteSize("1000") == 1000)
    #expect(Driver.parseByteSize("4K") == 4096)
    #expect(Driver.parseByteSize("512MiB") == 512 << 20)
    #expect(Driver.parseByteSize("2g") == 2 << 30)
    #expect(Driver.parseByteSize("1T") == 1 << 40)
    for bad in ["", "0", "-1", "1.5G", "G", "9223372036854775807T", "12X"] { #expect(Driver.parseByteSize(bad) == nil, "\(bad)") }
  }

  @Test func theEpochLimitIsTheSpecLanguagesAndTheCommandLines() {
    #expect(TrainConfig.maxEpochs == Limits.epochs)
    #expect(TrainOptions.maxEpochs == Limits.epochs)
  }

  @Test func theEmittedTrainersEpochsAreBoundedToo() throws {
    // An emitted trainer's `train --epochs 9223372036854775807` trapped counting the steps.
    try RepoRoot.enter()
    let module = try #require(Driver.module(forSpecAt: "specs/iris.yaml").0)
    let run = try RunDescription(module: module, specText: "")
    var made = false
    let status = TrainerCommandLine.main(["trainer", "train", "--epochs", "9223372036854775807"], run: run) { seed in
      made = true
      return InterpreterBackend(module: module, seed: seed)
    }
    #expect(status == 1)
    #expect(!made, "the epoch count is refused before a model is made")
  }

  @Test func tooManyEpochsOnTheCommandLineAreRefusedNotTrapped() throws {
    let (folder, path) = try spec(units: "8")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let train = Driver.train(TrainOptions(spec: SpecOptions(path: path), epochs: Int.max, outputDirectory: folder + "/runs")) { _ in }
    #expect(train.status == 1)
    #expect(train.stderr.contains("the epochs override"), "\(train.stderr)")
  }
}
