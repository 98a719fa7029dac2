/// The typed spec AST: what the decoder makes of the YAML tree.
///
/// Sections that failed to decode are nil (their errors were reported), so the type
/// checker can still check the rest without reporting follow-on errors.
import DLCSyntax

/// A value with the place it was written.
public struct Located<T: Sendable>: Sendable {
  public var value: T
  public var range: SourceRange

  public init(_ value: T, _ range: SourceRange) {
    self.value = value
    self.range = range
  }
}

/// A whole spec file.
public struct Spec: Sendable {
  public var file: SourceFile
  public var version: Int
  public var name: Located<String>?
  public var seed: Int
  public var data: DataSpec?
  public var model: ModelSpec?
  public var loss: EntryUse?
  public var train: TrainSpec?
  public var optimize: [EntryUse]
  /// The whole document, for errors about the spec as a whole.
  public var range: SourceRange
}

/// The learning task, which decides the target's type and the losses that fit.
public enum Task: String, Sendable, CaseIterable {
  case classification, regression, reconstruction
}

/// Where the data comes from.
public enum DataSource: Sendable {
  /// A CSV file with a header; `target` columns (none for reconstruction).
  case csv(path: Located<String>, target: [Located<String>])
  /// NPY arrays: features `x` and, except for reconstruction, targets `y`.
  case npy(x: Located<String>, y: Located<String>?)
}

/// The `data` section.
public struct DataSpec: Sendable {
  public var source: DataSource?
  public var features: [Located<String>]?
  public var task: Located<Task>?
  public var classes: Located<Int>?
  public var split: SectionValues
  public var normalize: Located<String>
  public var normalizeTarget: Located<String>
  public var range: SourceRange
}

/// Transfer learning: the base model whose prefix starts this one.
public struct BaseSpec: Sendable {
  public var spec: Located<String>
  public var checkpoint: Located<String>
  public var until: Located<String>
  public var range: SourceRange
}

/// One entry of `model.layers`.
public struct LayerSpec: Sendable {
  /// The layer and its parameters; nil if it failed to decode (its name still resolves).
  public var use: EntryUse?
  public var name: Located<String>?
  /// Explicit inputs; nil means "the previous layer".
  public var from: [Located<String>]?
  public var range: SourceRange
  /// Where the layer's kind is written (the caret target for most errors).
  public var kindRange: SourceRange
}

/// The `model` section.
public struct ModelSpec: Sendable {
  public var input: Located<[Int]>?
  public var inputDType: Located<String>
  public var base: BaseSpec?
  public var layers: [LayerSpec]
  public var range: SourceRange
}

/// The `train` section.
public struct TrainSpec: Sendable {
  public var optimizer: EntryUse?
  public var schedule: EntryUse
  public var batchSize: Located<Int>?
  public var epochs: Located<Int>?
  public var earlyStopping: SectionValues?
  public var metrics: [EntryUse]
  public var freeze: [Located<String>]
  public var range: SourceRange
  /// Whether `metrics` was written but failed to decode (already reported): which
  /// metrics it records is then unknown, and checks that depend on it stay quiet.
  public var metricsFailed = false
}
