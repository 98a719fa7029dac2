/// Binary classification on one output unit (`bce_with_logits`, `dense: 1`), end to end:
/// it once trained on class indices read as floats (label 1 as 1.4e-45), so its loss fell
/// to 0.01 while accuracy stayed at the class-0 share (0.377).
import DLCDriver
import Foundation
import Testing
import _DLCTestSupport

@Suite(.serialized) struct BinaryClassificationTests {
  /// breast_cancer_binary reaches a test accuracy of at least 0.93 (scikit-learn's
  /// logistic regression: 0.98), and `dlc predict` writes the class at the 0.5 threshold
  /// of the probability it writes beside it.
  @Test func breastCancerOnOneLogitLearns() throws {
    let ws = try TrainingFixture.Workspace("binary")
    defer { ws.remove() }
    try ws.copyExamples(["breast_cancer_binary"])
    let train = ws.train("breast_cancer_binary", epochs: nil)
    try #require(train.status == 0, "\(train.stderr)")

    let checkpoint = ws.checkpoint("breast_cancer_binary", "best")
    let eval = Driver.eval(ws.options("breast_cancer_binary"), checkpoint: checkpoint, split: "test", json: true)
    try #require(eval.status == 0, "\(eval.stderr)")
    let metrics = try TrainingFixture.jsonObject(eval.stdout)
    let accuracy = try #require(metrics["accuracy"] as? Double)
    #expect(accuracy >= 0.93, "test accuracy \(accuracy)")

    let data = Golden.root + "/specs/data/breast_cancer.csv"
    let predicted = Driver.predict(ws.options("breast_cancer_binary"), checkpoint: checkpoint, input: data, output: nil)
    try #require(predicted.status == 0, "\(predicted.stderr)")
    var lines = predicted.stdout.split(separator: "\n")
    #expect(lines.removeFirst() == "label,probability")
    let labels = try String(contentsOfFile: data, encoding: .utf8).split(separator: "\n").dropFirst().map { Int($0.split(separator: ",").last!)! }
    try #require(lines.count == labels.count)
    var right = 0
    for (line, label) in zip(lines, labels) {
      let fields = line.split(separator: ",")
      let (predictedClass, probability) = (Int(fields[0])!, Double(fields[1])!)
      #expect((0...1).contains(probability))
      #expect(predictedClass == (probability > 0.5 ? 1 : 0), "\(line)")
      if predictedClass == label { right += 1 }
    }
    #expect(Double(right) / Double(labels.count) >= 0.93)
  }
}
