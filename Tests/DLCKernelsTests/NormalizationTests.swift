import Foundation
import Testing

@testable import DLCKernels

private typealias Tensor = KernelTesting.Tensor

/// Batch statistics of x [N, C, S] per channel, in Double: (mean, biased variance).
private func channelStatistics(_ x: [Double], batch: Int, channels: Int, spatial: Int) -> [(Double, Double)] {
  let n = Double(batch * spatial)
  var sums = [Double](repeating: 0, count: channels), squares = sums
  for i in x.indices { sums[(i / spatial) % channels] += x[i] }
  let means = sums.map { $0 / n }
  for i in x.indices {
    let d = x[i] - means[(i / spatial) % channels]
    squares[(i / spatial) % channels] += d * d
  }
  return (0..<channels).map { (means[$0], squares[$0] / n) }
}

/// Training-mode batch normalization (Ioffe & Szegedy 2015) in Double.
private func batchNormReference(
  _ x: [Double], _ gamma: [Double], _ beta: [Double], batch: Int, channels: Int, spatial: Int, eps: Double
) -> [Double] {
  let stats = channelStatistics(x, batch: batch, channels: channels, spatial: spatial)
  let scales = (0..<channels).map { gamma[$0] / (stats[$0].1 + eps).squareRoot() }
  var y = x
  for i in x.indices {
    let c = (i / spatial) % channels
    y[i] = (x[i] - stats[c].0) * scales[c] + beta[c]
  }
  return y
}

/// Layer normalization (Ba et al. 2016) over the last axis, in Double.
private func layerNormReference(
  _ x: [Double], _ gamma: [Double], _ beta: [Double], rows: Int, features: Int, eps: Double
) -> [Double] {
  var y = x
  for r in 0..<rows {
    let row = x[(r * features)..<((r + 1) * features)]
    let mean = row.reduce(0, +) / Double(features)
    let variance = row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(features)
    for j in 0..<features { y[r * features + j] = (x[r * features + j] - mean) / (variance + eps).squareRoot() * gamma[j] + beta[j] }
  }
  return y
}

/// (batch, channels, spatial): [N, F] layouts have spatial 1; the others are [N, C, H·W].
private let batchNormShapes = [(4, 3, 1), (1, 2, 6), (3, 2, 9), (5, 7, 1), (256, 300, 1), (8, 16, 576)]

@Suite struct NormalizationTests {
  @Test(arguments: batchNormShapes)
  func batchNormForwardAndRunningStatistics(batch: Int, channels: Int, spatial: Int) {
    let count = batch * channels * spatial
    let x = KernelTesting.random(count, seed: 1, scale: 3)
    let gamma = KernelTesting.random(channels, seed: 2), beta = KernelTesting.random(channels, seed: 3)
    let runningMean0 = KernelTesting.random(channels, seed: 4), runningVar0 = KernelTesting.random(channels, seed: 5).map { $0 + 2 }
    let (tx, tg, tb) = (Tensor(x), Tensor(gamma), Tensor(beta))
    let (rm, rv) = (Tensor(runningMean0), Tensor(runningVar0))
    let (y, mean, invstd) = (Tensor(count: count), Tensor(count: channels), Tensor(count: channels))
    BatchNormKernel.trainForward(
      x: tx.p, gamma: tg.p, beta: tb.p, runningMean: rm.m, runningVar: rv.m, y: y.m, mean: mean.m, invstd: invstd.m,
      batch: batch, channels: channels, spatial: spatial, momentum: 0.1, eps: 1e-5)
    let xd = x.map(Double.init)
    let shape = "\(batch)x\(channels)x\(spatial)"
    KernelTesting.expectClose(
      y.array, batchNormReference(xd, gamma.map(Double.init), beta.map(Double.init), batch: batch, channels: channels,
                                  spatial: spatial, eps: 1e-5), tolerance: 1e-5, "y \(shape)")
    let stats = channelStatistics(xd, batch: batch, channels: channels, spatial: spatial)
    let n = Double(batch * spatial)
    KernelTesting.expectClose(mean.array, stats.map(\.0), tolerance: 1e-6, "mean \(shape)")
    KernelTesting.expectClose(invstd.array, stats.map { 1 / ($0.1 + 1e-5).squareRoot() }, tolerance: 1e-5, "invstd \(shape)")
    // PyTorch: running = 0.9·running + 0.1·batch, with the unbiased variance (n/(n − 1)).
    KernelTesting.expectClose(
      rm.array, zip(runningMean0, stats).map { 0.9 * Double($0) + 0.1 * $1.0 }, tolerance: 1e-6, "running mean \(shape)")
    KernelTesting.expectClose(
      rv.array, zip(runningVar0, stats).map { 0.9 * Double($0) + 0.1 * $1.1 * n / (n - 1) }, tolerance: 1e-6,
      "running var \(shape)")
  }

  /// One step of nn.BatchNorm1d(1) on [1, 2, 3, 4]: mean 2.5, unbiased var 5/3, so
  /// running_mean = 0.1·2.5 = 0.25 and running_var = 0.9 + 0.1·5/3 = 1.0666667 (PyTorch's numbers).
  @Test func runningStatisticsAfterOneStep() {
    let (x, gamma, beta) = (Tensor([1, 2, 3, 4]), Tensor([1]), Tensor([0]))
    let (rm, rv, y, mean, invstd) = (Tensor([0]), Tensor([1]), Tensor(count: 4), Tensor(count: 1), Tensor(count: 1))
    BatchNormKernel.trainForward(
      x: x.p, gamma: gamma.p, beta: beta.p, runningMean: rm.m, runningVar: rv.m, y: y.m, mean: mean.m,
      invstd: invstd.m, batch: 4, channels: 1, spatial: 1, momentum: 0.1, eps: 1e-5)
    #expect(abs(rm.array[0] - 0.25) < 1e-7)
    #expect(abs(rv.array[0] - 1.066_666_7) < 1e-6)
    #expect(abs(invstd.array[0] - Float(1 / (1.25 + 1e-5).squareRoot())) < 1e-6)
    KernelTesting.expectClose(y.array, [-1.5, -0.5, 0.5, 1.5].map { $0 / (1.25 + 1e-5).squareRoot() }, "y")
  }

  @Test(arguments: batchNormShapes)
  func batchNormBackwardMatchesFiniteDifferences(batch: Int, channels: Int, spatial: Int) {
    let count = batch * channels * spatial
    let x = KernelTesting.random(count, seed: 11, scale: 2), r = KernelTesting.random(count, seed: 12)
    let gamma = KernelTesting.random(channels, seed: 13), beta = KernelTesting.random(channels, seed: 14)
    let (tx, tg, tb, dy) = (Tensor(x), Tensor(gamma), Tensor(beta), Tensor(r))
    let (rm, rv) = (Tensor(count: channels, value: 0), Tensor(count: channels, value: 1))
    let (y, mean, invstd) = (Tensor(count: count), Tensor(count: channels), Tensor(count: channels))
    BatchNormKernel.trainForward(
      x: tx.p, gamma: tg.p, beta: tb.p, runningMean: rm.m, runningVar: rv.m, y: y.m, mean: mean.m, invstd: invstd.m,
      batch: batch, channels: channels, spatial: spatial, momentum: 0.1, eps: 1e-5)
    let (dx, dgamma, dbeta) = (Tensor(count: count), Tensor(count: channels), Tensor(count: channels))
    BatchNormKernel.backward(
      dy: dy.p, x: tx.p, gamma: tg.p, mean: mean.p, invstd: invstd.p, dx: dx.m, dgamma: dgamma.m, dbeta: dbeta.m,
      batch: batch, channels: channels, spatial: spatial)
    let (xd, gd, bd) = (x.map(Double.init), gamma.map(Double.init), beta.map(Double.init))
    let shape = "\(batch)x\(channels)x\(spatial)"
    // Each evaluation of the Double reference is O(N·C·S): sample fewer elements of big tensors.
    let samples = count > 10_000 ? 12 : 64
    func loss(_ x: [Double], _ g: [Double], _ b: [Double]) -> Double {
      KernelTesting.dot(r, batchNormReference(x, g, b, batch: batch, channels: channels, spatial: spatial, eps: 1e-5))
    }
    KernelTesting.expectGradient(dx.array, at: x, samples: samples, "batchnorm dx \(shape)") { loss($0, gd, bd) }
    KernelTesting.expectGradient(dgamma.array, at: gamma, samples: samples, "batchnorm dgamma \(shape)") { loss(xd, $0, bd) }
    KernelTesting.expectGradient(dbeta.array, at: beta, samples: samples, "batchnorm dbeta \(shape)") { loss(xd, gd, $0) }
  }

  @Test(arguments: [(1, 5), (7, 3)])
  func batchNormInference(batch: Int, spatial: Int) {
    let channels = 2, count = batch * channels * spatial
    let x = KernelTesting.random(count, seed: 21, scale: 3)
    let (tx, gamma, beta) = (Tensor(x), Tensor([2, -1]), Tensor([0.5, 0.25]))
    let (rm, rv, y) = (Tensor([0.3, -0.2]), Tensor([4, 0.25]), Tensor(count: count))
    BatchNormKernel.inferenceForward(
      x: tx.p, gamma: gamma.p, beta: beta.p, runningMean: rm.p, runningVar: rv.p, y: y.m,
      batch: batch, channels: channels, spatial: spatial, eps: 1e-5)
    let expected = x.indices.map { i -> Double in
      let c = (i / spatial) % channels
      let (m, v, g, b) = ([0.3, -0.2][c], [4.0, 0.25][c], [2.0, -1][c], [0.5, 0.25][c])
      return (Double(x[i]) - m) / (v + 1e-5).squareRoot() * g + b
    }
    KernelTesting.expectClose(y.array, expected, tolerance: 1e-6, "inference \(batch)x\(spatial)")
  }

  @Test(arguments: [(1, 7), (3, 5), (4, 1), (1024, 64)])
  func layerNormForwardAndBackward(rows: Int, features: Int) {
    let count = rows * features
    let x = KernelTesting.random(count, seed: 31, scale: 2), r = KernelTesting.random(count, seed: 32)
    let gamma = KernelTesting.random(features, seed: 33), beta = KernelTesting.random(features, seed: 34)
    let (tx, tg, tb, dy) = (Tensor(x), Tensor(gamma), Tensor(beta), Tensor(r))
    let y = Tensor(count: count)
    LayerNormKernel.forward(x: tx.p, gamma: tg.p, beta: tb.p, y: y.m, rows: rows, features: features, eps: 1e-5)
    let (xd, gd, bd) = (x.map(Double.init), gamma.map(Double.init), beta.map(Double.init))
    KernelTesting.expectClose(
      y.array, layerNormReference(xd, gd, bd, rows: rows, features: features, eps: 1e-5), tolerance: 1e-5,
      "layernorm y \(rows)x\(features)")
    let (dx, dgamma, dbeta) = (Tensor(count: count), Tensor(count: features), Tensor(count: features))
    LayerNormKernel.backward(
      dy: dy.p, x: tx.p, gamma: tg.p, dx: dx.m, dgamma: dgamma.m, dbeta: dbeta.m, rows: rows, features: features,
      eps: 1e-5)
    func loss(_ x: [Double], _ g: [Double], _ b: [Double]) -> Double {
      KernelTesting.dot(r, layerNormReference(x, g, b, rows: rows, features: features, eps: 1e-5))
    }
    let shape = "\(rows)x\(features)"
    let samples = count > 10_000 ? 12 : 64
    KernelTesting.expectGradient(dx.array, at: x, samples: samples, "layernorm dx \(shape)") { loss($0, gd, bd) }
    KernelTesting.expectGradient(dgamma.array, at: gamma, samples: samples, "layernorm dgamma \(shape)") { loss(xd, $0, bd) }
    KernelTesting.expectGradient(dbeta.array, at: beta, samples: samples, "layernorm dbeta \(shape)") { loss(xd, gd, $0) }
  }
}
