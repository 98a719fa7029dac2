import DLCIR

/// Magnitude pruning of dense and conv2d weights, in one of two forms.
///
/// **Unstructured** (`structure = "unstructured"`): the weights of smallest magnitude are
/// set to zero, over all layers at one threshold (`scope = "global"`) or the same fraction
/// in each layer (`"layer"`), ties broken by layer order then element index. Each pruned
/// weight `@w` gets a mask parameter `@w_mask` (its type, 0 or 1, `role = "mask"`,
/// `trainable = false`); `autodiff` multiplies `@w` by it after every update, so pruned
/// weights stay zero through fine-tuning and any later training. With fine-tuning and
/// `schedule = "polynomial"` the sparsity rises before epoch e of E to
/// s·(1 − (1 − (e+1)/E)³) (Zhu & Gupta 2017, "To prune, or not to prune"), reaching s for
/// the last epoch, masks recomputed from the current magnitudes; `"one_shot"` prunes to s
/// at once. The output layer (each dense or conv2d whose result reaches the model output
/// through no other dense or conv2d) is kept unless `prune_output` asks for it: its few
/// weights hold the most per weight, and pruning them costs the most accuracy. The masks
/// are for training only: the deployment pipeline ends with `DropMasks`, and the deployed
/// checkpoint stores the zeroed weights compactly (`SparseTensors`).
///
/// **Structured** (`"neuron"`, `"channel"`): whole output neurons of dense layers (or
/// output channels of conv2d layers) with the smallest L1 norm of their weights go, keeping
/// round((1 − s)·n), at least 1. Shapes shrink: the layer's weight rows and bias entries,
/// the batchnorm or layernorm parameters on that axis, and the input columns of the dense
/// or conv2d that reads it (for conv → flatten → dense, each removed channel's H·W block);
/// every op's result type is inferred again by its shape rule. A layer is kept, with a
/// remark saying why, when its outputs reach the model output or an op that cannot shrink
/// with them (add, concat, attention, reshape, …). See `Prune+Structured.swift`.
///
/// Without weights in the context only the IR is rewritten, to the same shapes. With
/// `finetune_epochs > 0` the pruned model is trained by `PassContext.fineTune` at `lr`
/// (default: the optimizer's lr / 10).
///
/// Before (`prune: {sparsity: 0.5, structure: neuron}`):
/// ```
/// %dense_1 = dense(%input, @dense_1.weight, @dense_1.bias) : tensor<Nx256xf32>
/// %batchnorm_1 = batchnorm(%dense_1, @batchnorm_1.gamma, …) {…} : tensor<Nx256xf32>
/// %relu_1 = relu(%batchnorm_1) : tensor<Nx256xf32>
/// %dense_2 = dense(%relu_1, @dense_2.weight, @dense_2.bias) : tensor<Nx10xf32>
/// ```
/// After (`@dense_1.weight : tensor<128x64xf32>`, `@dense_2.weight : tensor<10x128xf32>`):
/// ```
/// %dense_1 = dense(%input, @dense_1.weight, @dense_1.bias) : tensor<Nx128xf32>
/// %batchnorm_1 = batchnorm(%dense_1, @batchnorm_1.gamma, …) {…} : tensor<Nx128xf32>
/// %relu_1 = relu(%batchnorm_1) : tensor<Nx128xf32>
/// %dense_2 = dense(%relu_1, @dense_2.weight, @dense_2.bias) : tensor<Nx10xf32>
/// ```
/// Unstructured, the ops stay as they are and each weight gains a mask:
/// ```
/// param @dense_1.weight_mask : tensor<256x64xf32> {init = {kind = "constant", value = 1.0}, layer = "dense_1", role = "mask", trainable = false}
/// ```
public struct Prune: ModelPass {
  public let name = "prune"
  public let summary = "magnitude pruning: masked weights, or fewer neurons and channels"

  /// What is removed.
  public enum Structure: String, Sendable { case unstructured, neuron, channel }
  /// Where the unstructured threshold is taken.
  public enum Scope: String, Sendable { case global, layer }
  /// How unstructured sparsity grows during fine-tuning.
  public enum Schedule: String, Sendable { case polynomial, oneShot = "one_shot" }

  public var sparsity: Double
  public var structure: Structure
  public var scope: Scope
  public var finetuneEpochs: Int
  public var schedule: Schedule
  /// The fine-tuning learning rate; nil: the optimizer's lr / 10.
  public var lr: Double?
  /// Unstructured: prune the output layer too.
  public var pruneOutput: Bool

  public init(
    sparsity: Double = 0.5, structure: Structure = .unstructured, scope: Scope = .global, finetuneEpochs: Int = 0,
    schedule: Schedule = .polynomial, lr: Double? = nil, pruneOutput: Bool = false
  ) {
    self.sparsity = sparsity
    self.structure = structure
    self.scope = scope
    self.finetuneEpochs = finetuneEpochs
    self.schedule = schedule
    self.lr = lr
    self.pruneOutput = pruneOutput
  }

  /// The pass an `optimize` entry describes (`{sparsity = 0.5, structure = "neuron", …}`).
  public init(options: [String: Attribute]) throws(PassError) {
    // Every option but `lr` is given: Sema (and `dlc optimize --passes`) write the
    // catalog's defaults; an absent `lr` is the optimizer's lr / 10.
    let o = EntryOptions(pass: "prune", options)
    func choice<T: RawRepresentable>(_ key: String) throws(PassError) -> T where T.RawValue == String {
      let raw = try o.string(key)
      guard let v = T(rawValue: raw) else { throw PassError("prune: '\(key)' cannot be \(IRFormat.quote(raw))") }
      return v
    }
    guard let s = options["sparsity"]?.floatValue, s > 0, s < 1 else {
      throw PassError("prune needs 'sparsity' in (0, 1)", help: "e.g. 'prune: {sparsity: 0.5}'")
    }
    let epochs = try o.int("finetune_epochs")
    guard epochs >= 0 else { throw PassError("prune: 'finetune_epochs' must be ≥ 0, found \(epochs)") }
    let lr = options["lr"]?.floatValue
    if let lr, !(lr > 0) { throw PassError("prune: 'lr' must be > 0, found \(lr)") }
    self.init(sparsity: s, structure: try choice("structure"), scope: try choice("scope"), finetuneEpochs: epochs,
              schedule: try choice("schedule"), lr: lr, pruneOutput: try o.bool("prune_output"))
  }

  public func run(on module: inout Module, context: PassContext) throws {
    let f = try module.deployedPredictIndex(for: "prune", help: "prune after training; fine-tuning derives its own training step")
    switch structure {
    case .unstructured: try pruneUnstructured(&module, function: f, context: context)
    case .neuron, .channel:
      try pruneStructured(&module, function: f, context: context)
      try fineTune(module, context: context) { _, _ in }
    }
  }

  /// Trains the pruned model for `finetuneEpochs` with the context's service, keeping
  /// its weights; `beforeEpoch` may rewrite them (masks). Remarks what ran or why not.
  func fineTune(_ module: Module, context: PassContext, beforeEpoch: (Int, inout Weights) throws -> Void) throws {
    guard finetuneEpochs > 0, let weights = context.weights else { return }
    guard let service = context.fineTune else {
      context.remark(name, "no fine-tuning: this command has no training service (finetune_epochs = \(finetuneEpochs))")
      return
    }
    let rate = try learningRate(module)
    context.weights = try service(module, weights, finetuneEpochs, rate, beforeEpoch)
    context.remark(name, "fine-tuned \(finetuneEpochs) epoch\(finetuneEpochs == 1 ? "" : "s") at lr \(IRFormat.float(rate))")
  }

  /// `lr`, or the module's optimizer lr / 10.
  func learningRate(_ module: Module) throws -> Double {
    if let lr { return lr }
    guard let base = module.attributes["train"]?["optimizer"]?["lr"]?.floatValue, base > 0 else {
      throw PassError("prune: the module has no 'train.optimizer.lr' to fine-tune from", help: "give 'lr' in the prune entry")
    }
    return base / 10
  }

  /// The dense and conv2d ops of `function` (indices), in program order.
  static func linearOps(_ function: Function, _ opcodes: Set<String>) -> [Int] {
    function.body.indices.filter { opcodes.contains(function.body[$0].opcode) }
  }
}
