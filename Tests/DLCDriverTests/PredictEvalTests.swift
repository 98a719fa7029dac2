/// `dlc eval` and `dlc predict` end to end, on checkpoints trained for a few epochs:
/// the JSON and text forms of evaluation, class probabilities that are distributions
/// whose arg-max is the predicted class, NPY input, and regression outputs in the
/// data's units.
import DLCDriver
import DLCRuntime
import DLCTraining
import Foundation
import Testing
import _DLCTestSupport

@Suite(.serialized) struct PredictEvalTests {
  /// wine splits its 178 samples 0.6 / 0.2 / 0.2 (stratified); the three evaluations
  /// count every sample once, each as one JSON object on one line.
  @Test func evalPrintsOneJSONObjectPerSplit() throws {
    let ws = try TrainingFixture.Workspace("eval-json")
    defer { ws.remove() }
    try ws.copyExamples(["wine"])
    try #require(ws.train("wine", epochs: 3).status == 0)
    var total = 0
    for split in ["train", "valid", "test"] {
      let r = Driver.eval(ws.options("wine"), checkpoint: ws.checkpoint("wine", "best"), split: split, json: true)
      try #require(r.status == 0, "\(split): \(r.stderr)")
      #expect(r.stderr.isEmpty)
      #expect(r.stdout.hasPrefix("{\"split\":\"\(split)\",\"samples\":") && r.stdout.hasSuffix("}\n"), "\(r.stdout)")
      #expect(r.stdout.filter { $0 == "\n" }.count == 1)
      let object = try TrainingFixture.jsonObject(r.stdout)
      #expect(Set(object.keys) == ["split", "samples", "loss", "accuracy"])
      let samples = try #require(object["samples"] as? Int)
      total += samples
      let loss = try #require(object["loss"] as? Double), accuracy = try #require(object["accuracy"] as? Double)
      #expect(loss.isFinite && loss > 0)
      #expect((0...1).contains(accuracy))
      #expect(accuracy > 0.5, "\(split) accuracy \(accuracy) after 3 epochs")
    }
    #expect(total == 178)

    let text = Driver.eval(ws.options("wine"), checkpoint: ws.checkpoint("wine", "best"), split: "test", json: false)
    #expect(text.stdout.hasPrefix("test: 36 samples\ntest_loss "), "\(text.stdout)")
    #expect(text.stdout.contains("\ntest_accuracy "))

    let bad = Driver.eval(ws.options("wine"), checkpoint: ws.checkpoint("wine", "best"), split: "holdout", json: true)
    #expect(bad.status == 1)
    #expect(bad.stderr.contains("unknown split 'holdout'; use train, valid or test"))
  }

  /// Without `--split`, eval reads the test split when the spec holds one out (wine), else
  /// the valid split, and says so (iris: only `valid: 0.2`); naming a held-out split the
  /// spec does not have is an error that names the one it has.
  @Test func evalDefaultsToTheSplitTheSpecHas() throws {
    let ws = try TrainingFixture.Workspace("eval-default-split")
    defer { ws.remove() }
    try ws.copyExamples(["iris", "wine"])
    try #require(ws.train("iris", epochs: 2).status == 0)
    try #require(ws.train("wine", epochs: 2).status == 0)

    let wine = Driver.eval(ws.options("wine"), checkpoint: ws.checkpoint("wine", "best"), split: nil, json: false)
    #expect(wine.status == 0 && wine.stdout.hasPrefix("test: 36 samples\n"), "\(wine.stdout)\(wine.stderr)")
    let iris = Driver.eval(ws.options("iris"), checkpoint: ws.checkpoint("iris", "best"), split: nil, json: false)
    #expect(iris.status == 0, "\(iris.stderr)")
    #expect(iris.stdout.hasPrefix("valid: 30 samples (the spec holds out no test split)\nvalid_loss "), "\(iris.stdout)")
    let json = Driver.eval(ws.options("iris"), checkpoint: ws.checkpoint("iris", "best"), split: nil, json: true)
    #expect(json.status == 0 && json.stdout.hasPrefix("{\"split\":\"valid\",\"samples\":30,"), "\(json.stdout)")

    let test = Driver.eval(ws.options("iris"), checkpoint: ws.checkpoint("iris", "best"), split: "test", json: false)
    #expect(test.status == 1 && test.stdout.isEmpty)
    #expect(test.stderr.contains("error: the spec has no test split ('data.split' gives 'test' no samples); use '--split valid'"),
            "\(test.stderr)")
  }

  /// An optimized checkpoint runs its own IR, whose data paths were resolved where it was
  /// made, relative to that working folder; evaluated from another folder it reads the
  /// files the spec names, as the spec's other checkpoints do.
  @Test func anOptimizedCheckpointReadsTheSpecsDataFromAnyFolder() throws {
    let dlc = try #require(BuiltProducts.dlc, "the dlc executable is not built beside the test bundle")
    let ws = try TrainingFixture.Workspace("optimized-elsewhere")
    defer { ws.remove() }
    try ws.copyExamples(["iris"])
    for arguments in [["train", "specs/iris.yaml", "--epochs", "2"],
                      ["optimize", "specs/iris.yaml", "--checkpoint", "runs/iris/best.safetensors", "--passes", "fold-batchnorm"]] {
      let r = try TrainingFixture.run(dlc, arguments, in: ws.root)
      try #require(r.status == 0, "\(arguments): \(r.output)")
    }
    let elsewhere = ws.root + "/elsewhere"
    try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
    let optimized = ws.root + "/runs/iris/optimized.safetensors"
    let here = try TrainingFixture.run(dlc, ["eval", "specs/iris.yaml", "--checkpoint", optimized, "--json"], in: ws.root)
    let there = try TrainingFixture.run(dlc, ["eval", ws.spec("iris"), "--checkpoint", optimized, "--json"], in: elsewhere)
    #expect(here.status == 0 && here.output.hasPrefix("{\"split\":\"valid\""), "\(here.output)")
    #expect(there.status == 0 && there.output == here.output, "\(there.output)")
  }

  /// iris: a header, one row per sample of the CSV, probabilities summing to 1 and the
  /// class column their arg-max; nothing on standard output when `--output` is given.
  @Test func predictWritesClassesAndProbabilities() throws {
    let ws = try TrainingFixture.Workspace("predict-iris")
    defer { ws.remove() }
    try ws.copyExamples(["iris"])
    try #require(ws.train("iris", epochs: 3).status == 0)
    let output = ws.root + "/preds.csv"
    let r = Driver.predict(ws.options("iris"), checkpoint: ws.checkpoint("iris", "last"),
                           input: Golden.root + "/specs/data/iris.csv", output: output)
    try #require(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.isEmpty)
    let rows = try Self.csv(String(contentsOfFile: output, encoding: .utf8))
    #expect(rows.header == ["label", "probability_0", "probability_1", "probability_2"])
    #expect(rows.values.count == 150)
    Self.expectDistributions(rows.values)

    // The predictions are the model's: most of the true labels after 3 epochs.
    let truth = try Self.csv(String(contentsOfFile: Golden.root + "/specs/data/iris.csv", encoding: .utf8)).values.map { $0[4] }
    let correct = zip(rows.values, truth).count { $0[0] == $1 }
    #expect(correct > 100, "\(correct) of 150 correct")
  }

  /// digits_cnn reads NPY samples of [1, 8, 8]; predict takes the same NPY file.
  @Test func predictReadsNPYInput() throws {
    let ws = try TrainingFixture.Workspace("predict-npy")
    defer { ws.remove() }
    try ws.copyExamples(["digits_cnn"])
    try #require(ws.train("digits_cnn", epochs: 1).status == 0)
    let r = Driver.predict(ws.options("digits_cnn"), checkpoint: ws.checkpoint("digits_cnn", "last"),
                           input: Golden.root + "/specs/data/digits_x.npy", output: nil)
    try #require(r.status == 0, "\(r.stderr)")
    let rows = try Self.csv(r.stdout)
    #expect(rows.header == ["class"] + (0..<10).map { "probability_\($0)" })
    #expect(rows.values.count == 1797)
    Self.expectDistributions(rows.values)
    #expect(Set(rows.values.map { $0[0] }).count > 1, "every sample got one class")
  }

  /// diabetes: outputs in the target's units (progression 25–346), although the model
  /// learns a standardized target; eval adds R² and the baseline's RMSE.
  @Test func regressionPredictsInTheDataUnits() throws {
    let ws = try TrainingFixture.Workspace("predict-regression")
    defer { ws.remove() }
    try ws.copyExamples(["diabetes_regression"])
    try #require(ws.train("diabetes_regression", epochs: 3).status == 0)
    let r = Driver.predict(ws.options("diabetes_regression"), checkpoint: ws.checkpoint("diabetes_regression", "last"),
                           input: Golden.root + "/specs/data/diabetes.csv", output: nil)
    try #require(r.status == 0, "\(r.stderr)")
    let rows = try Self.csv(r.stdout)
    #expect(rows.header == ["progression"])
    #expect(rows.values.count == 442)
    let mean = rows.values.map { $0[0] }.reduce(0, +) / Double(rows.values.count)
    #expect((25...346).contains(mean), "mean prediction \(mean)")

    let eval = Driver.eval(ws.options("diabetes_regression"), checkpoint: ws.checkpoint("diabetes_regression", "last"),
                           split: "test", json: true)
    try #require(eval.status == 0, "\(eval.stderr)")
    let object = try TrainingFixture.jsonObject(eval.stdout)
    #expect(Set(object.keys) == ["split", "samples", "loss", "mae", "rmse", "r2", "baseline_rmse"])
    let mae = try #require(object["mae"] as? Double), baseline = try #require(object["baseline_rmse"] as? Double)
    // In progression units: the trivial regressor is off by tens, not by fractions.
    #expect(mae > 1 && mae < 200)
    #expect(baseline > 30 && baseline < 150)
  }

  /// Two regression targets in different units (progression 25–346, s5 about 3–6):
  /// `dlc eval` reports mae, rmse and r2 per target beside the pooled values (text and
  /// JSON), the run log has them per epoch, and `valid_r2` can be monitored.
  @Test func multiTargetRegressionReportsEachTarget() throws {
    let ws = try TrainingFixture.Workspace("eval-targets")
    defer { ws.remove() }
    try ws.copyExamples(["diabetes_regression"]) { text in
      let edited = text.replacingOccurrences(of: "target: progression}", with: "target: [progression, s5]}")
        .replacingOccurrences(of: "input: [10]", with: "input: [9]")
        .replacingOccurrences(of: "    - dense: 1\n      name: progression", with: "    - dense: 2")
        .replacingOccurrences(of: "metrics: [mae, rmse]", with: "metrics: [mae, rmse, r2]")
        .replacingOccurrences(of: "monitor: valid_mae", with: "monitor: valid_r2")
      return edited
    }
    let trained = ws.train("diabetes_regression", epochs: 3)
    try #require(trained.status == 0, "\(trained.stderr)")
    let log = try String(contentsOfFile: ws.root + "/runs/diabetes_regression/log.jsonl", encoding: .utf8)
    let first = try TrainingFixture.jsonObject(String(log.split(separator: "\n")[0]))
    for key in ["train_mae[progression]", "train_r2[s5]", "valid_rmse[s5]", "valid_r2", "valid_r2[progression]"] {
      #expect(first[key] is Double, "\(key) missing from \(first.keys.sorted())")
    }

    let checkpoint = ws.checkpoint("diabetes_regression", "best")
    let eval = Driver.eval(ws.options("diabetes_regression"), checkpoint: checkpoint, split: "test", json: true)
    try #require(eval.status == 0, "\(eval.stderr)")
    let object = try TrainingFixture.jsonObject(eval.stdout)
    let targets = try #require(object["targets"] as? [String: [String: Double]], "\(eval.stdout)")
    #expect(Set(targets.keys) == ["progression", "s5"])
    let progression = try #require(targets["progression"]), s5 = try #require(targets["s5"])
    #expect(Set(progression.keys) == ["mae", "rmse", "r2"])
    // Different units: the pooled mae is dominated by progression; it is the mean of the two.
    let mae = try #require(object["mae"] as? Double), r2 = try #require(object["r2"] as? Double)
    #expect(progression["mae"]! > 10 * s5["mae"]!, "\(targets)")
    #expect(abs(mae - (progression["mae"]! + s5["mae"]!) / 2) <= 1e-9 * mae)
    #expect(abs(r2 - (progression["r2"]! + s5["r2"]!) / 2) <= 1e-9)
    let text = Driver.eval(ws.options("diabetes_regression"), checkpoint: checkpoint, split: "test", json: false)
    #expect(text.stdout.contains("\ntest_mae[progression] ") && text.stdout.contains("\ntest_r2[s5] "), "\(text.stdout)")
  }

  /// With class weights, the loss of a split is Σ wᵢlᵢ / Σ wᵢ over all its samples: the
  /// same whether it is evaluated in batches of 16 or in one batch (where the loss op
  /// itself computes exactly that). Averaging batch means was off by about 1%.
  @Test func classWeightedLossIsTheSplitsWeightedMean() throws {
    let ws = try TrainingFixture.Workspace("eval-class-weights")
    defer { ws.remove() }
    try ws.copyExamples(["iris"]) { $0.replacingOccurrences(of: "loss: cross_entropy", with: "loss: {cross_entropy: {class_weights: [0.2, 5, 1]}}") }
    try #require(ws.train("iris", epochs: 3).status == 0)
    let (module, diagnostics) = Driver.module(forSpecAt: ws.spec("iris"))
    let checked = try #require(module, "\(diagnostics)")
    var run = try RunDescription(module: checked, specText: "")
    #expect(run.lossClassWeights == .given([0.2, 5, 1]))
    func loss(batch: Int) throws -> Double {
      run.train.batchSize = batch
      let evaluation = try Inference.evaluate(run: run, checkpoint: ws.checkpoint("iris", "last"), split: "train") {
        InterpreterBackend(module: checked, seed: $0)
      }
      return try #require(evaluation.metrics.first { $0.name == "loss" }?.value)
    }
    let batched = try loss(batch: 16), whole = try loss(batch: 120)
    #expect(abs(batched - whole) <= 2e-6 * whole, "batches of 16: \(batched), one batch: \(whole)")
  }

  /// wine names its features, so a predict input may leave out the target column.
  @Test func predictInputNeedsNoTargetColumn() throws {
    let ws = try TrainingFixture.Workspace("predict-features")
    defer { ws.remove() }
    try ws.copyExamples(["wine"])
    try #require(ws.train("wine", epochs: 1).status == 0)
    let full = try String(contentsOfFile: Golden.root + "/specs/data/wine.csv", encoding: .utf8)
    let lines = full.split(separator: "\n")
    let target = try #require(lines[0].split(separator: ",").firstIndex(of: "label"))
    let features = lines.map { $0.split(separator: ",", omittingEmptySubsequences: false).enumerated()
      .filter { $0.offset != target }.map(\.element).joined(separator: ",") }.joined(separator: "\n") + "\n"
    let input = try ws.write("features.csv", Data(features.utf8))
    let checkpoint = ws.checkpoint("wine", "last")
    let a = Driver.predict(ws.options("wine"), checkpoint: checkpoint, input: Golden.root + "/specs/data/wine.csv", output: nil)
    let b = Driver.predict(ws.options("wine"), checkpoint: checkpoint, input: input, output: nil)
    #expect(a.status == 0 && b.status == 0, "\(a.stderr)\(b.stderr)")
    #expect(a.stdout == b.stdout)
    #expect(a.stdout.split(separator: "\n").count == 179)
  }

  /// iris with its columns in another order (the target first) predicts exactly what the
  /// training file's order does: columns are matched by their header names. A missing
  /// feature column and a repeated header name are errors that name the column.
  @Test func predictMatchesColumnsByName() throws {
    let ws = try TrainingFixture.Workspace("predict-by-name")
    defer { ws.remove() }
    try ws.copyExamples(["iris"])
    try #require(ws.train("iris", epochs: 3).status == 0)
    let lines = try String(contentsOfFile: Golden.root + "/specs/data/iris.csv", encoding: .utf8).split(separator: "\n")
    func reordered(_ order: [Int], rename: [String: String] = [:]) -> String {
      lines.enumerated().map { (i, line) in
        let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        return order.map { i == 0 ? rename[cells[$0]] ?? cells[$0] : cells[$0] }.joined(separator: ",")
      }.joined(separator: "\n") + "\n"
    }
    let checkpoint = ws.checkpoint("iris", "last")
    let original = Driver.predict(ws.options("iris"), checkpoint: checkpoint, input: Golden.root + "/specs/data/iris.csv", output: nil)
    try #require(original.status == 0, "\(original.stderr)")
    for order in [[4, 3, 2, 1, 0], [2, 0, 3, 1], [1, 4, 0, 3, 2]] {
      let input = try ws.write("reordered.csv", Data(reordered(order).utf8))
      let r = Driver.predict(ws.options("iris"), checkpoint: checkpoint, input: input, output: nil)
      #expect(r.status == 0, "\(order): \(r.stderr)")
      #expect(r.stdout == original.stdout, "\(order)")
    }

    let missing = try ws.write("missing.csv", Data(reordered([0, 1, 3, 4]).utf8))
    let m = Driver.predict(ws.options("iris"), checkpoint: checkpoint, input: missing, output: nil)
    #expect(m.status == 1)
    #expect(m.stderr.contains("missing.csv:1: error: the header has no column 'petal_length_cm' (the model's feature 3 of 4)"), "\(m.stderr)")

    let twice = try ws.write("twice.csv", Data(reordered([0, 1, 2, 3, 4], rename: ["label": "sepal_width_cm"]).utf8))
    let t = Driver.predict(ws.options("iris"), checkpoint: checkpoint, input: twice, output: nil)
    #expect(t.status == 1)
    #expect(t.stderr.contains("twice.csv:1:5: error: column 5 of the header has the name 'sepal_width_cm' of column 2"), "\(t.stderr)")
  }

  // MARK: CSV

  /// A CSV of numbers: the header and the rows.
  static func csv(_ text: String) throws -> (header: [String], values: [[Double]]) {
    struct NotANumber: Error { var cell: Substring }
    let lines = text.split(separator: "\n")
    let header = lines.first.map { $0.split(separator: ",").map(String.init) } ?? []
    let values = try lines.dropFirst().map { line in
      try line.split(separator: ",").map { cell in
        guard let v = Double(cell) else { throw NotANumber(cell: cell) }
        return v
      }
    }
    return (header, values)
  }

  /// Each row: a class index, then probabilities that sum to 1 (to the printed
  /// precision) and whose largest is at that index.
  static func expectDistributions(_ rows: [[Double]]) {
    for (i, row) in rows.enumerated() {
      let probabilities = Array(row.dropFirst())
      let sum = probabilities.reduce(0, +)
      #expect(abs(sum - 1) < 1e-4, "row \(i + 1): probabilities sum to \(sum)")
      #expect(probabilities.allSatisfy { (0...1).contains($0) })
      let best = probabilities.indices.max { probabilities[$0] < probabilities[$1] }!
      #expect(probabilities[Int(row[0])] == probabilities[best], "row \(i + 1): class \(row[0]), arg-max \(best)")
    }
  }
}
