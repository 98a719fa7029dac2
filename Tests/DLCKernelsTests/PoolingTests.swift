import Testing

@testable import DLCKernels

private typealias Tensor = KernelTesting.Tensor

/// Max or average pooling in Double, straight from the definition (PyTorch `nn.MaxPool2d`,
/// `nn.AvgPool2d` with count_include_pad): padding is −∞ for max and 0 for average.
private func poolReference(_ x: [Double], _ s: Pool2DShape, max useMax: Bool) -> [Double] {
  var y: [Double] = []
  for plane in 0..<s.batch * s.channels {
    for oy in 0..<s.outHeight {
      for ox in 0..<s.outWidth {
        var best = -Double.infinity, total = 0.0
        for i in 0..<s.windowH {
          for j in 0..<s.windowW {
            let iy = oy * s.strideH - s.padH + i, ix = ox * s.strideW - s.padW + j
            guard iy >= 0, iy < s.height, ix >= 0, ix < s.width else { continue }
            let v = x[(plane * s.height + iy) * s.width + ix]
            best = Swift.max(best, v)
            total += v
          }
        }
        y.append(useMax ? best : total / Double(s.windowH * s.windowW))
      }
    }
  }
  return y
}

private func pool(
  _ n: Int, _ c: Int, _ h: Int, _ w: Int, window: (Int, Int), stride: (Int, Int), pad: (Int, Int) = (0, 0)
) -> Pool2DShape {
  Pool2DShape(
    batch: n, channels: c, height: h, width: w, windowH: window.0, windowW: window.1,
    strideH: stride.0, strideW: stride.1, padH: pad.0, padW: pad.1)
}

private let shapes: [Pool2DShape] = [
  pool(1, 1, 4, 4, window: (2, 2), stride: (2, 2)),
  pool(2, 3, 5, 7, window: (2, 2), stride: (2, 2)),
  pool(3, 2, 7, 5, window: (3, 3), stride: (2, 2), pad: (1, 1)),
  pool(1, 2, 6, 9, window: (3, 2), stride: (1, 3), pad: (1, 0)),
  pool(16, 16, 26, 26, window: (2, 2), stride: (2, 2)),  // splits over threads
]

@Suite struct PoolingTests {
  @Test(arguments: shapes)
  func forwardMatchesReference(s: Pool2DShape) {
    let x = KernelTesting.random(s.batch * s.channels * s.height * s.width, seed: 31)
    let tx = Tensor(x), outCount = s.batch * s.channels * s.outHeight * s.outWidth
    let maxY = Tensor(count: outCount), avgY = Tensor(count: outCount)
    PoolKernel.maxForward(x: tx.p, y: maxY.m, shape: s)
    PoolKernel.avgForward(x: tx.p, y: avgY.m, shape: s)
    KernelTesting.expectClose(maxY.array, poolReference(x.map(Double.init), s, max: true), "max \(s)")
    KernelTesting.expectClose(avgY.array, poolReference(x.map(Double.init), s, max: false), "avg \(s)")
  }

  @Test(arguments: shapes.prefix(4))
  func backwardMatchesFiniteDifferences(s: Pool2DShape) {
    // Distinct random inputs: no ties, so the maximum is differentiable at x.
    let x = KernelTesting.random(s.batch * s.channels * s.height * s.width, seed: 32)
    let r = KernelTesting.random(s.batch * s.channels * s.outHeight * s.outWidth, seed: 33)
    let (tx, tr) = (Tensor(x), Tensor(r))
    let maxDx = Tensor(count: x.count), avgDx = Tensor(count: x.count)
    PoolKernel.maxBackward(dy: tr.p, x: tx.p, dx: maxDx.m, shape: s)
    PoolKernel.avgBackward(dy: tr.p, dx: avgDx.m, shape: s)
    KernelTesting.expectGradient(maxDx.array, at: x, "max dx \(s)") { KernelTesting.dot(r, poolReference($0, s, max: true)) }
    KernelTesting.expectGradient(avgDx.array, at: x, "avg dx \(s)") { KernelTesting.dot(r, poolReference($0, s, max: false)) }
  }

  @Test func maxBackwardGivesTiesToTheFirstMaximum() {
    let s = pool(1, 1, 2, 2, window: (2, 2), stride: (2, 2))
    let (x, dy, dx) = (Tensor([1, 3, 3, 2]), Tensor([5]), Tensor(count: 4))
    PoolKernel.maxBackward(dy: dy.p, x: x.p, dx: dx.m, shape: s)
    #expect(dx.array == [0, 5, 0, 0])
  }

  /// The vectorized 2 × 2 backward (8, 4 and 1 windows at a time, odd edges) routes dy
  /// to each window's first maximum, ties included (inputs drawn from a few values).
  @Test func pairwiseMaxBackwardRoutesToTheFirstMaximum() {
    let s = pool(2, 3, 9, 27, window: (2, 2), stride: (2, 2))
    let x = KernelTesting.random(s.batch * s.channels * s.height * s.width, seed: 34).map { ($0 * 3).rounded() }
    let dy = KernelTesting.random(s.batch * s.channels * s.outHeight * s.outWidth, seed: 35)
    let (tx, tdy) = (Tensor(x), Tensor(dy))
    let dx = Tensor(KernelTesting.random(x.count, seed: 36))  // stale values must be overwritten
    PoolKernel.maxBackward(dy: tdy.p, x: tx.p, dx: dx.m, shape: s)
    var expected = [Float](repeating: 0, count: x.count)
    for plane in 0..<s.batch * s.channels {
      for oy in 0..<s.outHeight {
        for ox in 0..<s.outWidth {
          let base = plane * s.height * s.width + 2 * oy * s.width + 2 * ox
          let window = [base, base + 1, base + s.width, base + s.width + 1]
          var at = window[0]
          for i in window.dropFirst() where x[i] > x[at] { at = i }
          expected[at] = dy[(plane * s.outHeight + oy) * s.outWidth + ox]
        }
      }
    }
    #expect(dx.array == expected)
  }

  @Test(arguments: [(1, 1, 1), (2, 5, 3), (3, 7, 4)], [true, false])
  func globalAverageMatchesReference(sizes: (Int, Int, Int), channelsFirst: Bool) {
    let (n, positions, channels) = sizes
    let x = KernelTesting.random(n * positions * channels, seed: 34), r = KernelTesting.random(n * channels, seed: 35)
    func reference(_ x: [Double]) -> [Double] {
      var y = [Double](repeating: 0, count: n * channels)
      for b in 0..<n {
        for p in 0..<positions {
          for c in 0..<channels {
            let i = channelsFirst ? (b * channels + c) * positions + p : (b * positions + p) * channels + c
            y[b * channels + c] += x[i] / Double(positions)
          }
        }
      }
      return y
    }
    let (tx, tr, y, dx) = (Tensor(x), Tensor(r), Tensor(count: n * channels), Tensor(count: x.count))
    PoolKernel.globalAvgForward(x: tx.p, y: y.m, batch: n, positions: positions, channels: channels, channelsFirst: channelsFirst)
    PoolKernel.globalAvgBackward(dy: tr.p, dx: dx.m, batch: n, positions: positions, channels: channels, channelsFirst: channelsFirst)
    KernelTesting.expectClose(y.array, reference(x.map(Double.init)), "global avg")
    KernelTesting.expectGradient(dx.array, at: x, "global avg dx") { KernelTesting.dot(r, reference($0)) }
  }
}
