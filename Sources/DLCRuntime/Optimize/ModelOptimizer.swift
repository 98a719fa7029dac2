/// The deployed model: a trained checkpoint rewritten by the `optimize:` passes, saved as
/// a checkpoint whose metadata holds the optimized IR, so `dlc eval` and `dlc predict`
/// (and an emitted package) run exactly what the passes produced.
import DLCIR
import DLCPasses
import DLCTraining

/// Runs optimization passes over a checkpoint.
public enum ModelOptimizer {
  /// The metadata key listing the passes an optimized checkpoint went through.
  public static let passesKey = Checkpoint.Key.passes

  /// Size and cost of a module, for the before/after report.
  public struct Size: Sendable, Equatable {
    public var parameters: Int
    public var bytes: Int
    public var flopsPerSample: Int
    public var ops: Int

    /// Parameters count the model's weights, not optimizer state or pruning masks (which
    /// bytes do count while a module has them; the deployed model has none, `DropMasks`).
    public init(_ module: Module) {
      parameters = module.parameters
        .filter { $0.attributes["state"]?.stringValue != "optimizer" && $0.attributes["role"]?.stringValue != "mask" }
        .reduce(0) { saturatingAdd($0, $1.type.elementCountPerSample) }
      bytes = module.modelBytes
      flopsPerSample = module.flopsPerSample(function: "predict")
      ops = module.function(named: "predict")?.body.count ?? 0
    }
  }

  /// What one optimization did.
  public struct Result {
    public var module: Module
    public var weights: Weights
    public var remarks: [PassRemark]
    public var before: Size
    public var after: Size
  }

  /// Runs `passes` over `module` with the weights of `checkpoint`; `prepare` may set the
  /// context's runtime services (calibration, fine-tuning) before the passes run.
  public static func optimize(
    module: Module, passes: [any Pass], checkpoint: Checkpoint, path: String,
    printAfterAll: Bool = false, printAfter: Set<String> = [], sink: @escaping (String) -> Void = { _ in },
    prepare: (PassContext) throws -> Void = { _ in }
  ) throws -> Result {
    let context = PassContext(weights: try Weights(module: module, checkpoint: checkpoint, path: path))
    try prepare(context)
    var optimized = module
    try PassManager(passes: passes, printAfterAll: printAfterAll, printAfter: printAfter, sink: sink, context: context)
      .run(on: &optimized)
    guard let weights = context.weights else { throw RuntimeError("the passes dropped the weights") }
    for p in optimized.parameters where weights[p.name] == nil {
      throw RuntimeError("internal error: the passes left parameter '@\(p.name)' without weights")
    }
    return Result(module: optimized, weights: weights, remarks: context.remarks, before: Size(module), after: Size(optimized))
  }

  /// The optimized model as a checkpoint: its weights (mostly-zero ones stored compactly,
  /// `SparseTensors`), the source's preprocessing statistics, and metadata naming the
  /// passes and holding the optimized IR.
  public static func checkpoint(_ result: Result, source: Checkpoint, passes: [String]) -> Checkpoint {
    var tensors = result.weights.checkpointTensors
    for (name, t) in source.tensors where name.hasPrefix("preprocess.") { tensors[name] = t }
    var metadata: [String: String] = [:]
    for key in [Checkpoint.Key.spec, Checkpoint.Key.seed, Checkpoint.Key.epoch, Checkpoint.Key.version] {
      metadata[key] = source.metadata[key]
    }
    metadata[Checkpoint.Key.ir] = printModule(result.module)
    metadata[passesKey] = passes.joined(separator: ",")
    var optimized = Checkpoint(tensors: tensors, metadata: metadata)
    SparseTensors.compact(&optimized, names: result.module.parameters.map(\.name))
    return optimized
  }

  /// The bytes `module`'s parameters take in `checkpoint` as stored (compact parts
  /// included; optimizer state and preprocessing statistics not): the deployed model's size.
  public static func storedModelBytes(_ checkpoint: Checkpoint, module: Module) -> Int {
    let names = Set(module.parameters.filter { $0.attributes["state"]?.stringValue != "optimizer" }.map(\.name))
    return checkpoint.tensors.reduce(0) { total, item in
      names.contains(SparseTensors.owner(of: item.key) ?? item.key) ? total + item.value.bytes.count : total
    }
  }

  /// The module a checkpoint runs: its own IR when passes rewrote it, else `module`.
  public static func module(for checkpoint: Checkpoint, path: String, default module: Module) throws -> Module {
    guard checkpoint.metadata[passesKey] != nil else { return module }
    guard let text = checkpoint.metadata[Checkpoint.Key.ir] else {
      throw RuntimeError("\(path): an optimized checkpoint without its IR ('\(Checkpoint.Key.ir)' metadata)")
    }
    let parsed: Module
    do { parsed = try parseModule(text) } catch {
      throw RuntimeError("\(path): the optimized IR in the checkpoint does not parse: \(error)")
    }
    let problems = verify(parsed)
    guard problems.isEmpty else {
      throw RuntimeError("\(path): the optimized IR in the checkpoint is invalid: " + problems.map { "\($0)" }.joined(separator: "; "))
    }
    guard parsed.function(named: "predict")?.arguments.map(\.type) == module.function(named: "predict")?.arguments.map(\.type) else {
      throw RuntimeError("\(path): the optimized model takes another input than this spec's model; it was written for another spec")
    }
    return parsed
  }
}
