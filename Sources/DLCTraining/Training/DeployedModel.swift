import DLCKernels

/// The deployed model of an emitted package: an inference-only backend compiled from the
/// IR the spec's deployment passes (`optimize:`) produce, and the checkpoints it runs.
///
/// In: an optimized checkpoint (`dlc optimize`, or `dlc train` with an `optimize:` list),
/// whose metadata names its passes (`dlc.passes`) and holds its IR (`dlc.ir`). Out: the
/// backend `eval`, `predict` and `latency` run on it. The emitted class was compiled from
/// the same passes run without weights, so its shapes are the checkpoint's; what the
/// weights decide beyond the parameters themselves — the activation ranges static
/// quantization calibrated — it reads from the checkpoint's IR (`CheckpointIR`).
public struct DeployedModel {
  /// The passes the class was compiled with, comma-separated as in `dlc.passes`.
  public let passes: String
  /// Makes the model for a seed and the checkpoint's IR text.
  public let make: (UInt64, String) throws -> TrainingBackend

  public init(passes: String, make: @escaping (UInt64, String) throws -> TrainingBackend) {
    self.passes = passes
    self.make = make
  }

  /// The backend factory for `checkpoint` at `path`: `deployed` for an optimized
  /// checkpoint with the same passes, `trainer` for any other checkpoint; an optimized
  /// checkpoint this package cannot run is an error that says why.
  public static func backend(
    for checkpoint: Checkpoint, path: String, deployed: DeployedModel?,
    trainer: @escaping (UInt64) throws -> TrainingBackend
  ) throws -> (UInt64) throws -> TrainingBackend {
    guard let passes = checkpoint.metadata[Checkpoint.Key.passes] else { return trainer }
    guard let deployed else {
      throw TrainingError(
        "'\(path)' is an optimized checkpoint (passes '\(passes)') and this package has no deployed model: "
          + "its spec lists no 'optimize:' passes; evaluate the checkpoint with 'dlc', or recompile the package from a spec that lists them")
    }
    guard passes == deployed.passes else {
      throw TrainingError(
        "'\(path)' went through the passes '\(passes)', this package's deployed model through '\(deployed.passes)'; "
          + "recompile the package from a spec whose 'optimize:' lists the checkpoint's passes")
    }
    guard let ir = checkpoint.metadata[Checkpoint.Key.ir] else {
      throw TrainingError("'\(path)': an optimized checkpoint without its IR ('\(Checkpoint.Key.ir)' metadata)")
    }
    return { seed in try deployed.make(seed, ir) }
  }
}

/// The ops of an optimized checkpoint's IR text, by result name: just enough of the IR
/// to read the attributes the weights decided (activation scales and zero points).
public struct CheckpointIR {
  /// `result name → (opcode, the op's line)` for every op with a result.
  private var ops: [String: (opcode: String, line: Substring)] = [:]

  /// Indexes the op lines of `text` (`%r = opcode(…) {…} : type`).
  public init(_ text: String) {
    for raw in text.split(separator: "\n") {
      let line = raw.drop { $0 == " " }
      guard line.first == "%", let eq = line.range(of: " = "), let paren = line[eq.upperBound...].firstIndex(of: "(") else {
        continue
      }
      let name = line[line.index(after: line.startIndex)..<eq.lowerBound]
      // The first result names the op (ops with several results list them with ", %").
      let first = name.split(separator: ",").first.map(String.init) ?? String(name)
      ops[first] = (String(line[eq.upperBound..<paren]), line)
    }
  }

  /// The `AffineQuantization` in attributes `scale` and `zeroPoint` of the op defining
  /// `result`, which must be an `opcode`; read as the interpreter reads them (the
  /// printed Double, then Float).
  public func affine(_ result: String, opcode: String, _ scale: String, _ zeroPoint: String) throws -> AffineQuantization {
    guard let op = ops[result] else {
      throw TrainingError("the checkpoint's IR has no op '%\(result)'; it was optimized from another model")
    }
    guard op.opcode == opcode else {
      throw TrainingError("the checkpoint's IR computes '%\(result)' with '\(op.opcode)', this model with '\(opcode)'")
    }
    guard let s = Self.attribute(scale, in: op.line).flatMap(Double.init),
          let z = Self.attribute(zeroPoint, in: op.line).flatMap({ Int32($0) }) else {
      throw TrainingError("the checkpoint's IR gives '%\(result)' no '\(scale)' and '\(zeroPoint)'")
    }
    guard s > 0, Float(s).isFinite, (0...255).contains(z) else {
      throw TrainingError("the checkpoint's IR gives '%\(result)' \(scale) \(s) and \(zeroPoint) \(z); a scale must be positive and a zero point in 0…255")
    }
    return AffineQuantization(scale: Float(s), zeroPoint: z)
  }

  /// The text of attribute `key` in the op's `{key = value, …}` (a number: up to the next
  /// `,` or `}`).
  static func attribute(_ key: String, in line: Substring) -> String? {
    for opener in ["{", ", "] {
      guard let r = line.range(of: opener + key + " = ") else { continue }
      let value = line[r.upperBound...].prefix { $0 != "," && $0 != "}" }
      return String(value)
    }
    return nil
  }
}
