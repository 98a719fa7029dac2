/// The pass pipelines, in the order the passes run, for every command that runs passes;
/// the registry of every pass by name (for `--print-ir-after=<name>`); and the spec's
/// `optimize:` list turned into passes.
import DLCIR

/// The passes dlc runs, listed once.
public enum PassPipeline {
  /// The training module, top to bottom: the spec's training-time passes
  /// (`precompute-frozen`), then `autodiff`, which derives `@train_step`.
  public static func training(_ entries: [OptimizePipeline.Entry]) throws(PassError) -> [any Pass] {
    var passes: [any Pass] = []
    for e in entries where e.runsAtTraining { passes.append(try OptimizePipeline.pass(for: e)) }
    return passes + [Autodiff()]
  }

  /// The deployed model, top to bottom: the spec's deployment passes (all but the
  /// training-time ones) in the order listed, then `drop-masks` when one of them prunes
  /// (the masks serve fine-tuning only).
  public static func deployment(_ entries: [OptimizePipeline.Entry]) throws(PassError) -> [any Pass] {
    var passes: [any Pass] = []
    for e in entries where !e.runsAtTraining { passes.append(try OptimizePipeline.pass(for: e)) }
    if entries.contains(where: { $0.kind == "prune" }) { passes.append(DropMasks()) }
    return passes
  }

  /// Every pass the pipelines can run, with default options: the names
  /// `--print-ir-after` accepts.
  public static var all: [any Pass] {
    [
      PrecomputeFrozen(),
      Autodiff(),
      FoldBatchNorm(),
      Prune(),
      Quantize(),
      DropMasks(),
    ]
  }

  /// The pass called `name` (kebab-case), or nil.
  public static func pass(named name: String) -> (any Pass)? {
    all.first { $0.name == name }
  }
}

/// The spec's `optimize:` list, which Sema writes into the module attribute `optimize`
/// as `[{kind = "fold_batchnorm"}, {kind = "prune", sparsity = 0.5, …}]`, every option
/// spelled out.
public enum OptimizePipeline {
  /// One listed pass: its spec name (`fold_batchnorm`) and options.
  public struct Entry: Sendable, Equatable {
    public var kind: String
    public var options: [String: Attribute]

    public init(kind: String, options: [String: Attribute] = [:]) {
      self.kind = kind
      self.options = options
    }

    /// The pass's kebab-case name (`fold-batchnorm`).
    public var passName: String { String(kind.map { $0 == "_" ? "-" : $0 }) }

    /// Whether the pass changes how training runs rather than the deployed model.
    public var runsAtTraining: Bool { kind == "precompute_frozen" }
  }

  /// The entries of `module`'s `optimize` attribute, in order.
  public static func entries(of module: Module) -> [Entry] {
    (module.attributes["optimize"]?.listValue ?? []).compactMap { item in
      guard var options = item.dictValue, let kind = options.removeValue(forKey: "kind")?.stringValue else { return nil }
      return Entry(kind: kind, options: options)
    }
  }

  /// The pass `entry` names, with its options.
  public static func pass(for entry: Entry) throws(PassError) -> any Pass {
    switch entry.kind {
    case "fold_batchnorm": return FoldBatchNorm()
    case "quantize": return try Quantize(options: entry.options)
    case "prune": return try Prune(options: entry.options)
    case "precompute_frozen": return PrecomputeFrozen()
    default:
      throw PassError("pass '\(entry.passName)' does not run on the deployed model",
                      help: entry.runsAtTraining ? "it applies while training: 'dlc train' runs it" : nil)
    }
  }
}
