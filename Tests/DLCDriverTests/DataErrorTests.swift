/// Broken data, inputs and checkpoints through `Driver.train`, `eval` and `predict`: each
/// ends with exit status 1 and a diagnostic that names the file (and, in a CSV, the line
/// and column), never with a crash. The bad files are built in a temporary folder, next
/// to a spec that points at them.
import DLCDriver
import Foundation
import Testing
import _DLCTestSupport

@Suite(.serialized) struct DataErrorTests {
  /// A CSV built from iris.csv with one change, and where the loader must point.
  struct BadCSV: Sendable, CustomStringConvertible {
    var name: String
    /// The 1-based line to replace (the header is line 1) and its new text.
    var line: Int
    var text: String
    /// `line:column` of the diagnostic and a piece of its message.
    var place: String
    var message: String
    var description: String { name }
  }

  static let badCSVs: [BadCSV] = [
    BadCSV(name: "nan-cell", line: 11, text: "5.4,nan,1.5,0.2,0", place: "11:2",
           message: "column 2 ('sepal_width_cm') holds 'nan', which is not a finite number"),
    BadCSV(name: "ragged-row", line: 21, text: "5.4,3.4,1.7", place: "21:4", message: "the row has 3 fields, the header has 5 columns"),
    BadCSV(name: "non-numeric-cell", line: 31, text: "4.8,3.1,abc,0.2,0", place: "31:3",
           message: "column 3 ('petal_length_cm') holds 'abc', which is not a number"),
    BadCSV(name: "label-out-of-range", line: 41, text: "5.1,3.4,1.5,0.2,7", place: "41:5",
           message: "column 5 ('label') holds '7', which is not a class index in 0..<3"),
    BadCSV(name: "empty-cell", line: 51, text: "7.0,,4.7,1.4,1", place: "51:2", message: "column 2 ('sepal_width_cm') is empty"),
  ]

  /// iris with a fixed class count, so that the labels are checked while loading.
  static func spec(name: String, csv: String) -> String {
    """
    dlc: 1
    name: \(name)
    data:
      source: {csv: \(csv), target: label}
      task: classification
      classes: 3
      normalize: standardize
    model:
      input: [4]
      layers:
        - dense: 8
        - relu
        - dense: 3
    loss: cross_entropy
    train:
      optimizer: {adam: 0.01}
      batch_size: 16
      epochs: 1

    """
  }

  /// iris.csv with line `line` replaced by `text`.
  static func iris(replacing line: Int, with text: String) throws -> Data {
    var lines = try String(contentsOfFile: Golden.root + "/specs/data/iris.csv", encoding: .utf8).split(separator: "\n").map(String.init)
    lines[line - 1] = text
    return Data((lines.joined(separator: "\n") + "\n").utf8)
  }

  /// A workspace with `good` (iris, trained for one epoch) and its checkpoint.
  static func trainedWorkspace(_ label: String) throws -> TrainingFixture.Workspace {
    let ws = try TrainingFixture.Workspace(label)
    let csv = try ws.write("good.csv", iris(replacing: 2, with: "5.1,3.5,1.4,0.2,0"))
    try ws.writeSpec("good", spec(name: "good", csv: csv))
    let r = ws.train("good", epochs: 1)
    guard r.status == 0 else { throw TrainingFailed(stderr: r.stderr) }
    return ws
  }

  /// The good spec did not train (its diagnostics).
  struct TrainingFailed: Error { var stderr: String }

  /// Expects exit status 1, nothing on standard output, and a diagnostic that starts
  /// with `location: error: ` and contains `message`.
  static func expectError(_ r: DriverResult, at location: String, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(r.status == 1, "status \(r.status)", sourceLocation: sourceLocation)
    #expect(r.stdout.isEmpty, sourceLocation: sourceLocation)
    #expect(r.stderr.hasPrefix(location + ": error: "), "\(r.stderr)", sourceLocation: sourceLocation)
    #expect(r.stderr.contains(message), "\(r.stderr)", sourceLocation: sourceLocation)
  }

  // MARK: CSV data

  /// Training on a broken CSV stops at the first bad cell, at its line and column.
  @Test(arguments: badCSVs)
  func trainingReportsTheBadCell(_ bad: BadCSV) throws {
    let ws = try TrainingFixture.Workspace("data-\(bad.name)")
    defer { ws.remove() }
    let csv = try ws.write(bad.name + ".csv", Self.iris(replacing: bad.line, with: bad.text))
    try ws.writeSpec(bad.name, Self.spec(name: bad.name, csv: csv))
    let r = ws.train(bad.name, epochs: 1)
    Self.expectError(r, at: csv + ":" + bad.place, bad.message)
    #expect(!FileManager.default.fileExists(atPath: ws.checkpoint(bad.name, "last")))
  }

  /// Evaluation reloads the spec's data: a cell broken since training is reported too.
  @Test func evalReportsABadCellOfTheSpecsData() throws {
    let ws = try Self.trainedWorkspace("data-eval")
    defer { ws.remove() }
    try Self.iris(replacing: 77, with: "6.8,2.8,inf,1.4,1").write(to: URL(fileURLWithPath: ws.root + "/good.csv"))
    let r = Driver.eval(ws.options("good"), checkpoint: ws.checkpoint("good", "last"), split: "valid", json: true)
    Self.expectError(r, at: ws.root + "/good.csv:77:3", "holds 'inf', which is not a finite number")
  }

  /// A predict input is checked like training data (the target column is not read).
  @Test func predictReportsABadCellOfItsInput() throws {
    let ws = try Self.trainedWorkspace("data-predict")
    defer { ws.remove() }
    let input = try ws.write("input.csv", Self.iris(replacing: 100, with: "5.7,2.8,4.1,x1.3,1"))
    let r = Driver.predict(ws.options("good"), checkpoint: ws.checkpoint("good", "last"), input: input, output: nil)
    Self.expectError(r, at: input + ":100:4", "column 4 ('petal_width_cm') holds 'x1.3', which is not a number")
  }

  // MARK: NPY data

  /// An NPY array of strings as training data: refused when the spec is checked, at the
  /// spec's `x:` entry, naming the file and its dtype.
  @Test func trainingRefusesAnNPYOfTheWrongDtype() throws {
    let ws = try TrainingFixture.Workspace("data-npy-dtype")
    defer { ws.remove() }
    try ws.write("x.npy", Self.npy(descr: "<U1", shape: [10, 4], bytesPerElement: 4))
    try ws.write("y.npy", Self.npy(descr: "<i4", shape: [10], bytesPerElement: 4))
    try ws.writeSpec("npy", Self.spec(name: "npy", csv: "x").replacingOccurrences(
      of: "source: {csv: x, target: label}", with: "source: {npy: {x: ../x.npy, y: ../y.npy}}"))
    let r = ws.train("npy", epochs: 1)
    Self.expectError(r, at: ws.spec("npy") + ":4:21", "'../x.npy' is not a usable NPY file: dtype '<U1' is not supported")
  }

  /// Prediction inputs: an NPY of the wrong dtype or byte order, or of the wrong width.
  @Test func predictRefusesUnusableNPYInput() throws {
    let ws = try Self.trainedWorkspace("data-npy-predict")
    defer { ws.remove() }
    let checkpoint = ws.checkpoint("good", "last")
    let cases: [(String, Data, String)] = [
      ("strings.npy", Self.npy(descr: "<U1", shape: [3, 4], bytesPerElement: 4), "the dtype '<U1' is not supported"),
      ("big-endian.npy", Self.npy(descr: ">f4", shape: [3, 4], bytesPerElement: 4), "the array is big-endian ('>f4')"),
      ("complex.npy", Self.npy(descr: "<c8", shape: [3, 4], bytesPerElement: 8), "the dtype '<c8' is not supported"),
      ("wide.npy", Self.npy(descr: "<f4", shape: [3, 5], bytesPerElement: 4), "does not match the model input [4]"),
    ]
    for (name, bytes, message) in cases {
      let input = try ws.write(name, bytes)
      Self.expectError(Driver.predict(ws.options("good"), checkpoint: checkpoint, input: input, output: nil), at: input, message)
    }
  }

  /// A version 1.0 NPY file: magic, header padded to a multiple of 64, zero data.
  static func npy(descr: String, shape: [Int], bytesPerElement: Int) -> Data {
    let dims = shape.count == 1 ? "\(shape[0])," : shape.map(String.init).joined(separator: ", ")
    var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': (\(dims)), }"
    while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
    header += "\n"
    var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
    bytes += Array(header.utf8) + [UInt8](repeating: 0, count: shape.reduce(1, *) * bytesPerElement)
    return Data(bytes)
  }

  // MARK: missing inputs and bad checkpoints

  @Test func predictReportsAMissingInputFile() throws {
    let ws = try Self.trainedWorkspace("data-missing")
    defer { ws.remove() }
    for name in ["absent.csv", "absent.npy"] {
      let input = ws.root + "/" + name
      let r = Driver.predict(ws.options("good"), checkpoint: ws.checkpoint("good", "last"), input: input, output: nil)
      Self.expectError(r, at: input, "the file of '--input' does not exist")
    }
  }

  /// Truncated, empty, garbage or missing checkpoints: refused with the file's path.
  @Test func evalRefusesACorruptCheckpoint() throws {
    let ws = try Self.trainedWorkspace("data-checkpoint")
    defer { ws.remove() }
    let good = try Data(contentsOf: URL(fileURLWithPath: ws.checkpoint("good", "last")))
    let cases: [(String, Data?, String)] = [
      ("truncated-data", good.dropLast(10), "the file is truncated: its tensors need"),
      ("truncated-header", good.prefix(300), "the safetensors header length"),
      ("empty", Data(), "the safetensors header length"),
      ("garbage", Data(repeating: 0xFF, count: 100), "the safetensors header length"),
      ("missing", nil, "the file of '--checkpoint' does not exist"),
    ]
    for (name, bytes, message) in cases {
      let path = ws.root + "/\(name).safetensors"
      if let bytes { try ws.write("\(name).safetensors", bytes) }
      let r = Driver.eval(ws.options("good"), checkpoint: path, split: "valid", json: false)
      Self.expectError(r, at: path, message)
    }
  }

  /// A checkpoint of another model: tensors of other shapes, or none of this model's
  /// names, under the spec's own name; either way refused, never evaluated with
  /// parameters left at zero. Under another spec's name, refused as that spec's.
  @Test func evalAndPredictRefuseACheckpointOfAnotherModel() throws {
    let ws = try Self.trainedWorkspace("data-other-model")
    defer { ws.remove() }
    let csv = ws.root + "/good.csv"
    let wider = Self.spec(name: "good", csv: csv).replacingOccurrences(of: "- dense: 8", with: "- dense: 9")
    let renamed = Self.spec(name: "good", csv: csv).replacingOccurrences(of: "- dense: 8", with: "- dense: 8\n      name: hidden")
    try ws.writeSpec("wider", wider)
    try ws.writeSpec("renamed", renamed)
    let checkpoint = ws.checkpoint("good", "last")
    let cases = [("wider", "tensor 'dense_1.weight' has shape [8, 4] and type F32, the model needs [9, 4] F32"),
                 ("renamed", "the checkpoint has no tensor 'hidden.weight'; it was written for another model")]
    for (name, message) in cases {
      let eval = Driver.eval(ws.options(name), checkpoint: checkpoint, split: "valid", json: true)
      Self.expectError(eval, at: ws.spec(name), "\(checkpoint): \(message)")
      let predict = Driver.predict(ws.options(name), checkpoint: checkpoint, input: csv, output: nil)
      Self.expectError(predict, at: ws.spec(name), "\(checkpoint): \(message)")
    }
    // Equal shapes, another spec: the checkpoint says which spec it is from.
    try ws.writeSpec("other", Self.spec(name: "other", csv: csv))
    for r in [Driver.eval(ws.options("other"), checkpoint: checkpoint, split: "valid", json: true),
              Driver.predict(ws.options("other"), checkpoint: checkpoint, input: csv, output: nil)] {
      Self.expectError(r, at: checkpoint, "this checkpoint is from spec 'good', not 'other'")
    }
  }
}
