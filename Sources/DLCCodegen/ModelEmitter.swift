import DLCIR
import DLCKernels
import DLCPasses

/// The model of an emitted trainer: `Model.swift`, one `final class <Spec>Model:
/// TrainingBackend` whose training step, prediction and loss are straight-line kernel
/// calls and fused loops over two static arenas.
///
/// In: a module after `autodiff` (it has `@train_step`, `@predict`, `@loss`, and
/// `@precompute` when `precompute-frozen` split off a frozen prefix). Out: the
/// Swift source and its sizes. The class is specialized to the module: every size but
/// the batch `n` of a call is a literal; each function family (the training step;
/// prediction with the loss) is planned once at the spec's batch size by `MemoryPlan`
/// into one arena with constant offsets, kernel scratch included; the parameters live in
/// one block at constant offsets, in module order; optimizer hyperparameters are
/// literals in the update calls; only ops the module holds are emitted. The training loop
/// (`DLCTraining`) drives the class like the interpreter, and the results agree to the
/// bit (see `Fusion.swift`).
///
/// `emitDeployed` makes the same class, without the training step, from the IR after the
/// spec's deployment passes (`DeployedModel.swift`): parameters may be i8 or f16 there, the
/// quantized ops are printed from the kernel bindings the interpreter runs (`Bindings+Quantized`).
public enum ModelEmitter {
  /// Emits `module`. `specText`, when given, puts each spec line beside the code it
  /// became.
  public static func emit(_ module: Module, specText: String? = nil) throws -> EmittedModel {
    guard let train = module.function(named: "train_step") else {
      throw CodegenError("the module has no '@train_step' (run the 'autodiff' pass first)")
    }
    let (context, batch) = try context(module, specText: specText)
    let typeName = SwiftName.typeName(module.name) + "Model"

    // The training step: the learning rate and the step arrive as Swift arguments.
    let trainDirect = Set(train.arguments.dropFirst(2).map(\.name))
    let trainPlan = FusedFunction(train, batch: batch, directArguments: trainDirect, scratchBytes: scratch(module, train))
    var trainBody = FunctionEmitter(context: context, fused: trainPlan, direct: trainDirect, depth: 2)
    try trainBody.emit(trainPlan.steps[...])
    let training = ModelClass.Training(
      plan: trainPlan, body: trainBody.text, returns: train.returns.map { trainBody.value($0) },
      arguments: train.arguments.prefix(2).map(\.name))

    // The frozen prefix (`precompute-frozen`): its own arena, run once per sample before training.
    var prefix: ModelClass.Prefix?
    if let precompute = module.function(named: "precompute"), let description = PrecomputeFrozen.Prefix(of: module) {
      let plan = FusedFunction(precompute, batch: batch, directArguments: [], scratchBytes: scratch(module, precompute))
      var body = FunctionEmitter(context: context, fused: plan, direct: [], depth: 2)
      try body.emit(plan.steps[...])
      prefix = ModelClass.Prefix(
        plan: plan, body: body.text, output: body.value(precompute.returns[0]), argument: precompute.arguments[0].name,
        description: description)
    }
    var model = try emitClass(context, typeName: typeName, batch: batch, training: training, prefix: prefix)
    // The expression activations' formula types, declared once here (the deployed model,
    // in the same target, uses them too).
    model.source += ExpressionEmitter.declarations(module)
    return model
  }

  /// Emits the deployed model of `module`, the IR after the deployment passes `passes`
  /// (as `Driver.optimizedModule` gives it, without weights): `<Spec>DeployedModel`,
  /// prediction and loss only, whose training methods throw.
  public static func emitDeployed(_ module: Module, passes: [String], specText: String? = nil) throws -> EmittedModel {
    let (context, batch) = try context(module, specText: specText, deployedPasses: passes.joined(separator: ","))
    var model = try emitClass(context, typeName: SwiftName.typeName(module.name) + "DeployedModel", batch: batch, training: nil, prefix: nil)
    model.passes = passes
    return model
  }

  /// The emit context of `module` and its batch size.
  private static func context(_ module: Module, specText: String?, deployedPasses: String = "") throws -> (EmitContext, Int) {
    guard module.function(named: "predict") != nil, module.function(named: "loss") != nil else {
      throw CodegenError("the module needs '@predict' and '@loss'")
    }
    guard let batch = module.attributes["train"]?["batch_size"]?.intValue, batch > 0 else {
      throw CodegenError("the module has no 'train.batch_size'")
    }
    return (EmitContext(module: module, batchSize: batch, specText: specText, deployedPasses: deployedPasses), batch)
  }

  /// Prediction and loss, then the class around them and the training step (if any).
  private static func emitClass(
    _ context: EmitContext, typeName: String, batch: Int, training: ModelClass.Training?, prefix: ModelClass.Prefix?
  ) throws -> EmittedModel {
    let module = context.module
    let predict = module.function(named: "predict")!, loss = module.function(named: "loss")!
    // Prediction and loss share one arena: one function, split where the loss begins.
    let inference = joined(predict: predict, loss: loss)
    let inferencePlan = FusedFunction(inference, batch: batch, directArguments: [], scratchBytes: scratch(module, inference))
    var predictOps = 0, split = 0
    while predictOps < predict.body.count, split < inferencePlan.steps.count {
      if case .fused(let g) = inferencePlan.steps[split] { predictOps += g.ops.count } else { predictOps += 1 }
      split += 1
    }
    var predictBody = FunctionEmitter(context: context, fused: inferencePlan, direct: [], depth: 2)
    try predictBody.emit(inferencePlan.steps[..<split])
    let output = predictBody.value(inference.returns[0])
    var lossBody = FunctionEmitter(context: context, fused: inferencePlan, direct: [], depth: 2)
    try lossBody.emit(inferencePlan.steps[split...])
    let lossValue = lossBody.value(inference.returns[1])

    let model = ModelClass(
      context: context, typeName: typeName, inferencePlan: inferencePlan, predict: (predictBody.text, output),
      loss: (lossBody.text, lossValue), inferenceArguments: inference.arguments.map(\.name),
      outputWidth: predict.results.first?.elementCountPerSample ?? 0, training: training, prefix: prefix)
    return EmittedModel(
      typeName: typeName, source: model.source(), trainArenaBytes: training?.plan.plan.arenaBytes ?? 0,
      inferenceArenaBytes: inferencePlan.plan.arenaBytes, parameterCount: module.parameters.count,
      parameterBytes: model.parameterBytes)
  }

  /// `@predict` then `@loss` as one function `(input, target) -> (output, loss)`: the
  /// loss reads the prediction's result in place (its values are renamed if a name is taken).
  static func joined(predict: Function, loss: Function) -> Function {
    var names = Set(predict.arguments.map(\.name) + predict.body.flatMap { $0.results.map(\.name) })
    var rename: [String: String] = [loss.arguments[0].name: predict.returns[0]]
    func fresh(_ name: String) -> String {
      var candidate = name, k = 2
      while names.contains(candidate) {
        candidate = "\(name)_\(k)"
        k += 1
      }
      names.insert(candidate)
      return candidate
    }
    var arguments = predict.arguments
    for a in loss.arguments.dropFirst() {
      rename[a.name] = fresh(a.name)
      arguments.append(Value(name: rename[a.name]!, type: a.type))
    }
    var body = predict.body
    for op in loss.body {
      var op = op
      op.operands = op.operands.map { o in
        if case .value(let n) = o { return .value(rename[n] ?? n) }
        return o
      }
      op.results = op.results.map { r in
        rename[r.name] = fresh(r.name)
        return Value(name: rename[r.name]!, type: r.type)
      }
      body.append(op)
    }
    return Function(
      name: "inference", arguments: arguments, results: predict.results + loss.results, body: body,
      returns: predict.returns + loss.returns.map { rename[$0] ?? $0 })
  }

  /// The kernels' scratch bytes of an op at batch `batch`, as the interpreter plans them.
  static func scratch(_ module: Module, _ function: Function) -> (Operation, Int) -> Int {
    let values = module.valueTypes(in: function)
    let params = Dictionary(module.parameters.map { ($0.name, $0.type) }, uniquingKeysWith: { a, _ in a })
    let typeOf: (Operand) -> TensorType = { operand in
      switch operand {
      case .param(let name): return params[name]!
      case .value(let name): return values[name]!
      }
    }
    return { op, batch in KernelScratch.bytes(op, batch: batch, typeOf: typeOf) }
  }
}

/// An emitted model: the text of `Model.swift` (or `DeployedModel.swift`) and what it allocates.
public struct EmittedModel: Sendable, Hashable {
  /// The class name (`DigitsMlpModel`).
  public let typeName: String
  /// The Swift source of `Model.swift`.
  public var source: String
  /// Bytes of the training step's arena (activations, gradients, kernel scratch); 0 for a deployed model.
  public let trainArenaBytes: Int
  /// Bytes of the arena prediction and the loss share.
  public let inferenceArenaBytes: Int
  /// Parameters of the module (weights, biases, running statistics, optimizer state).
  public let parameterCount: Int
  /// Bytes of the parameter block (all parameters in their element types, each padded to 64 bytes).
  public let parameterBytes: Int
  /// The deployment passes of a deployed model (as `dlc.passes` lists them); empty for a trainer.
  public var passes: [String] = []
}
