/// A property of the spec language: every integer and float field of every catalog entry
/// and of every fixed-key section, set to 0, −1, 2^31, 2^63 − 1, 1e300 or NaN, gives
/// `dlc check` exit status 0, or 1 with every error at a `file:line:col` position — never
/// a trap, an internal error (status 2) or a hang. The values `check` accepts then train
/// for one epoch on a tiny data set, through the built `dlc` binary in a child process, so
/// a trap shows up as a signal with the field and value named instead of killing the tests.
///
/// The fields are enumerated from the catalog and `Section.all`; a new entry or key with
/// a number in it fails `everyNumericFieldHasAHost` until it is given a place in a spec here.
import DLCDriver
import DLCSpec
import Foundation
import Testing
import _DLCTestSupport

@Suite(.serialized) struct SpecNumbersPropertyTests {
  /// The values every numeric field is set to, as YAML.
  static let values = ["0", "-1", "2147483648", "9223372036854775807", "1e300", ".nan"]

  /// One numeric field: where it is, and the spec with a value put in it.
  struct Field {
    var name: String
    var spec: (String) -> String
  }

  @Test func everyNumericFieldHasAHost() {
    let (_, missing) = Self.fields()
    #expect(missing.isEmpty, "numeric fields with no place in a spec here (add them to SpecNumbersPropertyTests): \(missing)")
  }

  @Test func checkGivesStatusZeroOrAPositionedError() throws {
    let folder = try Self.dataFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let (fields, _) = Self.fields()
    #expect(fields.count > 60)
    for field in fields {
      for value in Self.values {
        let path = folder + "/spec.yaml"
        try field.spec(value).write(toFile: path, atomically: true, encoding: .utf8)
        let result = Driver.check(SpecOptions(path: path, maxMemory: 1 << 30))
        let context = "\(field.name) = \(value)"
        #expect(result.status == 0 || result.status == 1, "\(context): exit status \(result.status)\n\(result.stderr)")
        if result.status == 1 {
          let errors = result.stderr.split(separator: "\n").filter { $0.contains(" error: ") || $0.hasPrefix("error: ") }
            .filter { !$0.hasPrefix("error: aborting") }
          #expect(!errors.isEmpty, "\(context): status 1 without an error\n\(result.stderr)")
          for line in errors {
            #expect(line.hasPrefix(path + ":") && line.split(separator: ":").count >= 4,
                    "\(context): an error without a position: \(line)")
          }
        }
      }
    }
  }

  @Test func acceptedValuesTrainWithoutATrap() throws {
    let dlc = Golden.root + "/.build/debug/dlc"
    try #require(FileManager.default.isExecutableFile(atPath: dlc), "build dlc first (swift build): \(dlc) is missing")
    let folder = try Self.dataFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let (fields, _) = Self.fields()
    var runs = 0
    for field in fields {
      for value in Self.values {
        let path = folder + "/spec.yaml"
        try field.spec(value).write(toFile: path, atomically: true, encoding: .utf8)
        guard Driver.check(SpecOptions(path: path, maxMemory: 1 << 30)).status == 0 else { continue }
        runs += 1
        let context = "\(field.name) = \(value)"
        let (status, signalled, stderr) = try Self.run(dlc, ["train", path, "--epochs", "1", "--out", folder + "/runs",
                                                            "--max-memory", "1G", "--color", "never"], seconds: 60)
        #expect(!signalled, "\(context): 'dlc train' was killed by signal \(status)\n\(stderr.suffix(2000))")
        #expect(signalled || status == 0 || status == 1, "\(context): 'dlc train' exited with status \(status)\n\(stderr.suffix(2000))")
        if !signalled, status == 1 { #expect(stderr.contains("error:"), "\(context): status 1 without an error") }
        try? FileManager.default.removeItem(atPath: folder + "/runs")
      }
    }
    #expect(runs > 20)
  }

  // MARK: The spec

  /// A small classification spec, the parts a field can replace.
  struct Parts {
    var top = ["dlc: 1", "name: numbers", "seed: 0"]
    var task = "classification"
    var target: String? = "label"
    var features = "[f1, f2, f3, f4]"
    var classes: String? = "3"
    var split = "{valid: 0.25, test: 0}"
    var input = "[4]"
    var inputDType = "f32"
    var layers = ["- dense: 8", "- relu", "- dense: 3"]
    var loss = "cross_entropy"
    var optimizer = "{sgd: 0.1}"
    var schedule = "constant"
    var batchSize = "8"
    var epochs = "2"
    var earlyStopping: String?
    var optimize: String?

    var text: String {
      var lines = top
      lines += ["data:", "  source: {csv: data.csv" + (target.map { ", target: \($0)}" } ?? "}"), "  features: \(features)", "  task: \(task)"]
      if let classes { lines.append("  classes: \(classes)") }
      lines += ["  split: \(split)", "model:", "  input: \(input)", "  input_dtype: \(inputDType)", "  layers:"]
      lines += layers.map { "    " + $0.replacingOccurrences(of: "\n", with: "\n      ") }
      lines += ["loss: \(loss)", "train:", "  optimizer: \(optimizer)", "  schedule: \(schedule)", "  batch_size: \(batchSize)",
                "  epochs: \(epochs)"]
      if let earlyStopping { lines.append("  early_stopping: \(earlyStopping)") }
      if let optimize { lines.append("optimize: [\(optimize)]") }
      return lines.joined(separator: "\n") + "\n"
    }
  }

  /// How a value of a parameter type is written with `V` for the value; nil when the
  /// type holds no number.
  static func template(_ type: ParamType) -> String? {
    switch type {
    case .int, .float, .padding: return "V"
    case .intPair, .floatPair: return "[V, V]"
    case .shape: return "[V]"
    case .classWeights: return "[V, V, V]"
    case .list(let item, _): return template(item).map { "[\($0)]" }
    default: return nil
    }
  }

  /// Values for required parameters other than the one under test, and parameters whose
  /// default does not fit the host model.
  static let fills: [String: [String: String]] = [
    "dense": ["units": "3"], "conv2d": ["filters": "2", "kernel": "1"], "reshape": ["shape": "[4]"],
    "embedding": ["vocab": "4", "dim": "2"], "self_attention": ["heads": "1"], "add": ["from": "[a, b]"],
    "multiply": ["from": "[a, b]"], "concat": ["from": "[a, b]"], "constant": ["value": "0.1"],
    "step": ["step_size": "1"], "one_cycle": ["max_lr": "0.1"], "prune": ["sparsity": "0.5"],
  ]

  /// Puts `entry` (written in full) into the base spec where an entry of its kind goes.
  static func host(_ kind: EntryKind, _ name: String) -> ((inout Parts, String) -> Void)? {
    switch kind {
    case .layer, .activation:
      switch name {
      case "conv2d", "maxpool2d", "avgpool2d", "global_avgpool":
        return { p, e in p.input = "[1, 2, 2]"; p.layers = ["- " + e, "- flatten", "- dense: 3"] }
      case "self_attention": return { p, e in p.input = "[2, 2]"; p.layers = ["- " + e, "- flatten", "- dense: 3"] }
      case "embedding": return { p, e in p.inputDType = "i32"; p.layers = ["- " + e, "- flatten", "- dense: 3"] }
      case "add", "multiply", "concat":
        return { p, e in p.layers = ["- dense: 4\nname: a", "- dense: 4\nname: b\nfrom: [input]", "- " + e, "- dense: 3"] }
      default: return { p, e in p.layers = ["- " + e, "- dense: 3"] }
      }
    case .initializer: return { p, e in p.layers = ["- dense: {units: 8, init: \(e)}", "- relu", "- dense: 3"] }
    case .loss:
      if name == "bce_with_logits" {
        // Reconstruction of two binary columns: targets in [0, 1], as the loss needs.
        return { p, e in
          (p.task, p.target, p.features, p.classes, p.input) = ("reconstruction", nil, "[y1, y2]", nil, "[2]")
          (p.layers, p.loss) = (["- dense: 2"], e)
        }
      }
      return { p, e in p.loss = e }
    case .optimizer: return { p, e in p.optimizer = e }
    case .schedule: return { p, e in p.schedule = e }
    case .pass: return { p, e in p.optimize = e }
    case .metric: return nil
    }
  }

  /// Where each numeric key of a fixed-key section goes.
  static let sectionKeys: [String: @Sendable (inout Parts, String) -> Void] = [
    "the spec.dlc": { p, v in p.top[0] = "dlc: \(v)" },
    "the spec.seed": { p, v in p.top[2] = "seed: \(v)" },
    "'data'.classes": { p, v in p.classes = v },
    "'split'.valid": { p, v in p.split = "{valid: \(v), test: 0}" },
    "'split'.test": { p, v in p.split = "{valid: 0.25, test: \(v)}" },
    "'model'.input": { p, v in p.input = v },
    "'train'.batch_size": { p, v in p.batchSize = v },
    "'train'.epochs": { p, v in p.epochs = v },
    "'early_stopping'.patience": { p, v in p.earlyStopping = "{patience: \(v)}" },
    "'early_stopping'.min_delta": { p, v in p.earlyStopping = "{min_delta: \(v)}" },
  ]

  /// Every numeric field with its spec, and the ones that have no place here.
  static func fields() -> ([Field], [String]) {
    var fields: [Field] = []
    var missing: [String] = []
    for entry in Catalog.all {
      for param in entry.params {
        guard let template = template(param.type) else { continue }
        let label = "\(entry.kind.noun) '\(entry.name)' parameter '\(param.name)'"
        guard let put = host(entry.kind, entry.name) else { missing.append(label); continue }
        let others = (fills[entry.name] ?? [:]).filter { $0.key != param.name }.sorted { $0.key < $1.key }
        fields.append(Field(name: label) { value in
          let args = ["\(param.name): " + template.replacingOccurrences(of: "V", with: value)] + others.map { "\($0.key): \($0.value)" }
          var parts = Parts()
          put(&parts, "{\(entry.name): {\(args.joined(separator: ", "))}}")
          return parts.text
        })
      }
    }
    for section in Section.all {
      for key in section.keys {
        guard let template = template(key.type) else { continue }
        let label = "\(section.name).\(key.name)"
        guard let put = sectionKeys[label] else { missing.append(label); continue }
        fields.append(Field(name: "key \(label)") { value in
          var parts = Parts()
          put(&parts, template.replacingOccurrences(of: "V", with: value))
          return parts.text
        })
      }
    }
    return (fields, missing)
  }

  /// A temporary folder with `data.csv`: four small integer features (usable as token ids
  /// and as numbers), a class label and two binary targets.
  static func dataFolder() throws -> String {
    let folder = NSTemporaryDirectory() + "dlc-numbers-\(getpid())-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    var rows = ["f1,f2,f3,f4,label,y1,y2"]
    for i in 0..<32 {
      let f = [i % 4, (i / 4) % 4, (i * 3) % 4, (i + 1) % 4]
      rows.append("\(f[0]),\(f[1]),\(f[2]),\(f[3]),\((f[0] + f[1]) % 3),\(f[0] % 2),\(f[1] / 2)")
    }
    try (rows.joined(separator: "\n") + "\n").write(toFile: folder + "/data.csv", atomically: true, encoding: .utf8)
    return folder
  }

  /// Runs `executable` with `arguments`; the exit status (or the signal, with `signalled`)
  /// and standard error. A run longer than `seconds` is killed and reported as a hang.
  static func run(_ executable: String, _ arguments: [String], seconds: Double) throws -> (Int32, Bool, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    // Standard error goes to a file: a pipe nobody reads while waiting could fill and stall the child.
    let log = NSTemporaryDirectory() + "dlc-numbers-stderr-\(getpid())-\(UUID().uuidString)"
    FileManager.default.createFile(atPath: log, contents: nil)
    defer { try? FileManager.default.removeItem(atPath: log) }
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
    defer { try? handle.close() }
    process.standardError = handle
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    let deadline = Date().addingTimeInterval(seconds)
    while process.isRunning, Date() < deadline { usleep(20_000) }
    if process.isRunning {
      process.terminate()
      process.waitUntilExit()
      return (-1, true, "hang: still running after \(Int(seconds)) s")
    }
    process.waitUntilExit()
    let stderr = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
    return (process.terminationStatus, process.terminationReason == .uncaughtSignal, stderr)
  }
}
