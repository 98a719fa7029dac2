import Testing

@testable import DLCKernels

private typealias Tensor = KernelTesting.Tensor

/// Visits every (output index, input index, weight index) triple of a convolution whose
/// input position lies inside the image: the definition in PyTorch's `nn.Conv2d` docs.
private func forEachTap(_ s: Conv2DShape, _ body: (_ out: Int, _ input: Int, _ weight: Int) -> Void) {
  for n in 0..<s.batch {
    for oc in 0..<s.outChannels {
      for oy in 0..<s.outHeight {
        for ox in 0..<s.outWidth {
          let out = ((n * s.outChannels + oc) * s.outHeight + oy) * s.outWidth + ox
          for c in 0..<s.inChannels {
            for i in 0..<s.kernelH {
              for j in 0..<s.kernelW {
                let iy = oy * s.strideH - s.padH + i * s.dilationH
                let ix = ox * s.strideW - s.padW + j * s.dilationW
                guard iy >= 0, iy < s.height, ix >= 0, ix < s.width else { continue }
                let input = ((n * s.inChannels + c) * s.height + iy) * s.width + ix
                body(out, input, ((oc * s.inChannels + c) * s.kernelH + i) * s.kernelW + j)
              }
            }
          }
        }
      }
    }
  }
}

/// The convolution in Double.
private func convReference(_ x: [Double], _ w: [Double], _ b: [Double]?, _ s: Conv2DShape) -> [Double] {
  let positions = s.outHeight * s.outWidth
  var y = (0..<s.batch * s.outChannels * positions).map { b?[($0 / positions) % s.outChannels] ?? 0 }
  forEachTap(s) { out, input, weight in y[out] += x[input] * w[weight] }
  return y
}

/// Sizes: N, C, H, W, OC, KH, KW, stride, padding, dilation (height, width).
private func shape(
  _ n: Int, _ c: Int, _ h: Int, _ w: Int, _ oc: Int, _ k: (Int, Int), stride: (Int, Int) = (1, 1),
  pad: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1)
) -> Conv2DShape {
  Conv2DShape(
    batch: n, inChannels: c, height: h, width: w, outChannels: oc, kernelH: k.0, kernelW: k.1,
    strideH: stride.0, strideW: stride.1, padH: pad.0, padW: pad.1, dilationH: dilation.0, dilationW: dilation.1)
}

private let smallShapes: [Conv2DShape] = [
  shape(1, 1, 5, 7, 2, (3, 3)),
  shape(2, 3, 5, 7, 4, (3, 2), stride: (2, 1), pad: (1, 2), dilation: (1, 2)),
  shape(3, 2, 7, 5, 3, (1, 1)),
  shape(2, 3, 9, 8, 5, (3, 3), stride: (2, 3), pad: (1, 1), dilation: (2, 1)),
  shape(1, 2, 3, 3, 1, (3, 3), pad: (1, 1)),
]

/// Large enough that im2col, col2im and the reorders split over threads.
private let largeShape = shape(8, 8, 17, 15, 16, (3, 3), pad: (1, 1))

/// Shapes with enough positions per sample for per-sample GEMMs: strided (im2col row by
/// row), dilated and taller-than-wide "same"-width kernels (im2col by shifted planes), and
/// taps that fall wholly off the image.
private let perSampleShapes: [Conv2DShape] = [
  largeShape,
  shape(4, 3, 20, 18, 6, (3, 2), stride: (2, 1), pad: (1, 2), dilation: (1, 2)),
  shape(4, 2, 12, 12, 3, (3, 3), pad: (2, 2), dilation: (2, 2)),
  shape(3, 2, 10, 9, 4, (5, 3), pad: (1, 1)),
  shape(2, 2, 30, 3, 3, (3, 3), pad: (1, 4), dilation: (1, 4)),
]

/// Runs the four kernels on seeded data: (y, dx, dw, db) with dy = r.
private func runKernels(_ s: Conv2DShape, x: [Float], w: [Float], b: [Float], r: [Float]) -> ([Float], [Float], [Float], [Float]) {
  let (tx, tw, tb, tr) = (Tensor(x), Tensor(w), Tensor(b), Tensor(r))
  let workspace = Tensor(count: Conv2DKernel.workspaceCount(s))
  let y = Tensor(count: r.count), dx = Tensor(count: x.count), dw = Tensor(count: w.count)
  let db = Tensor(count: s.outChannels)
  Conv2DKernel.forward(x: tx.p, weight: tw.p, bias: tb.p, y: y.m, shape: s, workspace: workspace.m)
  Conv2DKernel.gradInput(dy: tr.p, weight: tw.p, dx: dx.m, shape: s, workspace: workspace.m)
  Conv2DKernel.gradWeight(dy: tr.p, x: tx.p, dweight: dw.m, shape: s, workspace: workspace.m)
  Conv2DKernel.gradBias(dy: tr.p, dbias: db.m, shape: s)
  return (y.array, dx.array, dw.array, db.array)
}

/// Seeded x, w, b and r for a shape.
private func data(_ s: Conv2DShape) -> (x: [Float], w: [Float], b: [Float], r: [Float]) {
  (
    KernelTesting.random(s.batch * s.inChannels * s.height * s.width, seed: 21),
    KernelTesting.random(s.outChannels * s.inChannels * s.kernelH * s.kernelW, seed: 22),
    KernelTesting.random(s.outChannels, seed: 23),
    KernelTesting.random(s.batch * s.outChannels * s.outHeight * s.outWidth, seed: 24)
  )
}

@Suite struct Conv2DTests {
  @Test func outputSizeFollowsPyTorch() {
    #expect(shape(1, 1, 28, 28, 1, (3, 3)).outHeight == 26)
    #expect(shape(2, 3, 5, 7, 4, (3, 2), stride: (2, 1), pad: (1, 2), dilation: (1, 2)).outWidth == 9)
    #expect(shape(2, 3, 9, 8, 5, (3, 3), stride: (2, 3), pad: (1, 1), dilation: (2, 1)).outHeight == 4)
  }

  @Test(arguments: smallShapes + perSampleShapes)
  func forwardMatchesReference(s: Conv2DShape) {
    let (x, w, b, r) = data(s)
    let (y, _, _, _) = runKernels(s, x: x, w: w, b: b, r: r)
    let expected = convReference(x.map(Double.init), w.map(Double.init), b.map(Double.init), s)
    KernelTesting.expectClose(y, expected, "conv \(s)")
    let tx = Tensor(x), tw = Tensor(w), noBias = Tensor(count: r.count)
    let workspace = Tensor(count: Conv2DKernel.workspaceCount(s))
    Conv2DKernel.forward(x: tx.p, weight: tw.p, bias: nil, y: noBias.m, shape: s, workspace: workspace.m)
    KernelTesting.expectClose(noBias.array, convReference(x.map(Double.init), w.map(Double.init), nil, s), "no bias")
  }

  @Test(arguments: smallShapes)
  func backwardMatchesFiniteDifferences(s: Conv2DShape) {
    let (x, w, b, r) = data(s)
    let (_, dx, dw, db) = runKernels(s, x: x, w: w, b: b, r: r)
    let (xd, wd, bd) = (x.map(Double.init), w.map(Double.init), b.map(Double.init))
    KernelTesting.expectGradient(dx, at: x, "dx \(s)") { KernelTesting.dot(r, convReference($0, wd, bd, s)) }
    KernelTesting.expectGradient(dw, at: w, "dw \(s)") { KernelTesting.dot(r, convReference(xd, $0, bd, s)) }
    KernelTesting.expectGradient(db, at: b, "db \(s)") { KernelTesting.dot(r, convReference(xd, wd, $0, s)) }
  }

  /// On the large shapes (threaded paths) the gradients are checked against the adjoint
  /// sums written out directly, in Double: finite differences over thousands of
  /// inputs would take minutes, and the small shapes already tie the adjoint to them.
  @Test(arguments: perSampleShapes)
  func backwardMatchesAdjointOnLargeShape(s: Conv2DShape) {
    let (x, w, b, r) = data(s)
    let (_, dx, dw, db) = runKernels(s, x: x, w: w, b: b, r: r)
    var ex = [Double](repeating: 0, count: x.count), ew = [Double](repeating: 0, count: w.count)
    var eb = [Double](repeating: 0, count: b.count)
    forEachTap(s) { out, input, weight in
      ex[input] += Double(w[weight]) * Double(r[out])
      ew[weight] += Double(x[input]) * Double(r[out])
    }
    let positions = s.outHeight * s.outWidth
    for (i, value) in r.enumerated() { eb[(i / positions) % s.outChannels] += Double(value) }
    KernelTesting.expectClose(dx, ex, "dx")
    KernelTesting.expectClose(dw, ew, tolerance: 1e-4, "dw")
    KernelTesting.expectClose(db, eb, tolerance: 1e-4, "db")
  }

  /// Per-sample weight gradients sum per thread, then across threads in thread order: the
  /// same call gives the same bits every time.
  @Test func gradientsAreTheSameBitsEveryRun() {
    let s = largeShape
    let (x, w, b, r) = data(s)
    let first = runKernels(s, x: x, w: w, b: b, r: r)
    for _ in 0..<5 {
      let again = runKernels(s, x: x, w: w, b: b, r: r)
      #expect(again.0 == first.0 && again.1 == first.1 && again.2 == first.2 && again.3 == first.3)
    }
  }
}
