/// What each fuzz target feeds its input to.
import DLCSema
import DLCSpec
import DLCSyntax
import DLCTraining

/// One reader under test; `run` must return for every input.
enum FuzzTarget: String, CaseIterable {
  /// A spec file through the front end: YAML, decoding, the checker (its data paths
  /// lead into an empty scratch folder, so no data is read), diagnostics rendered.
  case spec
  /// A CSV file through the loader (classification, regression or reconstruction,
  /// by the input's length) and through the checker's header and label-column reader
  /// (a classification or a regression spec, also by length: one check per input is
  /// half the cost of two).
  case csv
  /// An NPY file as features (reconstruction) or as features and labels, through the
  /// loader and through the checker's header and label reader (one spec per input, by length).
  case npy
  /// A safetensors file through the checkpoint decoder (header JSON, entries, offsets),
  /// then every tensor it accepted converted to numbers.
  case safetensors

  /// Feeds `bytes` to this target's readers.
  func run(_ bytes: [UInt8]) {
    switch self {
    case .spec: SpecHarness.run(bytes)
    case .csv: DataHarness.shared.csv(bytes)
    case .npy: DataHarness.shared.npy(bytes)
    case .safetensors: SafetensorsHarness.run(bytes)
    }
  }
}

/// The checkpoint reader on one file's bytes.
enum SafetensorsHarness {
  static func run(_ bytes: [UInt8]) {
    guard let checkpoint = try? Checkpoint(decoding: bytes, path: "fuzz.safetensors") else { return }
    for tensor in checkpoint.tensors.values {
      _ = tensor.floats()
      _ = tensor.integers()
    }
  }
}

/// The front end on one spec text.
enum SpecHarness {
  /// The spec's path: a file in an empty scratch folder, so relative data paths read nothing.
  nonisolated(unsafe) static let path = InputFiles.scratchFolder() + "/spec/spec.yaml"

  static func run(_ bytes: [UInt8]) {
    checkAndRender(SourceFile(path: path, bytes: bytes))
  }

  /// Parses, decodes and checks `file`, then renders every diagnostic both ways.
  static func checkAndRender(_ file: SourceFile) {
    let diags = DiagnosticEngine()
    if let root = YAMLReader.parse(file, diagnostics: diags), let spec = SpecDecoder.decode(root, file: file, diagnostics: diags) {
      _ = Sema.check(spec, diagnostics: diags)
    }
    _ = DiagnosticRenderer().render(diags.sorted)
    _ = DiagnosticJSON.render(diags.sorted)
  }
}

/// The data readers on one file written to a scratch folder, beside fixed specs that name it.
final class DataHarness: @unchecked Sendable {
  static let shared = DataHarness()

  let folder = InputFiles.scratchFolder()
  var csvPath: String { folder + "/data.csv" }
  var npyPath: String { folder + "/data.npy" }

  /// Specs whose data is the file under test, for the checker's own readers: a CSV or NPY
  /// classification without `classes:` (so labels are read too) and a regression.
  lazy var csvSpecs = [Self.spec(folder, source: "{csv: data.csv, target: y}", task: "classification"),
                       Self.spec(folder, source: "{csv: data.csv, target: [y, z]}", task: "regression")]
  lazy var npySpecs = [Self.spec(folder, source: "{npy: {x: data.npy, y: data.npy}}", task: "classification"),
                       Self.spec(folder, source: "{npy: {x: data.npy}}", task: "reconstruction")]

  func csv(_ bytes: [UInt8]) {
    InputFiles.write(bytes, to: csvPath)
    let (task, targets): (DataTask, [String]) = [(.classification, ["y"]), (.regression, ["y", "z"]), (.reconstruction, [])][bytes.count % 3]
    load(.csv(path: csvPath, target: targets, features: nil), task: task)
    SpecHarness.checkAndRender(csvSpecs[bytes.count / 3 % 2])
  }

  func npy(_ bytes: [UInt8]) {
    InputFiles.write(bytes, to: npyPath)
    if bytes.count % 2 == 0 {
      load(.npy(x: npyPath, y: nil), task: .reconstruction)
    } else {
      load(.npy(x: npyPath, y: npyPath), task: .classification)
    }
    SpecHarness.checkAndRender(npySpecs[bytes.count / 2 % 2])
  }

  /// The runtime loader, with a class count so class indices are checked as well.
  private func load(_ source: DataSourceConfig, task: DataTask) {
    let config = DataConfig(source: source, task: task, classes: task == .classification ? 3 : nil, features: 0,
                            split: SplitFractions(valid: 0.2, test: 0, stratify: false), normalize: .standardize)
    _ = try? DataLoader.load(config)
  }

  /// A small valid spec over `source`, as a file in `folder` (the path data is resolved against).
  private static func spec(_ folder: String, source: String, task: String) -> SourceFile {
    let loss = ["classification": "cross_entropy", "regression": "mse", "reconstruction": "mse"][task]!
    let text = """
      dlc: 1
      name: fuzz
      data:
        source: \(source)
        task: \(task)
      model:
        input: [2]
        layers:
          - dense: 2
      loss: \(loss)
      train:
        epochs: 1

      """
    return SourceFile(path: folder + "/spec.yaml", text: text)
  }
}
