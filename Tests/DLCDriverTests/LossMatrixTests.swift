/// Every loss × task × output width that `dlc check` accepts trains on a small learnable
/// data set and beats chance by a wide margin: so a combination that is accepted but
/// computes something else (binary `bce_with_logits` once trained on class indices read
/// as floats, 1.4e-45 for class 1) cannot ship.
///
/// The combinations come from the checker itself: every loss of the catalog with every
/// task, over a range of data and output widths, is put to `dlc check`, and each one it
/// accepts trains with `dlc train`, is scored by `dlc predict` over the whole data file
/// (in the data's units) and by `dlc eval` (a loss that is a finite number ≥ 0). The
/// (task, loss) pairs accepted must be the checker's table, `LossRules.lossesByTask`.
import DLCDriver
import DLCSema
import DLCSpec
import Foundation
import Testing
import _DLCTestSupport

@Suite(.serialized) struct LossMatrixTests {
  /// One combination: a task, a loss, the data's width (classes, targets or features),
  /// the model's output width, the features' normalization and the targets' (regression).
  struct Combination: CustomStringConvertible {
    var task: Task
    var loss: String
    var dataWidth: Int
    var outputWidth: Int
    var normalize: String
    var normalizeTarget = "none"

    var description: String {
      "\(task.rawValue) \(loss) data \(dataWidth) output \(outputWidth) normalize \(normalize) normalize_target \(normalizeTarget)"
    }
    var name: String { "m_\(task.rawValue)_\(loss)_\(dataWidth)_\(outputWidth)_\(normalize)_\(normalizeTarget)" }
  }

  /// Features per sample of every data set.
  static let features = 4

  /// What is put to `dlc check` for `task` and `loss`: data widths × output widths (×
  /// normalizations for reconstruction, whose targets are the normalized inputs, and ×
  /// target normalizations for regression).
  static func candidates(_ task: Task, _ loss: String) -> [Combination] {
    let widths: [(Int, Int)]
    let normalizations: [String]
    switch task {
    case .classification:
      widths = [2, 3].flatMap { k in (1...3).map { (k, $0) } }
      normalizations = ["standardize"]
    case .regression:
      widths = [1, 3].flatMap { t in (1...3).map { (t, $0) } }
      normalizations = ["standardize"]
    case .reconstruction:
      widths = [(features, 2), (features, features)]
      normalizations = ["none", "standardize", "minmax"]
    }
    let targetNormalizations = task == .regression ? ["none", "standardize"] : ["none"]
    return widths.flatMap { w in
      normalizations.flatMap { n in
        targetNormalizations.map {
          Combination(task: task, loss: loss, dataWidth: w.0, outputWidth: w.1, normalize: n, normalizeTarget: $0)
        }
      }
    }
  }

  @Test func everyAcceptedCombinationLearns() throws {
    let work = FileManager.default.temporaryDirectory.appendingPathComponent("dlc-loss-matrix-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: work) }

    var trained: [String: [Combination]] = [:]
    let losses = Catalog.entries(.loss).map(\.name)
    for task in Task.allCases {
      for loss in losses {
        for c in Self.candidates(task, loss) {
          let data = Self.data(c)
          let spec = try Self.write(c, data: data, in: work)
          guard Driver.check(SpecOptions(path: spec)).status == 0 else { continue }
          try Self.trainAndScore(c, spec: spec, data: data, runs: work + "/runs")
          trained["\(task.rawValue) \(loss)", default: []].append(c)
        }
        let inTable = LossRules.lossesByTask[task]?.contains(loss) ?? false
        let accepted = trained["\(task.rawValue) \(loss)"] != nil
        #expect(accepted == inTable,
                "'dlc check' \(accepted ? "accepts" : "refuses") '\(loss)' for '\(task.rawValue)' at every width tried, but it is \(inTable ? "in" : "not in") 'LossRules.lossesByTask'")
      }
    }
    // The reported cases are among them.
    let names = Set(trained.values.joined().map { "\($0.task.rawValue) \($0.loss) \($0.dataWidth)→\($0.outputWidth)" })
    for expected in ["classification cross_entropy 2→2", "classification cross_entropy 3→3", "classification bce_with_logits 2→1",
                     "regression mse 1→1", "regression mse 3→3", "regression mae 1→1", "regression mae 3→3",
                     "reconstruction mse 4→4", "reconstruction mae 4→4", "reconstruction bce_with_logits 4→4"] {
      #expect(names.contains(expected), "\(expected) was not trained")
    }
  }

  // MARK: Training and scoring

  /// Trains `c`, then requires it to beat chance by a wide margin on the whole data file:
  /// classification accuracy ≥ chance + 0.6 · (1 − chance); regression and reconstruction
  /// R² ≥ 0.8 per column against predicting the column's mean (chance is R² = 0).
  static func trainAndScore(_ c: Combination, spec: String, data: Table, runs: String) throws {
    let train = Driver.train(TrainOptions(spec: SpecOptions(path: spec), epochs: nil, outputDirectory: runs)) { _ in }
    try #require(train.status == 0, "\(c): \(train.stderr)")
    let checkpoint = runs + "/\(c.name)/best.safetensors"

    let eval = Driver.eval(SpecOptions(path: spec), checkpoint: checkpoint, split: "test", json: true)
    try #require(eval.status == 0, "\(c): \(eval.stderr)")
    let loss = try #require(TrainingFixture.jsonObject(eval.stdout)["loss"] as? Double, "\(c): \(eval.stdout)")
    #expect(loss.isFinite && loss >= 0, "\(c): test loss \(loss)")

    let input = URL(fileURLWithPath: spec).deletingLastPathComponent().appendingPathComponent(data.path).path
    let predicted = Driver.predict(SpecOptions(path: spec), checkpoint: checkpoint, input: input, output: nil)
    try #require(predicted.status == 0, "\(c): \(predicted.stderr)")
    let rows = predicted.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",").map { Double($0)! } }
    try #require(rows.count == data.rows.count, "\(c): \(rows.count) predictions for \(data.rows.count) rows")

    switch c.task {
    case .classification:
      let labels = data.rows.map { Int($0[features]) }
      let accuracy = Double(zip(rows, labels).filter { Int($0.0[0]) == $0.1 }.count) / Double(labels.count)
      let chance = Double(Dictionary(grouping: labels, by: { $0 }).values.map(\.count).max()!) / Double(labels.count)
      #expect(accuracy >= chance + 0.6 * (1 - chance), "\(c): accuracy \(accuracy), chance \(chance)")
      // Each row's probabilities are probabilities: in [0, 1], and a distribution over
      // the classes when there is one per class.
      for row in rows {
        let p = row.dropFirst()
        #expect(p.allSatisfy { $0 >= 0 && $0 <= 1 }, "\(c): \(row)")
        if p.count > 1 { #expect(abs(p.reduce(0, +) - 1) < 1e-4, "\(c): \(row)") }
      }
    case .regression, .reconstruction:
      let columns = c.task == .regression ? Array(features..<(features + c.dataWidth)) : Array(0..<features)
      for (k, column) in columns.enumerated() {
        let truth = data.rows.map { $0[column] }
        let r2 = rSquared(rows.map { $0[k] }, truth)
        #expect(r2 >= 0.8, "\(c): R² \(r2) for column \(column)")
      }
    }
  }

  /// 1 − Σ(ŷ − y)² / Σ(y − ȳ)².
  static func rSquared(_ predicted: [Double], _ truth: [Double]) -> Double {
    let mean = truth.reduce(0, +) / Double(truth.count)
    let sse = zip(predicted, truth).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
    let sst = truth.map { ($0 - mean) * ($0 - mean) }.reduce(0, +)
    return 1 - sse / sst
  }

  // MARK: Data and specs

  /// A CSV data file: `x0…x3`, then the targets (`label`, or `y0…`), as numbers per row.
  struct Table {
    /// The file's name, in the spec's folder.
    var path: String
    var header: [String]
    var rows: [[Double]]
  }

  /// A learnable data set for `c`, 300 rows from a fixed seed. Classification: each
  /// class a blob around its own corner; regression: fixed linear maps of the features
  /// plus a little noise, away from 0; reconstruction: 4 features in (0, 1)
  /// driven by 2 latent factors.
  static func data(_ c: Combination) -> Table {
    var rng = SplitMix64(seed: 11)
    func uniform(_ a: Double, _ b: Double) -> Double { Double.random(in: a..<b, using: &rng) }
    var rows: [[Double]] = []
    var header = (0..<features).map { "x\($0)" }
    switch c.task {
    case .classification:
      header.append("label")
      for i in 0..<300 {
        let label = i % c.dataWidth
        rows.append((0..<features).map { j in (j == label ? 3 : 0) + uniform(-1, 1) } + [Double(label)])
      }
    case .regression:
      header += (0..<c.dataWidth).map { "y\($0)" }
      let weights = (0..<c.dataWidth).map { _ in (0..<features).map { _ in uniform(-2, 2) } }
      for _ in 0..<300 {
        let x = (0..<features).map { _ in uniform(-1, 1) }
        let y = weights.enumerated().map { t, w in Double(t + 1) + 2 * zip(w, x).map(*).reduce(0, +) + uniform(-0.05, 0.05) }
        rows.append(x + y)
      }
    case .reconstruction:
      let mixing = (0..<features).map { _ in [uniform(-1.5, 1.5), uniform(-1.5, 1.5)] }
      for _ in 0..<300 {
        let z = [uniform(-1, 1), uniform(-1, 1)]
        rows.append(mixing.map { 0.5 + 0.4 * tanh($0[0] * z[0] + $0[1] * z[1]) })
      }
    }
    let path = "\(c.name).csv"
    return Table(path: path, header: header, rows: rows)
  }

  /// Writes the data of `c` and its spec into `folder`; returns the spec's path.
  static func write(_ c: Combination, data: Table, in folder: String) throws -> String {
    let csv = ([data.header.joined(separator: ",")] + data.rows.map { $0.map { "\($0)" }.joined(separator: ",") }).joined(separator: "\n") + "\n"
    try csv.write(toFile: folder + "/" + data.path, atomically: true, encoding: .utf8)
    let targets = Array(data.header.dropFirst(features))
    let source = targets.isEmpty ? "{csv: \(data.path)}" : "{csv: \(data.path), target: \(targets.count == 1 ? targets[0] : "[" + targets.joined(separator: ", ") + "]")}"
    let metric = c.task == .classification ? "accuracy" : "mae"
    let spec = """
      dlc: 1
      name: \(c.name)
      seed: 5
      data:
        source: \(source)
        task: \(c.task.rawValue)
        split: {valid: 0.2, test: 0.2}
        normalize: \(c.normalize)
        normalize_target: \(c.normalizeTarget)
      model:
        input: [\(features)]
        layers:
          - dense: {units: 16, activation: tanh}
          - dense: \(c.outputWidth)
      loss: \(c.loss)
      train:
        optimizer: {adam: {lr: 0.01}}
        batch_size: 32
        epochs: 60
        metrics: [\(metric)]

      """
    let path = folder + "/\(c.name).yaml"
    try spec.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }
}
