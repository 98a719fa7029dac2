/// A spec and its data files in a fresh temporary folder, checked through the front end.
import DLCIR
import DLCSema
import DLCSpec
import DLCSyntax
import Foundation

struct SemaFixture {
  let dir: String

  /// Writes `files` (name → content) into a new temporary folder.
  init(_ files: [String: String]) throws {
    dir = NSTemporaryDirectory() + "dlc-sema-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    for (name, text) in files { try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8) }
  }

  /// Writes raw bytes as a file of the fixture.
  func write(_ name: String, bytes: [UInt8]) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: dir + "/" + name))
  }

  /// Checks `spec.yaml` of the fixture.
  func check(_ name: String = "spec.yaml") -> (Module?, [Diagnostic]) {
    let diags = DiagnosticEngine()
    guard let (spec, _) = SpecLoader.load(dir + "/" + name, diagnostics: diags) else { return (nil, diags.diagnostics) }
    let module = Sema.check(spec, diagnostics: diags)
    return (module, diags.diagnostics)
  }

  /// A classification spec over `data.csv` (4 features, label column `y`) with these layers.
  static func classifier(_ layers: String, input: String = "[4]", extra: String = "") -> String {
    """
    dlc: 1
    name: t
    data:
      source: {csv: data.csv, target: y}
      task: classification
    model:
      input: \(input)
      layers:
    \(layers)
    loss: cross_entropy
    train:
      optimizer: adam
      batch_size: 4
      epochs: 3
    \(extra)
    """
  }

  /// Four features, three classes.
  static let csv = "a,b,c,d,y\n1,2,3,4,0\n5,6,7,8,1\n9,10,11,12,2\n1,1,1,1,0\n"
}

extension Array where Element == Diagnostic {
  var errors: [Diagnostic] { filter { $0.severity == .error } }
  var ids: [String] { map(\.id) }
}
