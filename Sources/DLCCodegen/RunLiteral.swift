import DLCIR
import DLCTraining

/// A `RunDescription` as Swift source. The training and data configuration are not
/// printed field by field: `ConfigEncoder` turns them into a `ConfigValue`, printed here
/// by one generic literal printer, and the emitted trainer decodes it with the
/// `ConfigDecoder` that reads a module's attributes in `dlc train`. So a new optimizer,
/// schedule or data option needs no printer here, and both backends read one format.
enum RunLiteral {
  /// `trainConfig` and `dataConfig` literals, then `let run = RunDescription(compiled: …)`.
  static func render(_ run: RunDescription) -> String {
    """
    /// The training configuration: the module's `seed`, `train` and the task, as `dlc train` reads them.
    let trainConfig: ConfigValue = \(value(ConfigEncoder.encode(run.train), indent: 0))

    /// The data configuration: the module's `data`, with absolute paths.
    let dataConfig: ConfigValue = \(value(ConfigEncoder.encode(run.data), indent: 0))

    /// The run: the configuration above, decoded as `dlc train` decodes it.
    let run = RunDescription(
      compiled: \(string(run.name)),
      train: trainConfig,
      data: dataConfig,
      inputShape: \(run.inputShape),
      loss: \(string(run.loss)),
      specText: specText,
      base: \(run.base.map { "BaseWeights(checkpoint: \(string($0.checkpoint)), layers: \(strings($0.layers)), spec: \(string($0.spec)))" } ?? "nil"),
      lossClassWeights: \(classWeights(run.lossClassWeights)))
    """
  }

  /// `.given([2, 1])`, `.balanced` or `nil`.
  static func classWeights(_ weights: LossClassWeights?) -> String {
    switch weights {
    case .given(let w)?: return ".given([" + w.map { SwiftName.float($0) }.joined(separator: ", ") + "])"
    case .balanced?: return ".balanced"
    case nil: return "nil"
    }
  }

  /// A `ConfigValue` literal: dicts one entry per line in key order, lists on one line.
  static func value(_ v: ConfigValue, indent: Int) -> String {
    switch v {
    case .int(let i): return ".int(\(i))"
    case .float(let f): return ".float(\(number(f)))"
    case .bool(let b): return ".bool(\(b))"
    case .string(let s): return ".string(\(string(s)))"
    case .list(let items): return ".list([" + items.map { value($0, indent: indent) }.joined(separator: ", ") + "])"
    case .dict(let d):
      guard !d.isEmpty else { return ".dict([:])" }
      let pad = String(repeating: "  ", count: indent + 1)
      let entries = d.keys.sorted().map { pad + string($0) + ": " + value(d[$0]!, indent: indent + 1) }
      return ".dict([\n" + entries.joined(separator: ",\n") + ",\n" + String(repeating: "  ", count: indent) + "])"
    }
  }

  /// A Swift string literal: the IR's quoting (`\"`, `\\`, `\n`, `\t`, `\r`, `\u{…}`) is
  /// Swift's own.
  static func string(_ s: String) -> String { IRFormat.quote(s) }

  static func strings(_ list: [String]) -> String { "[" + list.map(string).joined(separator: ", ") + "]" }

  /// A Double literal that reads back to the same value (non-finite values by name).
  static func number(_ v: Double) -> String {
    if v.isNaN { return ".nan" }
    if v.isInfinite { return v < 0 ? "-.infinity" : ".infinity" }
    return "\(v)"
  }
}
