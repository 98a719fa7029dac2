/// Reconstruction with `bce_with_logits`: its targets are the (normalized) inputs, and
/// a target outside [0, 1] gives a negative, meaningless loss. Without normalization a
/// value outside [0, 1] is a data error naming its sample; `minmax` clips held-out values
/// into the train range; `standardize` is refused by `dlc check` (golden
/// `bce_reconstruction_standardized`).
import DLCDriver
import Foundation
import Testing
import _DLCTestSupport

@Suite(.serialized) struct ProbabilityTargetTests {
  /// A reconstruction spec over `data.csv` (3 features) with `normalize`.
  private func spec(_ normalize: String) -> String {
    """
    dlc: 1
    name: probabilities
    data:
      source: {csv: data.csv}
      task: reconstruction
      split: {valid: 0.25, test: 0.25}
      normalize: \(normalize)
    model:
      input: [3]
      layers:
        - dense: 3
    loss: bce_with_logits
    train:
      optimizer: adam
      batch_size: 8
      epochs: 2
      metrics: [mae]

    """
  }

  /// 40 rows in [0, 1], with `bad` written into row `row` (1-based), feature 2.
  private func data(bad: Double?, row: Int = 17) -> String {
    var lines = ["a,b,c"]
    for i in 1...40 {
      let v = Double(i % 10) / 10
      lines.append("\(v),\(i == row ? bad ?? v : v),\(1 - v)")
    }
    return lines.joined(separator: "\n") + "\n"
  }

  @Test func aValueOutsideTheUnitIntervalIsADataError() throws {
    let ws = try TrainingFixture.Workspace("probabilities")
    defer { ws.remove() }
    try data(bad: 3.5).write(toFile: ws.specs + "/data.csv", atomically: true, encoding: .utf8)
    try ws.writeSpec("probabilities", spec("none"))
    #expect(Driver.check(ws.options("probabilities")).status == 0)
    let result = ws.train("probabilities", epochs: nil)
    #expect(result.status == 1)
    #expect(result.stderr.contains("data.csv: error: sample 17 holds 3.5 in feature 2, outside [0, 1]: 'bce_with_logits' reconstructs probabilities"),
            "\(result.stderr)")
    #expect(result.stderr.contains("help: use 'normalize: minmax'"))
  }

  /// Under minmax, the train split is in [0, 1] by construction and held-out values past
  /// the train range are clipped: the loss of every split is a number ≥ 0.
  @Test func minmaxTargetsAreProbabilities() throws {
    let ws = try TrainingFixture.Workspace("probabilities")
    defer { ws.remove() }
    try data(bad: 3.5).write(toFile: ws.specs + "/data.csv", atomically: true, encoding: .utf8)
    try ws.writeSpec("probabilities", spec("minmax"))
    let result = ws.train("probabilities", epochs: nil)
    try #require(result.status == 0, "\(result.stderr)")
    for split in ["train", "valid", "test"] {
      let eval = Driver.eval(ws.options("probabilities"), checkpoint: ws.checkpoint("probabilities", "last"), split: split, json: true)
      try #require(eval.status == 0, "\(eval.stderr)")
      let metrics = try TrainingFixture.jsonObject(eval.stdout)
      let loss = try #require(metrics["loss"] as? Double)
      let mae = try #require(metrics["mae"] as? Double)
      #expect(loss >= 0 && loss.isFinite, "\(split): loss \(loss)")
      // Probabilities against targets in [0, 1]: an error of at most 1 (logits were unbounded).
      #expect(mae >= 0 && mae <= 1, "\(split): mae \(mae)")
    }
  }
}
