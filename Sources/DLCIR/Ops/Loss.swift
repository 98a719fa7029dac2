/// Losses: a batch of model outputs and targets to one f32 scalar, the mean over the
/// batch (PyTorch's `reduction="mean"`).

let lossOps: [OpSchema] = [crossEntropy, regressionLoss("mse", "mean squared error"), regressionLoss("mae", "mean absolute error"), bceWithLogits]

/// cross_entropy(logits [N, C], target i32 [N]) {label_smoothing, class_weights?} → f32:
/// softmax cross-entropy against class indices (PyTorch `nn.CrossEntropyLoss`).
/// `class_weights` is a list of C positive numbers, or "balanced" (computed from the
/// training split when training starts).
let crossEntropy = OpSchema(
  name: "cross_entropy", summary: "softmax cross-entropy against class indices", operands: ["logits", "target"],
  attributes: [
    .required("label_smoothing", .float, "mass spread uniformly over all classes, in [0, 1)"),
    .optional("class_weights", .either([.list(.float), .choice(["balanced"])]), "per-class weights, or \"balanced\""),
  ],
  infer: { a throws(ShapeError) in
    let logits = try a.sample(0, "logits")
    guard logits.count == 1 else {
      throw ShapeError("'cross_entropy' needs logits [C] per sample, found \(shapeText(logits))",
                       help: "end the model in '- dense: C' for C classes")
    }
    try a.requireFloating(0, "logits")
    guard a.operands[1] == TensorType(dims: [.batch], element: .i32) else {
      throw ShapeError("'cross_entropy' needs class indices tensor<Nxi32> as target, found \(a.operands[1])")
    }
    let smoothing = try a.float("label_smoothing")
    guard smoothing >= 0, smoothing < 1 else {
      throw ShapeError("label smoothing must be in [0, 1), found \(IRFormat.float(smoothing))")
    }
    if let weights = a.attributes["class_weights"]?.floatList {
      guard weights.count == logits[0] else {
        throw ShapeError("\(weights.count) class weights for \(logits[0]) classes", help: "give one weight per class, or 'balanced'")
      }
      guard weights.allSatisfy({ $0 > 0 && $0.isFinite }) else { throw ShapeError("class weights must be positive numbers") }
    }
    return [.scalarF32]
  },
  flops: { a, _ in mul(4, a.operands[0].elementCountPerSample) })

/// mse / mae(prediction, target of the same floating-point type) → f32.
func regressionLoss(_ name: String, _ summary: String) -> OpSchema {
  OpSchema(
    name: name, summary: summary, operands: ["prediction", "target"],
    infer: { a throws(ShapeError) in
      try a.requireFloating(0, "prediction")
      guard a.operands[0] == a.operands[1] else {
        throw ShapeError("'\(name)' needs prediction and target of one shape, found \(describe(a.operands[0])) and \(describe(a.operands[1]))")
      }
      return [.scalarF32]
    },
    flops: { a, _ in mul(3, a.operands[0].elementCountPerSample) })
}

/// bce_with_logits(logits, target of the same floating-point type) {pos_weight?} → f32:
/// sigmoid and binary cross-entropy in one stable step (PyTorch `nn.BCEWithLogitsLoss`);
/// `pos_weight` scales the loss of positive targets: one number, or one per output
/// (the last axis), as PyTorch broadcasts it.
let bceWithLogits = OpSchema(
  name: "bce_with_logits", summary: "sigmoid binary cross-entropy on logits", operands: ["logits", "target"],
  attributes: [
    .optional("pos_weight", .either([.float, .list(.float)]), "weight of positive examples, > 0; one number, or one per output"),
  ],
  infer: { a throws(ShapeError) in
    try a.requireFloating(0, "logits")
    guard a.operands[0] == a.operands[1] else {
      throw ShapeError("'bce_with_logits' needs logits and targets of one shape, found \(describe(a.operands[0])) and \(describe(a.operands[1]))")
    }
    let weights = a.attributes["pos_weight"].map { $0.floatList ?? $0.floatValue.map { [$0] } ?? [] } ?? []
    if case .list? = a.attributes["pos_weight"] {
      let outputs = a.operands[0].dims.last.flatMap { if case .fixed(let n) = $0 { return n } else { return nil } } ?? 1
      guard weights.count == outputs else {
        throw ShapeError("\(weights.count) positive weights for \(outputs) outputs", help: "give one weight per output, or one number")
      }
    }
    guard weights.allSatisfy({ $0 > 0 && $0.isFinite }) else { throw ShapeError("pos_weight must hold positive numbers") }
    return [.scalarF32]
  },
  flops: { a, _ in mul(5, a.operands[0].elementCountPerSample) })
