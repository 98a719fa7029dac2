/// `best.safetensors` holds the best epoch by the monitored metric whether or not the
/// spec has early stopping: `valid_loss` by default, `train_loss` when there is no
/// validation split. A resumed run keeps the same best as an uninterrupted one.
import DLCDriver
import DLCTraining
import Foundation
import Testing
import _DLCTestSupport

@Suite(.serialized) struct BestCheckpointTests {
  /// iris with a learning rate so high that the validation loss jumps about: its best
  /// epoch is not its last.
  static func jumpy(name: String, valid: Double = 0.2) -> String {
    """
    dlc: 1
    name: \(name)
    data:
      source: {csv: data/iris.csv, target: label}
      task: classification
      normalize: standardize
      split: {valid: \(valid), test: 0.0}
    model:
      input: [4]
      layers:
        - dense: 32
        - relu
        - dense: 3
    loss: cross_entropy
    train:
      optimizer: {adam: 0.3}
      batch_size: 16
      epochs: 12

    """
  }

  /// The epoch (1-based) of the smallest `key` in the log, and that value.
  static func bestOfLog(_ log: [[String: Any]], _ key: String) throws -> (Int, Double) {
    let values = log.map { ($0["epoch"] as? Int ?? 0, $0[key] as? Double ?? .infinity) }
    return try #require(values.min { $0.1 < $1.1 })
  }

  @Test func bestIsTheEpochOfTheLowestValidationLossWithoutEarlyStopping() throws {
    let ws = try TrainingFixture.Workspace("best-valid")
    defer { ws.remove() }
    try ws.copyExamples([])
    try ws.writeSpec("jumpy", Self.jumpy(name: "jumpy"))
    let r = ws.train("jumpy", epochs: nil)
    try #require(r.status == 0, "\(r.stderr)")
    let (epoch, value) = try Self.bestOfLog(try ws.log("jumpy"), "valid_loss")
    try #require(epoch != 12, "the validation loss no longer jumps: its best epoch is the last, so the test shows nothing")
    #expect(r.stdout.contains("best epoch \(epoch) by 'valid_loss'"), "\(r.stdout)")
    let best = try Checkpoint(contentsOf: ws.checkpoint("jumpy", "best"))
    #expect(best.metadata[Checkpoint.Key.epoch] == "\(epoch)")
    #expect(best.metadata[Checkpoint.Key.best]?.contains("\"monitor\":\"valid_loss\"") == true)
    // Its weights give the logged validation loss of that epoch.
    let eval = Driver.eval(ws.options("jumpy"), checkpoint: ws.checkpoint("jumpy", "best"), split: "valid", json: true)
    let loss = try #require(try TrainingFixture.jsonObject(eval.stdout)["loss"] as? Double)
    #expect(abs(loss - value) <= 1e-4 * max(1, abs(value)), "best evaluates to \(loss), the log says \(value)")
    #expect(try Data(contentsOf: URL(fileURLWithPath: ws.checkpoint("jumpy", "best")))
      != Data(contentsOf: URL(fileURLWithPath: ws.checkpoint("jumpy", "last"))))

    // Six epochs, then resumed to twelve: the same best, byte for byte.
    let half = ws.train("jumpy", epochs: 6, out: "halves")
    try #require(half.status == 0, "\(half.stderr)")
    let resumed = ws.train("jumpy", epochs: 12, resume: true, out: "halves")
    try #require(resumed.status == 0, "\(resumed.stderr)")
    #expect(try Data(contentsOf: URL(fileURLWithPath: ws.checkpoint("jumpy", "best", out: "halves")))
      == Data(contentsOf: URL(fileURLWithPath: ws.checkpoint("jumpy", "best"))))
  }

  @Test func withoutAValidationSplitBestIsByTheTrainingLoss() throws {
    let ws = try TrainingFixture.Workspace("best-train")
    defer { ws.remove() }
    try ws.copyExamples([])
    try ws.writeSpec("jumpy", Self.jumpy(name: "jumpy", valid: 0))
    let r = ws.train("jumpy", epochs: nil)
    try #require(r.status == 0, "\(r.stderr)")
    let (epoch, _) = try Self.bestOfLog(try ws.log("jumpy"), "train_loss")
    #expect(r.stdout.contains("best epoch \(epoch) by 'train_loss'"), "\(r.stdout)")
    #expect(try Checkpoint(contentsOf: ws.checkpoint("jumpy", "best")).metadata[Checkpoint.Key.epoch] == "\(epoch)")
  }
}

/// A validation loss that is not finite stops the run with a diagnostic before the epoch
/// is saved, so `best.safetensors` never holds such an epoch.
@Suite(.serialized) struct NonFiniteValidationTests {
  @Test func aNonFiniteValidationLossStopsTheRunWithoutSavingIt() throws {
    let ws = try TrainingFixture.Workspace("best-inf")
    defer { ws.remove() }
    // y = x1 + x2 on 100 rows; one row of the validation split has x1 = 1e25, which the
    // train split's statistics do not tame: its squared error overflows float32.
    let split = try HoldoutSplit(count: 100, fractions: SplitFractions(valid: 0.2, test: 0, stratify: false), classes: nil, seed: 0)
    let huge = try #require(split.valid.first)
    var csv = "x1,x2,y\n"
    for i in 0..<100 {
      let x1 = i == huge ? 1e25 : Double(i % 10) / 10, x2 = Double(i % 7) / 7
      csv += "\(x1),\(x2),\(x1 + x2)\n"
    }
    let data = try ws.write("sum.csv", Data(csv.utf8))
    try ws.writeSpec("sum", """
      dlc: 1
      name: sum
      data:
        source: {csv: \(data), target: y}
        task: regression
        normalize: standardize
        split: {valid: 0.2, test: 0.0}
      model:
        input: [2]
        layers:
          - dense: 1
      loss: mse
      train:
        optimizer: {sgd: 0.01}
        batch_size: 10
        epochs: 3

      """)
    let r = ws.train("sum", epochs: nil)
    #expect(r.status == 1)
    #expect(r.stderr.contains("error: training diverged: 'valid_loss' is inf at the end of epoch 1"), "\(r.stderr)")
    #expect(r.stderr.contains("the run stopped without saving this epoch"), "\(r.stderr)")
    #expect(!FileManager.default.fileExists(atPath: ws.checkpoint("sum", "best")))
    #expect(!FileManager.default.fileExists(atPath: ws.checkpoint("sum", "last")))
  }
}
