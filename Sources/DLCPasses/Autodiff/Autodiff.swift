import DLCIR

/// Derives the training step: adds `@train_step` (forward in training form, loss,
/// backward ops, optimizer updates) and the optimizer-state parameters, as
/// docs/training-ir.md specifies.
///
/// It reads the module's `train` attribute: `optimizer` (sgd, adam or adamw with every
/// parameter spelled out) and `freeze` (layers whose parameters get no gradient, besides
/// those with `trainable = false`). Each forward op's VJP is a rule in this folder, one
/// file per op family. The backward ops run in reverse program order; a value used by
/// several ops gets the `add` of its gradients (`%x.grad.<user>` each, `%x.grad` the
/// sum). Each update follows the backward op that completes its parameter's gradient,
/// so gradients die early and the memory plan stays small. A parameter `@w` pruned with
/// a mask `@w_mask` (`role = "mask"`) gets `apply_mask(@w, @w_mask)` after its update. Every emitted op carries the
/// location of the forward op it belongs to.
///
/// Before:
/// ```
/// param @dense_1.weight : tensor<3x4xf32> {layer = "dense_1", trainable = true, …}
/// param @dense_1.bias : tensor<3xf32> {layer = "dense_1", trainable = true, …}
/// func @predict(%input: tensor<Nx4xf32>) -> (tensor<Nx3xf32>) {
///   %dense_1 = dense(%input, @dense_1.weight, @dense_1.bias) : tensor<Nx3xf32>
///   return %dense_1
/// }
/// func @loss(%output: tensor<Nx3xf32>, %target: tensor<Nxi32>) -> (tensor<f32>) {
///   %loss = cross_entropy(%output, %target) {label_smoothing = 0.0} : tensor<f32>
///   return %loss
/// }
/// ```
/// After (with `train.optimizer = {kind = "sgd", momentum = 0.0, …}`), besides the above:
/// ```
/// func @train_step(%input: tensor<Nx4xf32>, %target: tensor<Nxi32>, %lr: tensor<f32>, %step: tensor<i64>)
///     -> (tensor<f32>, tensor<Nx3xf32>) {
///   %dense_1 = dense(%input, @dense_1.weight, @dense_1.bias) : tensor<Nx3xf32>
///   %loss = cross_entropy(%dense_1, %target) {label_smoothing = 0.0} : tensor<f32>
///   %dense_1.grad = cross_entropy_grad(%dense_1, %target) {label_smoothing = 0.0} : tensor<Nx3xf32>
///   %dense_1.weight.grad = dense_grad_weight(%dense_1.grad, %input) : tensor<3x4xf32>
///   %dense_1.bias.grad = dense_grad_bias(%dense_1.grad) : tensor<3xf32>
///   sgd_update(@dense_1.weight, %dense_1.weight.grad, %lr, %step) {dampening = 0.0, momentum = 0.0, …}
///   sgd_update(@dense_1.bias, %dense_1.bias.grad, %lr, %step) {dampening = 0.0, momentum = 0.0, …}
///   return %loss, %dense_1
/// }
/// ```
public struct Autodiff: Pass {
  public let name = "autodiff"
  public let summary = "derive @train_step (backward ops and optimizer updates) from @predict and @loss"

  public init() {}

  public func run(on module: inout Module) throws {
    guard module.function(named: "train_step") == nil else {
      throw AutodiffError("the module already has @train_step")
    }
    guard let train = module.attributes["train"]?.dictValue, let optimizer = train["optimizer"]?.dictValue else {
      throw AutodiffError("autodiff needs the module attribute 'train' with an 'optimizer'")
    }
    let plan = try OptimizerPlan(optimizer)
    let trained = Self.trainedParameters(module, frozenLayers: Set(train["freeze"]?.listValue?.compactMap(\.stringValue) ?? []))
    var step = TrainStep(module: module, plan: plan, isTrained: trained.contains, masks: Self.masks(module))
    let function = try step.build()
    let updated = Set(step.updated)
    let state = module.parameters.filter { updated.contains($0.name) }.flatMap(plan.state(of:))
    let names = Set(module.parameters.map(\.name))
    for p in state where names.contains(p.name) {
      throw AutodiffError("the optimizer state @\(p.name) has the name of a parameter of the model")
    }
    module.parameters += state
    module.functions.append(function)
  }

  /// The pruning masks: `@<w>_mask` with `role = "mask"` belongs to `@<w>` (see `Prune`).
  static func masks(_ module: Module) -> [String: String] {
    let names = Set(module.parameters.map(\.name))
    var masks: [String: String] = [:]
    for p in module.parameters where p.attributes["role"]?.stringValue == "mask" && p.name.hasSuffix("_mask") {
      let owner = String(p.name.dropLast("_mask".count))
      if names.contains(owner) { masks[owner] = p.name }
    }
    return masks
  }

  /// The parameters training updates: trainable, floating-point, and not in a frozen layer.
  static func trainedParameters(_ module: Module, frozenLayers: Set<String>) -> Set<String> {
    let trained = module.parameters.filter { p in
      let layer = p.attributes["layer"]?.stringValue
      return p.isTrainable && p.type.element.isFloatingPoint && !(layer.map(frozenLayers.contains) ?? false)
    }
    return Set(trained.map(\.name))
  }
}
