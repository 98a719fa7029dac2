import DLCIR
import DLCKernels

/// Losses (a scalar result) and their gradients.
extension Lowering {
  func lowerLoss(_ op: Operation) throws(RuntimeError) -> Step? {
    switch op.opcode {
    case "cross_entropy", "cross_entropy_grad":
      let logitsShape = shape(op.operands[0])
      let (classes, rows) = (logitsShape.last!, logitsShape.reduce(1, *) / logitsShape.last!)
      let (logits, target, y) = (f(op, 0), i32(op.operands[1]), out(op))
      let smoothing = Self.float(op, "label_smoothing")
      let weights = try classWeights(op, classes: classes)
      if op.opcode == "cross_entropy" {
        return {
          weights.withUnsafeBufferPointer { w in
            y.pointee = LossKernel.crossEntropy(logits: logits, target: target, rows: rows, classes: classes,
                                                labelSmoothing: smoothing, classWeights: w.isEmpty ? nil : w.baseAddress)
          }
        }
      }
      return {
        weights.withUnsafeBufferPointer { w in
          LossKernel.crossEntropyGrad(logits: logits, target: target, dlogits: y, rows: rows, classes: classes,
                                      labelSmoothing: smoothing, classWeights: w.isEmpty ? nil : w.baseAddress)
        }
      }
    case "mse", "mae", "mse_grad", "mae_grad":
      let (p, t, y, n) = (f(op, 0), f(op, 1), out(op), count(op.operands[0]))
      switch op.opcode {
      case "mse": return { y.pointee = LossKernel.mse(prediction: p, target: t, count: n) }
      case "mae": return { y.pointee = LossKernel.mae(prediction: p, target: t, count: n) }
      case "mse_grad": return { LossKernel.mseGrad(prediction: p, target: t, dprediction: y, count: n) }
      default: return { LossKernel.maeGrad(prediction: p, target: t, dprediction: y, count: n) }
      }
    case "bce_with_logits", "bce_with_logits_grad":
      let (z, t, y) = (f(op, 0), f(op, 1), out(op))
      let s = shape(op.operands[0])
      let (n, features) = (s.reduce(1, *), s.last ?? 1)
      let posWeight: [Float] = op.attributes["pos_weight"].map { a in
        (a.floatList ?? a.floatValue.map { [$0] } ?? []).map(Float.init)
      } ?? []
      if op.opcode == "bce_with_logits" {
        return {
          posWeight.withUnsafeBufferPointer { w in
            y.pointee = LossKernel.bceWithLogits(logits: z, target: t, count: n, features: features,
                                                 posWeight: w.isEmpty ? nil : w.baseAddress, posWeightCount: w.count)
          }
        }
      }
      return {
        posWeight.withUnsafeBufferPointer { w in
          LossKernel.bceWithLogitsGrad(logits: z, target: t, dlogits: y, count: n, features: features,
                                       posWeight: w.isEmpty ? nil : w.baseAddress, posWeightCount: w.count)
        }
      }
    default: return nil
    }
  }

  /// The class weights of a cross-entropy op: a list, "balanced" (resolved from the
  /// training split by the caller), or none (an empty array: the kernel gets nil).
  private func classWeights(_ op: Operation, classes: Int) throws(RuntimeError) -> [Float] {
    guard let attribute = op.attributes["class_weights"] else { return [] }
    if let list = attribute.floatList { return list.map(Float.init) }
    guard let balanced = options.balancedClassWeights, balanced.count == classes else {
      throw RuntimeError("'class_weights: balanced' needs the class counts of the training split")
    }
    return balanced
  }
}
