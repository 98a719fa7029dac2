import Foundation

/// Training losses with `reduction="mean"` and their gradients, as PyTorch's
/// `nn.CrossEntropyLoss`, `nn.MSELoss`, `nn.L1Loss` and `nn.BCEWithLogitsLoss` define them.
///
/// Returned scalars are accumulated in Double. Gradients are already divided by the
/// mean's denominator, so they are the gradient of the returned loss.
public enum LossKernel {
  // MARK: Cross-entropy

  /// Mean cross-entropy of `logits` [rows, classes] against class indices `target` [rows].
  ///
  /// From the `nn.CrossEntropyLoss` documentation, with smoothing ε, class weights w (all
  /// 1 when nil) and C classes, the loss of sample n with target y is
  /// (1 − ε)·w_y·(−log p_y) + (ε/C)·Σ_c w_c·(−log p_c), and the mean divides by Σ_n w_{y_n}.
  /// −log p_c = lse − z_c with lse = m + log Σ e^(z − m), m = max z (stable).
  public static func crossEntropy(
    logits: UnsafePointer<Float>, target: UnsafePointer<Int32>, rows: Int, classes: Int,
    labelSmoothing: Float, classWeights: UnsafePointer<Float>?
  ) -> Float {
    let smoothing = Double(labelSmoothing)
    var total = 0.0
    var weightSum = 0.0
    for r in 0..<rows {
      let z = logits + r * classes
      let y = Int(target[r])
      let lse = logSumExp(z, classes)
      let wy = Double(classWeights?[y] ?? 1)
      var loss = (1 - smoothing) * wy * (lse - Double(z[y]))
      if smoothing != 0 {
        var smooth = 0.0
        for c in 0..<classes { smooth += Double(classWeights?[c] ?? 1) * (lse - Double(z[c])) }
        loss += smoothing / Double(classes) * smooth
      }
      total += loss
      weightSum += wy
    }
    return Float(total / weightSum)
  }

  /// ∂(crossEntropy)/∂logits: per row (1 − ε)·w_y·(p_k − δ_ky) + (ε/C)·(W·p_k − w_k), with
  /// W = Σ_c w_c, divided by Σ_n w_{y_n} (the derivative of the formula above).
  public static func crossEntropyGrad(
    logits: UnsafePointer<Float>, target: UnsafePointer<Int32>, dlogits: UnsafeMutablePointer<Float>,
    rows: Int, classes: Int, labelSmoothing: Float, classWeights: UnsafePointer<Float>?
  ) {
    var weightSum = 0.0
    for r in 0..<rows { weightSum += Double(classWeights?[Int(target[r])] ?? 1) }
    var classWeightSum = Double(classes)
    if let w = classWeights {
      classWeightSum = 0
      for c in 0..<classes { classWeightSum += Double(w[c]) }
    }
    let norm = Float(1 / weightSum)
    let eps = labelSmoothing
    let smoothPerClass = eps / Float(classes)
    let smoothTotal = Float(classWeightSum) * smoothPerClass
    for r in 0..<rows {
      let (z, g) = (logits + r * classes, dlogits + r * classes)
      let y = Int(target[r])
      SoftmaxKernel.forwardLine(x: z, y: g, axis: classes, stride: 1)
      let wy = classWeights?[y] ?? 1
      let a = (1 - eps) * wy
      if let w = classWeights {
        for k in 0..<classes { g[k] = (a * g[k] + smoothTotal * g[k] - smoothPerClass * w[k]) * norm }
      } else {
        for k in 0..<classes { g[k] = ((a + smoothTotal) * g[k] - smoothPerClass) * norm }
      }
      g[y] -= a * norm
    }
  }

  /// log Σ e^(z_c) over one row, as m + log Σ e^(z_c − m) with m = max z (in Double).
  @inline(__always)
  static func logSumExp(_ z: UnsafePointer<Float>, _ count: Int) -> Double {
    var m = -Float.infinity
    for c in 0..<count { m = max(m, z[c]) }
    var sum = 0.0
    for c in 0..<count { sum += Double(Foundation.exp(z[c] - m)) }
    return Double(m) + Foundation.log(sum)
  }

  // MARK: Regression

  /// mean (p − t)².
  public static func mse(prediction: UnsafePointer<Float>, target: UnsafePointer<Float>, count: Int) -> Float {
    var sum = 0.0
    for i in 0..<count {
      let d = Double(prediction[i]) - Double(target[i])
      sum += d * d
    }
    return Float(sum / Double(count))
  }

  /// 2(p − t)/count.
  public static func mseGrad(
    prediction: UnsafePointer<Float>, target: UnsafePointer<Float>, dprediction: UnsafeMutablePointer<Float>,
    count: Int
  ) {
    let scale = 2 / Float(count)
    for i in 0..<count { dprediction[i] = (prediction[i] - target[i]) * scale }
  }

  /// mean |p − t|.
  public static func mae(prediction: UnsafePointer<Float>, target: UnsafePointer<Float>, count: Int) -> Float {
    var sum = 0.0
    for i in 0..<count { sum += abs(Double(prediction[i]) - Double(target[i])) }
    return Float(sum / Double(count))
  }

  /// sign(p − t)/count, 0 at equality (as PyTorch's L1 backward).
  public static func maeGrad(
    prediction: UnsafePointer<Float>, target: UnsafePointer<Float>, dprediction: UnsafeMutablePointer<Float>,
    count: Int
  ) {
    let scale = 1 / Float(count)
    for i in 0..<count {
      let d = prediction[i] - target[i]
      dprediction[i] = d > 0 ? scale : (d < 0 ? -scale : 0)
    }
  }

  // MARK: Binary cross-entropy with logits

  /// Mean of −[p·t·log σ(z) + (1 − t)·log(1 − σ(z))] over all elements, p the positive
  /// weight of the element's feature (index i mod `features`; nil = 1, one value = all).
  /// Stable form as PyTorch computes it: (1 − t)·z + (1 + (p − 1)·t)·(log1p(e^(−|z|)) + max(−z, 0)).
  public static func bceWithLogits(
    logits: UnsafePointer<Float>, target: UnsafePointer<Float>, count: Int, features: Int,
    posWeight: UnsafePointer<Float>?, posWeightCount: Int
  ) -> Float {
    var sum = 0.0
    for i in 0..<count {
      let (z, t) = (Double(logits[i]), Double(target[i]))
      let p = Double(positiveWeight(posWeight, posWeightCount, features, i))
      let logWeight = 1 + (p - 1) * t
      sum += (1 - t) * z + logWeight * (Foundation.log1p(Foundation.exp(-abs(z))) + max(-z, 0))
    }
    return Float(sum / Double(count))
  }

  /// ∂(bceWithLogits)/∂z = ((1 + (p − 1)·t)·σ(z) − p·t)/count.
  public static func bceWithLogitsGrad(
    logits: UnsafePointer<Float>, target: UnsafePointer<Float>, dlogits: UnsafeMutablePointer<Float>,
    count: Int, features: Int, posWeight: UnsafePointer<Float>?, posWeightCount: Int
  ) {
    let scale = 1 / Float(count)
    for i in 0..<count {
      let (z, t) = (logits[i], target[i])
      let p = positiveWeight(posWeight, posWeightCount, features, i)
      let sigma = 1 / (1 + Foundation.exp(-z))
      dlogits[i] = ((1 + (p - 1) * t) * sigma - p * t) * scale
    }
  }

  /// The positive weight that applies to element `i`.
  @inline(__always)
  static func positiveWeight(_ w: UnsafePointer<Float>?, _ count: Int, _ features: Int, _ i: Int) -> Float {
    guard let w, count > 0 else { return 1 }
    return count == 1 ? w[0] : w[i % max(features, 1)]
  }
}
