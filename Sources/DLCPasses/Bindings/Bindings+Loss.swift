import DLCIR
import DLCKernels

/// Losses (a scalar result, returned by the kernel) and their gradients.
let lossBindings: [String: KernelBinding] = [
  "cross_entropy": KernelBinding { v in
    [
      KernelCall("LossKernel.crossEntropy", crossEntropyArguments(v, gradient: false), returns: 0) { a in
        let (logits, target, weights, y) = (a.f32("logits"), a.i32("target"), a.floats("classWeights"), a.returned!)
        let (rows, classes, smoothing) = (a.int("rows"), a.int("classes"), a.float("labelSmoothing"))
        return {
          weights.withUnsafeBufferPointer { w in
            y.pointee = LossKernel.crossEntropy(logits: logits, target: target, rows: rows, classes: classes,
                                                labelSmoothing: smoothing, classWeights: w.isEmpty ? nil : w.baseAddress)
          }
        }
      }
    ]
  },
  "cross_entropy_grad": KernelBinding { v in
    [
      KernelCall("LossKernel.crossEntropyGrad", crossEntropyArguments(v, gradient: true)) { a in
        let (logits, target, dlogits, weights) = (a.f32("logits"), a.i32("target"), a.f32("dlogits"), a.floats("classWeights"))
        let (rows, classes, smoothing) = (a.int("rows"), a.int("classes"), a.float("labelSmoothing"))
        return {
          weights.withUnsafeBufferPointer { w in
            LossKernel.crossEntropyGrad(logits: logits, target: target, dlogits: dlogits, rows: rows, classes: classes,
                                        labelSmoothing: smoothing, classWeights: w.isEmpty ? nil : w.baseAddress)
          }
        }
      }
    ]
  },
  "mse": KernelBinding { v in
    [
      KernelCall("LossKernel.mse", regressionArguments(v, gradient: false), returns: 0) { a in
        let (p, t, n, y) = (a.f32("prediction"), a.f32("target"), a.int("count"), a.returned!)
        return { y.pointee = LossKernel.mse(prediction: p, target: t, count: n) }
      }
    ]
  },
  "mae": KernelBinding { v in
    [
      KernelCall("LossKernel.mae", regressionArguments(v, gradient: false), returns: 0) { a in
        let (p, t, n, y) = (a.f32("prediction"), a.f32("target"), a.int("count"), a.returned!)
        return { y.pointee = LossKernel.mae(prediction: p, target: t, count: n) }
      }
    ]
  },
  "mse_grad": KernelBinding { v in
    [
      KernelCall("LossKernel.mseGrad", regressionArguments(v, gradient: true)) { a in
        let (p, t, dp, n) = (a.f32("prediction"), a.f32("target"), a.f32("dprediction"), a.int("count"))
        return { LossKernel.mseGrad(prediction: p, target: t, dprediction: dp, count: n) }
      }
    ]
  },
  "mae_grad": KernelBinding { v in
    [
      KernelCall("LossKernel.maeGrad", regressionArguments(v, gradient: true)) { a in
        let (p, t, dp, n) = (a.f32("prediction"), a.f32("target"), a.f32("dprediction"), a.int("count"))
        return { LossKernel.maeGrad(prediction: p, target: t, dprediction: dp, count: n) }
      }
    ]
  },
  "bce_with_logits": KernelBinding { v in
    [
      KernelCall("LossKernel.bceWithLogits", bceArguments(v, gradient: false), returns: 0) { a in
        let (z, t, weights, y) = (a.f32("logits"), a.f32("target"), a.floats("posWeight"), a.returned!)
        let (n, features) = (a.int("count"), a.int("features"))
        return {
          weights.withUnsafeBufferPointer { w in
            y.pointee = LossKernel.bceWithLogits(logits: z, target: t, count: n, features: features,
                                                 posWeight: w.isEmpty ? nil : w.baseAddress, posWeightCount: w.count)
          }
        }
      }
    ]
  },
  "bce_with_logits_grad": KernelBinding { v in
    [
      KernelCall("LossKernel.bceWithLogitsGrad", bceArguments(v, gradient: true)) { a in
        let (z, t, dz, weights) = (a.f32("logits"), a.f32("target"), a.f32("dlogits"), a.floats("posWeight"))
        let (n, features) = (a.int("count"), a.int("features"))
        return {
          weights.withUnsafeBufferPointer { w in
            LossKernel.bceWithLogitsGrad(logits: z, target: t, dlogits: dz, count: n, features: features,
                                         posWeight: w.isEmpty ? nil : w.baseAddress, posWeightCount: w.count)
          }
        }
      }
    ]
  },
]

/// (logits [rows, classes], target [rows] class indices), dlogits for the gradient, the
/// sizes, the smoothing, and the class weights: a list, "balanced" (from the training
/// split, known only when training starts), or none.
private func crossEntropyArguments(_ v: OpView, gradient: Bool) -> [KernelArgument] {
  let shape = v.dims(0)
  let classes = shape[shape.count - 1]
  let weights: KernelValue
  switch v.attributes.optional("class_weights") {
  case nil: weights = .none
  case .some(let attribute):
    if let list = attribute.floatList {
      weights = .floats(.constant(name: "classWeights", list.map(Float.init)))
    } else {
      weights = .floats(.balancedClassWeights(classes: classes.factor))
    }
  }
  return [.init("logits", .operand(0)), .init("target", .operand(1))] + (gradient ? [.init("dlogits", .result(0))] : []) + [
    .init("rows", .size(Extent.product(shape) / classes.factor)), .init("classes", .size(classes)),
    .init("labelSmoothing", .float(v.attributes.float("label_smoothing"))), .init("classWeights", weights),
  ]
}

/// (prediction, target), dprediction for the gradient, and the element count.
private func regressionArguments(_ v: OpView, gradient: Bool) -> [KernelArgument] {
  [.init("prediction", .operand(0)), .init("target", .operand(1))] + (gradient ? [.init("dprediction", .result(0))] : [])
    + [.init("count", .size(v.count(0)))]
}

/// (logits, target), dlogits for the gradient, sizes, and `pos_weight` (one number, or
/// one per output feature) as a constant.
private func bceArguments(_ v: OpView, gradient: Bool) -> [KernelArgument] {
  let shape = v.dims(0)
  let posWeight: [Float] = v.attributes.optional("pos_weight").map { a in
    (a.floatList ?? a.floatValue.map { [$0] } ?? []).map(Float.init)
  } ?? []
  return [.init("logits", .operand(0)), .init("target", .operand(1))] + (gradient ? [.init("dlogits", .result(0))] : []) + [
    .init("count", .size(Extent.product(shape))), .init("features", .size(shape[shape.count - 1])),
    .init("posWeight", posWeight.isEmpty ? .none : .floats(.constant(name: "posWeight", posWeight))),
    .init("posWeightCount", .int(posWeight.count)),
  ]
}
