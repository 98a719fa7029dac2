/// Checks a checkpoint against the run that is about to use it, before any of it is used.
///
/// In: a decoded checkpoint, its path, the run (spec name, normalization, feature count)
/// and what the command does with it. Out: the run facts of its metadata (seed, epoch,
/// step), or a `DataError` naming the file and the field. Every command that reads a
/// checkpoint of its own spec goes through here: `eval`, `predict`, `latency`,
/// `optimize`, `train --resume`, and the emitted trainer's commands; a checkpoint that
/// passes cannot make them silently wrong (another spec's weights of equal shapes,
/// missing statistics that would skip normalization, a NaN weight, a metadata field that
/// would restart or overflow the run).
public enum CheckpointCheck {
  /// What the command does with the checkpoint: it decides which metadata must be there.
  public enum Use: Sendable {
    /// `predict`, `latency`: the weights and the preprocessing statistics.
    case predict
    /// `eval`, `optimize`: also `dlc.seed`, which re-creates the split.
    case evaluate
    /// `train --resume`: also `dlc.epoch` and `dlc.step`, where the run continues.
    case resume
  }

  /// The run's facts as the metadata states them (nil when absent and not needed).
  public struct Facts: Sendable, Equatable {
    public var seed: UInt64?
    public var epoch: Int?
    public var step: Int?
  }

  /// Checks `checkpoint` (read from `path`) for `run`; see the type's summary.
  @discardableResult
  public static func check(_ checkpoint: Checkpoint, path: String, run: RunDescription, use: Use) throws(DataError) -> Facts {
    try checkSpec(checkpoint, path: path, run: run)
    let facts = try metadata(checkpoint, path: path, use: use)
    try checkPreprocessing(checkpoint, path: path, run: run)
    try checkFinite(checkpoint, path: path)
    return facts
  }

  // MARK: steps

  /// The spec the checkpoint names (its stored spec text, else its IR) must be this run's.
  static func checkSpec(_ checkpoint: Checkpoint, path: String, run: RunDescription) throws(DataError) {
    let stored = checkpoint.metadata[Checkpoint.Key.spec].flatMap(specName) ?? checkpoint.metadata[Checkpoint.Key.ir].flatMap(irName)
    if let stored, !run.name.isEmpty, stored != run.name {
      throw .checkpointOtherSpec(path, stored: stored, current: run.name)
    }
  }

  /// Reads and validates every run fact of the metadata; `use` says which must be present.
  static func metadata(_ checkpoint: Checkpoint, path: String, use: Use) throws(DataError) -> Facts {
    let m = checkpoint.metadata
    var facts = Facts()
    if let text = m[Checkpoint.Key.seed] {
      guard let seed = UInt64(text), text.first != "+" else {
        throw .checkpointMetadata(path, Checkpoint.Key.seed, "is '\(excerpt(text))', not a whole number from 0 to \(UInt64.max)")
      }
      facts.seed = seed
    } else if use != .predict {
      throw .checkpointMetadata(path, Checkpoint.Key.seed, "is missing; the split cannot be re-created without the run's seed")
    }
    facts.epoch = try count(m, Checkpoint.Key.epoch, path: path, least: use == .resume ? 1 : 0)
    facts.step = try count(m, Checkpoint.Key.step, path: path, least: 0)
    if use == .resume {
      guard facts.epoch != nil else {
        throw .checkpointMetadata(path, Checkpoint.Key.epoch, "is missing; without it the run would restart at epoch 1 with trained weights")
      }
      guard facts.step != nil else {
        throw .checkpointMetadata(path, Checkpoint.Key.step, "is missing; without it the learning-rate schedule would restart")
      }
    }
    if let position = m[Checkpoint.Key.rngPosition], let epoch = facts.epoch, let step = facts.step {
      let expected = "{\"epoch\":\(epoch),\"step\":\(step)}"
      guard position == expected else {
        throw .checkpointMetadata(path, Checkpoint.Key.rngPosition, "is '\(excerpt(position))', not '\(expected)' as 'dlc.epoch' and 'dlc.step' say")
      }
    }
    return facts
  }

  /// A non-negative decimal count at `key` (nil when absent), at least `least`.
  static func count(_ m: [String: String], _ key: String, path: String, least: Int) throws(DataError) -> Int? {
    guard let text = m[key] else { return nil }
    guard let n = Int(text), n >= least, text.first != "+" else {
      throw .checkpointMetadata(path, key, "is '\(excerpt(text))', not a whole number from \(least) to \(Int.max)")
    }
    return n
  }

  /// The statistics the spec normalizes with must be there, of the feature count, and no others.
  static func checkPreprocessing(_ checkpoint: Checkpoint, path: String, run: RunDescription) throws(DataError) {
    let kinds: [(Normalization, [String])] = [(.standardize, ["mean", "std"]), (.minmax, ["min", "range"])]
    let features = run.data.features > 0 ? run.data.features : run.inputShape.reduce(1, *)
    for (kind, names) in kinds {
      let wanted = run.data.normalize == kind
      for name in names {
        let key = "preprocess." + name
        switch (wanted, checkpoint.tensors[key]) {
        case (true, nil):
          throw .checkpointPreprocessing(path, "the checkpoint has no tensor '\(key)'; the spec normalizes with '\(kind.rawValue)', so its data would not be normalized")
        case (false, .some):
          throw .checkpointPreprocessing(path, "the checkpoint holds '\(key)' of '\(kind.rawValue)' normalization; the spec normalizes with '\(run.data.normalize.rawValue)'")
        case (true, .some(let t)):
          guard t.floats()?.count == features else {
            throw .checkpointPreprocessing(path, "tensor '\(key)' has shape \(shapeText(t.shape)) and type \(t.dtype.rawValue); the spec's \(features) features need [\(features)] F32")
          }
        case (false, nil): break
        }
      }
    }
    if run.data.standardizeTargets {
      for key in ["preprocess.target_mean", "preprocess.target_std"] where checkpoint.tensors[key]?.floats() == nil {
        throw .checkpointPreprocessing(path, "the checkpoint has no tensor '\(key)'; the spec standardizes its targets ('normalize_target')")
      }
    }
  }

  /// Every floating-point tensor holds finite numbers only.
  static func checkFinite(_ checkpoint: Checkpoint, path: String) throws(DataError) {
    for name in checkpoint.tensors.keys.sorted() {
      let tensor = checkpoint.tensors[name]!
      guard [.F64, .F32, .F16, .BF16].contains(tensor.dtype), let values = tensor.floats() else { continue }
      if let i = values.firstIndex(where: { !$0.isFinite }) { throw .checkpointNonFinite(path, name, i, values[i]) }
    }
  }

  // MARK: names

  /// The top-level `name:` of a spec's YAML text, unquoted, without a comment.
  static func specName(_ text: String) -> String? {
    for line in text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
    where line.hasPrefix("name:") {
      var value = Substring(line.dropFirst(5))
      if let hash = value.range(of: " #") { value = value[..<hash.lowerBound] }
      while let c = value.first, c == " " || c == "\t" { value = value.dropFirst() }
      while let c = value.last, c == " " || c == "\t" { value = value.dropLast() }
      if value.count >= 2, let q = value.first, q == "'" || q == "\"", value.last == q { value = value.dropFirst().dropLast() }
      return value.isEmpty ? nil : String(value)
    }
    return nil
  }

  /// The module name of IR text (`module @iris attributes …` → `iris`).
  static func irName(_ text: String) -> String? {
    guard text.hasPrefix("module @") else { return nil }
    let name = text.dropFirst(8).prefix { $0 != " " && $0 != "\n" && $0 != "{" }
    return name.isEmpty ? nil : String(name)
  }
}
