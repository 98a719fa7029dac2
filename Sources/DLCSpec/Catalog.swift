/// The catalog: one registry of every name the spec language knows.
///
/// Adding a layer, activation, initializer, loss, metric, optimizer or schedule is one
/// entry in the `Catalog+*.swift` files (plus, in later stages, its shape rule, kernel
/// and gradient). Names that are planned but not yet implemented are listed in `planned`
/// so that a spec using one gets "not supported yet" instead of "unknown".

/// The registry of catalog entries.
public enum Catalog {
  /// Every entry, in documentation order.
  public static let all: [CatalogEntry] = layers + activations + initializers + losses + metrics + optimizers + schedules + passes

  private static let index: [String: CatalogEntry] = {
    var d: [String: CatalogEntry] = [:]
    for e in all { d[key(e.kind, e.name)] = e }
    return d
  }()

  private static func key(_ kind: EntryKind, _ name: String) -> String { kind.rawValue + ":" + name }

  /// The entry of one kind with this name.
  public static func entry(_ kind: EntryKind, _ name: String) -> CatalogEntry? { index[key(kind, name)] }

  /// The first entry among `kinds` with this name.
  public static func entry(in kinds: [EntryKind], _ name: String) -> CatalogEntry? {
    for k in kinds { if let e = entry(k, name) { return e } }
    return nil
  }

  /// All entries of one kind, in documentation order.
  public static func entries(_ kind: EntryKind) -> [CatalogEntry] { all.filter { $0.kind == kind } }

  /// Entry lookup for defaults written in the catalog itself. It searches the kind's own
  /// list, not `index`, because `index` is built from the lists that call it.
  static func use(_ kind: EntryKind, _ name: String, _ args: [String: ArgValue] = [:]) -> ArgValue {
    let list: [CatalogEntry]
    switch kind {
    case .initializer: list = initializers
    case .schedule: list = schedules
    case .activation: list = activations
    default: preconditionFailure("catalog defaults name only initializers, schedules and activations")
    }
    guard let e = list.first(where: { $0.name == name }) else { preconditionFailure("catalog default names unknown \(kind) '\(name)'") }
    return .entry(EntryUse(entry: e, args: args.mapValues { Arg($0, range: nil) }))
  }

  /// Names that the spec language will have but this version does not implement yet.
  public static let planned: [EntryKind: [String]] = [
    .layer: [
      "conv1d", "conv_transpose2d", "depthwise_conv2d", "separable_conv2d", "lstm", "gru", "rnn", "upsample",
      "attention", "cross_attention", "positional_encoding", "spatial_dropout",
    ],
    .activation: plannedActivations,
    .initializer: [],
    .loss: ["focal", "huber", "smooth_l1", "kl_div", "hinge", "bce", "nll", "dice", "triplet", "contrastive"],
    .metric: ["f1", "precision", "recall", "auc", "roc_auc", "top_k_accuracy", "confusion_matrix", "mape"],
    .optimizer: plannedOptimizers,
    .schedule: ["exponential", "plateau", "reduce_on_plateau", "cyclic", "polynomial", "linear", "lr_finder"],
    .pass: ["distill", "ensemble"],
  ]

  /// Whether `name` is planned for `kind` but not implemented.
  public static func isPlanned(_ kind: EntryKind, _ name: String) -> Bool { planned[kind]?.contains(name) ?? false }
}
