/// Backward ops of the losses: the gradient of the (mean) loss with respect to the
/// model's output. They start the backward pass, so they take no incoming gradient.

let lossGradientOps: [OpSchema] = [
  lossGradient(crossEntropy, "softmax(logits) − smoothed one-hot target, weighted, over the batch or the weight sum"),
  lossGradient(regressionLoss("mse", ""), "2·(prediction − target) / element count"),
  lossGradient(regressionLoss("mae", ""), "sign(prediction − target) / element count"),
  lossGradient(bceWithLogits, "(sigmoid(logits) − target), weighted, / element count"),
]

/// `<loss>_grad(output, target) {the loss's attributes}` → the gradient of the loss with
/// respect to `output`, of `output`'s type; the operands and attributes are checked by
/// the loss's own rule.
func lossGradient(_ loss: OpSchema, _ summary: String) -> OpSchema {
  OpSchema(
    name: loss.name + "_grad", summary: "gradient of '\(loss.name)': " + summary, operands: loss.operands,
    attributes: loss.attributes,
    infer: { a throws(ShapeError) in
      _ = try forwardRule(loss, a, operands: 0..<2)
      return [a.operands[0]]
    },
    flops: { a, results in
      // A few per element: the forward's work (softmax or sigmoid) and the difference.
      sum(loss.flopsPerSample(operands: a.operands, results: [.scalarF32], attributes: a.attributes),
          results[0].elementCountPerSample)
    })
}
