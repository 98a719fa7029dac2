import Foundation
import Testing

@testable import DLCKernels

private typealias Tensor = KernelTesting.Tensor

/// Cross-entropy as the nn.CrossEntropyLoss documentation defines it, in Double: per
/// sample (1 − ε)·w_y·(−log p_y) + (ε/C)·Σ_c w_c·(−log p_c), mean over Σ w_y.
private func crossEntropyReference(
  _ z: [Double], _ target: [Int32], classes: Int, smoothing: Double, weights: [Double]?
) -> Double {
  var (total, weightSum) = (0.0, 0.0)
  for r in target.indices {
    let row = Array(z[(r * classes)..<((r + 1) * classes)])
    let lse = Foundation.log(row.reduce(0) { $0 + Foundation.exp($1) })
    let w = weights ?? [Double](repeating: 1, count: classes)
    let y = Int(target[r])
    total += (1 - smoothing) * w[y] * (lse - row[y])
    total += smoothing / Double(classes) * (0..<classes).reduce(0) { $0 + w[$1] * (lse - row[$1]) }
    weightSum += w[y]
  }
  return total / weightSum
}

/// Binary cross-entropy with logits as nn.BCEWithLogitsLoss documents it, in Double:
/// mean of −[p·t·log σ(z) + (1 − t)·log(1 − σ(z))].
private func bceReference(_ z: [Double], _ t: [Double], features: Int, posWeight: [Double]?) -> Double {
  var total = 0.0
  for i in z.indices {
    let p = posWeight.map { $0.count == 1 ? $0[0] : $0[i % features] } ?? 1
    let sigma = 1 / (1 + Foundation.exp(-z[i]))
    total -= p * t[i] * Foundation.log(sigma) + (1 - t[i]) * Foundation.log(1 - sigma)
  }
  return total / Double(z.count)
}

/// Runs cross-entropy and its gradient on Float copies of the inputs.
private func crossEntropy(
  _ z: [Float], _ target: [Int32], classes: Int, smoothing: Float, weights: [Float]?
) -> (loss: Float, grad: [Float]) {
  let (logits, grad) = (Tensor(z), Tensor(count: z.count))
  let w = weights.map { Tensor($0) }
  let loss = target.withUnsafeBufferPointer { t in
    LossKernel.crossEntropyGrad(
      logits: logits.p, target: t.baseAddress!, dlogits: grad.m, rows: target.count, classes: classes,
      labelSmoothing: smoothing, classWeights: w?.p)
    return LossKernel.crossEntropy(
      logits: logits.p, target: t.baseAddress!, rows: target.count, classes: classes, labelSmoothing: smoothing,
      classWeights: w?.p)
  }
  return (loss, grad.array)
}

/// Runs bce-with-logits and its gradient on Float copies of the inputs.
private func bce(_ z: [Float], _ t: [Float], features: Int, posWeight: [Float]?) -> (loss: Float, grad: [Float]) {
  let (logits, target, grad) = (Tensor(z), Tensor(t), Tensor(count: z.count))
  let p = posWeight.map { Tensor($0) }
  let count = posWeight?.count ?? 0
  LossKernel.bceWithLogitsGrad(
    logits: logits.p, target: target.p, dlogits: grad.m, count: z.count, features: features, posWeight: p?.p,
    posWeightCount: count)
  let loss = LossKernel.bceWithLogits(
    logits: logits.p, target: target.p, count: z.count, features: features, posWeight: p?.p, posWeightCount: count)
  return (loss, grad.array)
}

@Suite struct LossTests {
  /// log(e¹ + e² + e³) − 3 = 0.40760596; the other constants are what PyTorch's
  /// F.cross_entropy returns for the same inputs (in float64).
  @Test func crossEntropyPublishedValues() {
    #expect(abs(crossEntropy([1, 2, 3], [2], classes: 3, smoothing: 0, weights: nil).loss - 0.407_605_96) < 1e-6)
    // ε = 0.1: 0.9·0.40760596 + 0.1/3·Σ_c (lse − z_c) = 0.36684537 + 0.14076060.
    #expect(abs(crossEntropy([1, 2, 3], [2], classes: 3, smoothing: 0.1, weights: nil).loss - 0.507_605_96) < 1e-6)
    let z: [Float] = [1, 2, 3, 0.5, 0, -1], w: [Float] = [0.2, 0.3, 0.5]
    #expect(abs(crossEntropy(z, [2, 1], classes: 3, smoothing: 0, weights: w).loss - 0.668_802_70) < 1e-6)
    #expect(abs(crossEntropy(z, [2, 1], classes: 3, smoothing: 0.2, weights: w).loss - 0.752_686_88) < 1e-6)
  }

  @Test func crossEntropyIsStableForHugeLogits() {
    let (loss, grad) = crossEntropy([1000, -1000, 0], [1], classes: 3, smoothing: 0, weights: nil)
    #expect(loss == 2000)
    #expect(grad == [1, -1, 0])
    let smoothed = crossEntropy([1000, -1000, 0, -1000, 1000, 0], [0, 0], classes: 3, smoothing: 0.1, weights: nil)
    #expect(smoothed.loss.isFinite && smoothed.grad.allSatisfy { $0.isFinite })
  }

  @Test(arguments: [(1, 3, Float(0), false), (3, 5, 0.1, false), (4, 7, 0, true), (5, 4, 0.2, true), (1, 1, 0.1, false)])
  func crossEntropyGradientMatchesFiniteDifferences(rows: Int, classes: Int, smoothing: Float, weighted: Bool) {
    let z = KernelTesting.random(rows * classes, seed: 1, scale: 3)
    let target = (0..<rows).map { Int32(($0 * 5 + 2) % classes) }
    let weights = weighted ? KernelTesting.random(classes, seed: 2).map { $0 + 1.5 } : nil
    let grad = crossEntropy(z, target, classes: classes, smoothing: smoothing, weights: weights).grad
    KernelTesting.expectGradient(grad, at: z, "cross-entropy \(rows)x\(classes) ε \(smoothing) weighted \(weighted)") {
      crossEntropyReference($0, target, classes: classes, smoothing: Double(smoothing), weights: weights?.map(Double.init))
    }
    let loss = crossEntropy(z, target, classes: classes, smoothing: smoothing, weights: weights).loss
    let expected = crossEntropyReference(
      z.map(Double.init), target, classes: classes, smoothing: Double(smoothing), weights: weights?.map(Double.init))
    #expect(abs(Double(loss) - expected) <= 1e-6 * (1 + abs(expected)))
  }

  @Test func meanSquaredAndAbsoluteError() {
    let (p, t, g) = (Tensor([1, 2, 3]), Tensor([1, 0, 5]), Tensor(count: 3))
    #expect(abs(LossKernel.mse(prediction: p.p, target: t.p, count: 3) - 8.0 / 3) < 1e-6)
    #expect(abs(LossKernel.mae(prediction: p.p, target: t.p, count: 3) - 4.0 / 3) < 1e-6)
    LossKernel.mseGrad(prediction: p.p, target: t.p, dprediction: g.m, count: 3)
    KernelTesting.expectClose(g.array, [0, 4.0 / 3, -4.0 / 3], tolerance: 1e-7, "mse grad")
    LossKernel.maeGrad(prediction: p.p, target: t.p, dprediction: g.m, count: 3)
    KernelTesting.expectClose(g.array, [0, 1.0 / 3, -1.0 / 3], tolerance: 1e-7, "mae grad (0 at equality)")
  }

  @Test(arguments: [1, 9])
  func regressionGradientsMatchFiniteDifferences(count: Int) {
    let p = KernelTesting.random(count, seed: 3, scale: 2)
    // Targets at least 0.1 from the predictions: |p − t| has a kink at equality.
    let t = KernelTesting.random(count, seed: 4, scale: 2).enumerated().map { i, v in abs(v - p[i]) < 0.1 ? v + 0.3 : v }
    let (tp, tt, g) = (Tensor(p), Tensor(t), Tensor(count: count))
    LossKernel.mseGrad(prediction: tp.p, target: tt.p, dprediction: g.m, count: count)
    KernelTesting.expectGradient(g.array, at: p, "mse \(count)") { x in
      x.indices.reduce(0) { $0 + (x[$1] - Double(t[$1])) * (x[$1] - Double(t[$1])) } / Double(count)
    }
    LossKernel.maeGrad(prediction: tp.p, target: tt.p, dprediction: g.m, count: count)
    KernelTesting.expectGradient(g.array, at: p, "mae \(count)") { x in
      x.indices.reduce(0) { $0 + abs(x[$1] - Double(t[$1])) } / Double(count)
    }
  }

  /// Constants from PyTorch's F.binary_cross_entropy_with_logits on the same inputs:
  /// [2, −1] vs [1, 0], pos_weight 2: (2·log(1 + e⁻²) + log(1 + e⁻¹))/2 = 0.28355885.
  @Test func bcePublishedValues() {
    #expect(abs(bce([2, -1], [1, 0], features: 2, posWeight: [2]).loss - 0.283_558_85) < 1e-6)
    let z: [Float] = [0.5, -1.5, 3.0, -0.25, 2.0, -4.0], t: [Float] = [1, 0, 0.3, 0, 1, 1]
    #expect(abs(bce(z, t, features: 3, posWeight: [2, 0.5, 3]).loss - 2.670_193_37) < 1e-5)
    #expect(abs(bce([0], [1], features: 1, posWeight: nil).loss - Float(M_LN2)) < 1e-7)
  }

  @Test func bceIsStableForHugeLogits() {
    let (loss, grad) = bce([1000, -1000, 1000, -1000], [0, 1, 1, 0], features: 1, posWeight: nil)
    #expect(loss == 500)  // (1000 + 1000 + 0 + 0)/4
    #expect(grad == [0.25, -0.25, 0, 0])
  }

  @Test(arguments: [(1, 1, 0), (6, 3, 3), (8, 4, 1), (5, 5, 0)])
  func bceGradientMatchesFiniteDifferences(count: Int, features: Int, posWeights: Int) {
    let z = KernelTesting.random(count, seed: 5, scale: 4)
    let t = KernelTesting.random(count, seed: 6).map { abs($0) }  // soft targets in [0, 1)
    let p = posWeights == 0 ? nil : KernelTesting.random(posWeights, seed: 7).map { $0 + 2 }
    let (loss, grad) = bce(z, t, features: features, posWeight: p)
    let td = t.map(Double.init), pd = p?.map(Double.init)
    KernelTesting.expectGradient(grad, at: z, "bce \(count)/\(features)/\(posWeights)") {
      bceReference($0, td, features: features, posWeight: pd)
    }
    let expected = bceReference(z.map(Double.init), td, features: features, posWeight: pd)
    #expect(abs(Double(loss) - expected) <= 1e-6 * (1 + expected))
  }
}
