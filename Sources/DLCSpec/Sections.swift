/// The fixed-key sections of a spec, as data: each key's type, default and meaning.
/// The decoder validates keys and values against these, and the docs tables are made
/// from them, like the catalog's.
import DLCSyntax

/// A section's schema: its name in messages and its keys.
public struct Section: Sendable {
  public var name: String
  public var keys: [ParamSpec]

  public func key(_ name: String) -> ParamSpec? { keys.first { $0.name == name } }
}

/// A decoded section: the arguments written, with defaults behind them.
public struct SectionValues: Sendable, ArgLookup {
  public var section: Section
  public var args: [String: Arg]
  public var range: SourceRange?

  public func arg(_ name: String) -> Arg? {
    if let a = args[name] { return a }
    guard let p = section.key(name), case .value(let v) = p.default else { return nil }
    return Arg(v, range: nil)
  }

  public func range(of name: String) -> SourceRange? { args[name]?.range ?? range }
}

extension Section {
  public static let top = Section(name: "the spec", keys: [
    ParamSpec("dlc", .int(.any), .required, "spec language version; must be 1"),
    ParamSpec("name", .string, .required, "the model's name: letters, digits, `_` and `-`, not starting with a digit"),
    ParamSpec("seed", .int(.atLeast(0)), .value(.int(0)), "seed of every random choice (init, shuffling, dropout)"),
    ParamSpec("data", .section("data"), .required, "the data and its preparation"),
    ParamSpec("model", .section("model"), .required, "the model"),
    ParamSpec("loss", .entry(.loss), .required, "the loss"),
    ParamSpec("train", .section("train"), .required, "how to train"),
    ParamSpec("optimize", .list(.entry(.pass), minCount: 0), .value(.list([])), "passes for the deployed model, run in this order after training"),
  ])

  public static let data = Section(name: "'data'", keys: [
    ParamSpec("source", .section("source"), .required, "`{csv: PATH, target: COLUMN}` or `{npy: {x: PATH, y: PATH}}`"),
    ParamSpec("features", .list(.string, minCount: 1), .optional, "CSV only: the input columns (default: all but the target)"),
    ParamSpec("task", .choice(Task.allCases.map(\.rawValue)), .required, "what is learned"),
    ParamSpec("classes", .int(Bounds(lower: 2, upper: Double(Limits.classes))), .optional, "number of classes (default: read from the label column)"),
    ParamSpec("split", .section("split"), .optional, "holdout fractions (default: `{valid: 0.2}`)"),
    ParamSpec("normalize", .choice(["none", "standardize", "minmax"]), .value(.string("none")),
              "feature scaling; statistics from the train split only"),
    ParamSpec("normalize_target", .choice(["none", "standardize"]), .value(.string("none")),
              "regression: standardize the targets with train-split statistics; predictions and metrics stay in the data's units"),
  ])

  public static let source = Section(name: "'source'", keys: [
    ParamSpec("csv", .path, .optional, "a CSV file with a header row"),
    ParamSpec("npy", .section("npy"), .optional, "`{x: PATH, y: PATH}`: NPY arrays"),
    ParamSpec("target", .list(.string, minCount: 1), .optional, "CSV target column, or a list of them (regression)"),
  ])

  public static let npy = Section(name: "'npy'", keys: [
    ParamSpec("x", .path, .required, "features, shape [samples, ...]"),
    ParamSpec("y", .path, .optional, "targets, shape [samples] or [samples, outputs]"),
  ])

  public static let split = Section(name: "'split'", keys: [
    ParamSpec("valid", .float(.unitOpen), .value(.float(0.2)), "fraction held out for validation"),
    ParamSpec("test", .float(.unitOpen), .value(.float(0)), "fraction held out for the final test"),
    ParamSpec("stratify", .bool, .value(.bool(false)), "keep class proportions in every split (classification)"),
  ])

  public static let model = Section(name: "'model'", keys: [
    ParamSpec("input", .shape, .required, "shape of one sample"),
    ParamSpec("input_dtype", .choice(["f32", "i32"]), .value(.string("f32")), "`i32` for token ids feeding `embedding`"),
    ParamSpec("base", .section("base"), .optional, "transfer learning: `{spec, checkpoint, until}`"),
    ParamSpec("layers", .list(.section("layer"), minCount: 1), .required, "the layers in order"),
  ])

  public static let base = Section(name: "'base'", keys: [
    ParamSpec("spec", .path, .required, "the base model's spec"),
    ParamSpec("checkpoint", .path, .required, "its trained weights (read when training starts)"),
    ParamSpec("until", .layerRef, .required, "the last base layer to take"),
  ])

  public static let train = Section(name: "'train'", keys: [
    ParamSpec("optimizer", .entry(.optimizer), .required, "the update rule"),
    ParamSpec("schedule", .entry(.schedule), .value(Catalog.use(.schedule, "constant")), "the learning-rate schedule"),
    ParamSpec("batch_size", .int(Bounds(lower: 1, upper: Double(Limits.batchSize))), .required, "samples per step"),
    ParamSpec("epochs", .int(.epochs(from: 1)), .required, "passes over the train split"),
    ParamSpec("early_stopping", .section("early_stopping"), .optional, "stop when a validation metric stops improving"),
    ParamSpec("metrics", .list(.entry(.metric), minCount: 0), .value(.list([])), "recorded each epoch (`loss` always is)"),
    ParamSpec("freeze", .list(.layerRef, minCount: 0), .value(.list([])), "layers whose parameters are not trained"),
  ])

  public static let earlyStopping = Section(name: "'early_stopping'", keys: [
    ParamSpec("monitor", .string, .value(.string("valid_loss")), "`valid_loss` or `valid_<metric>`"),
    ParamSpec("patience", .int(.epochs(from: 0)), .value(.int(5)), "epochs without improvement before stopping"),
    ParamSpec("min_delta", .float(.atLeast(0)), .value(.float(0)), "smallest change that counts as improvement"),
    ParamSpec("restore_best", .bool, .value(.bool(true)), "end with the best epoch's weights"),
  ])

  /// The keys every layer entry may have besides its parameters.
  public static let layerCommon = Section(name: "a layer", keys: [
    ParamSpec("name", .string, .optional, "the layer's name (default `<kind>_<n>`)"),
    ParamSpec("from", .list(.layerRef, minCount: 1), .optional, "input layers (default: the previous layer)"),
  ])

  /// Every fixed-key section (tools and tests enumerate the spec language from here).
  public static let all: [Section] = [top, data, source, npy, split, model, base, train, earlyStopping, layerCommon]

  /// Keys the spec language will have but version 1 does not implement.
  public static let plannedKeys: Set<String> = [
    "augment", "balance", "kfold", "lr_finder", "distill", "ensemble", "gradient_clipping", "mixed_precision",
  ]
}
