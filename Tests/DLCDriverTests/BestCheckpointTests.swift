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
