/// Losses: a batch of outputs and targets to one f32 scalar (the batch mean).

let lossOps: [OpSchema] = [crossEntropy, regression("mse", "mean squared error"), regression("mae", "mean absolute error"), bceWithLogits]

/// cross_entropy(logits [N, C], target i32 [N]) {label_smoothing, class_weights?}: log-softmax form.
let crossEntropy = OpSchema("cross_entropy", "softmax cross-entropy against class indices", attributes: [
  "label_smoothing": (.float, true), "class_weights": (.any, false),
], infer: { ops, a throws(ShapeError) in
  try operandCount(ops, 2...2, "cross_entropy")
  let logits = try sample(ops[0], "the logits")
  guard logits.count == 1 else { throw ShapeError("cross_entropy needs [C] logits per sample, found \(shapeText(logits))") }
  guard ops[1] == TensorType(dims: [.batch], element: .i32) else { throw ShapeError("cross_entropy needs i32 class indices [N], found \(ops[1])") }
  if let w = a["class_weights"]?.listValue, w.count != logits[0] {
    throw ShapeError("\(w.count) class weights for \(logits[0]) classes")
  }
  return [scalarF32]
}, flops: { ops, _, _ in 4 * ops[0].elementCount(batch: 1) })

func regression(_ name: String, _ summary: String) -> OpSchema {
  OpSchema(name, summary, infer: { ops, _ throws(ShapeError) in
    try operandCount(ops, 2...2, name)
    guard ops[0] == ops[1], ops[0].element == .f32 else { throw ShapeError("\(name) needs prediction and target of one f32 shape, found \(ops[0]) and \(ops[1])") }
    return [scalarF32]
  }, flops: { ops, _, _ in 3 * ops[0].elementCount(batch: 1) })
}

/// bce_with_logits(logits, target f32 of the same shape) {pos_weight?}.
let bceWithLogits = OpSchema("bce_with_logits", "sigmoid binary cross-entropy on logits", attributes: ["pos_weight": (.float, false)],
                             infer: { ops, _ throws(ShapeError) in
  try operandCount(ops, 2...2, "bce_with_logits")
  guard ops[0] == ops[1], ops[0].element == .f32 else { throw ShapeError("bce_with_logits needs logits and targets of one f32 shape, found \(ops[0]) and \(ops[1])") }
  return [scalarF32]
}, flops: { ops, _, _ in 5 * ops[0].elementCount(batch: 1) })
