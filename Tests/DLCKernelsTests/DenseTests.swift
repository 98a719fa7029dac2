import Testing

@testable import DLCKernels

private typealias Tensor = KernelTesting.Tensor

/// y[r, o] = Σᵢ x[r, i]·w[o, i] + b[o], in Double.
private func denseReference(_ x: [Double], _ w: [Double], _ b: [Double]?, rows: Int, inF: Int, outF: Int) -> [Double] {
  var y = [Double](repeating: 0, count: rows * outF)
  for r in 0..<rows {
    for o in 0..<outF {
      var total = b?[o] ?? 0
      for i in 0..<inF { total += x[r * inF + i] * w[o * inF + i] }
      y[r * outF + o] = total
    }
  }
  return y
}

@Suite struct DenseTests {
  /// (1, 784, 203): one row through the matrix-vector path, its 159,152 weights split
  /// over two threads at an output count that is not a multiple of the 16-row blocks.
  @Test(arguments: [(1, 3, 5), (7, 13, 11), (33, 65, 17), (1, 784, 203)])
  func forwardMatchesReference(rows: Int, inF: Int, outF: Int) {
    let x = KernelTesting.random(rows * inF, seed: 1), w = KernelTesting.random(outF * inF, seed: 2)
    let b = KernelTesting.random(outF, seed: 3)
    for withBias in [true, false] {
      let (tx, tw, tb) = (Tensor(x), Tensor(w), Tensor(b))
      let y = Tensor(count: rows * outF)
      DenseKernel.forward(
        x: tx.p, weight: tw.p, bias: withBias ? tb.p : nil, y: y.m, rows: rows, inFeatures: inF, outFeatures: outF)
      let expected = denseReference(
        x.map(Double.init), w.map(Double.init), withBias ? b.map(Double.init) : nil, rows: rows, inF: inF, outF: outF)
      KernelTesting.expectClose(y.array, expected, "dense \(rows)x\(inF)x\(outF) bias \(withBias)")
    }
  }

  @Test(arguments: [(1, 3, 5), (4, 7, 6), (5, 1, 1)])
  func backwardMatchesFiniteDifferences(rows: Int, inF: Int, outF: Int) {
    let x = KernelTesting.random(rows * inF, seed: 11), w = KernelTesting.random(outF * inF, seed: 12)
    let b = KernelTesting.random(outF, seed: 13), r = KernelTesting.random(rows * outF, seed: 14)
    let (tx, tw, tr) = (Tensor(x), Tensor(w), Tensor(r))
    let dx = Tensor(count: x.count), dw = Tensor(count: w.count), db = Tensor(count: outF)
    DenseKernel.gradInput(dy: tr.p, weight: tw.p, dx: dx.m, rows: rows, inFeatures: inF, outFeatures: outF)
    DenseKernel.gradWeight(dy: tr.p, x: tx.p, dweight: dw.m, rows: rows, inFeatures: inF, outFeatures: outF)
    DenseKernel.gradBias(dy: tr.p, dbias: db.m, rows: rows, outFeatures: outF)
    let (xd, wd, bd) = (x.map(Double.init), w.map(Double.init), b.map(Double.init))
    func loss(_ x: [Double], _ w: [Double], _ b: [Double]) -> Double {
      KernelTesting.dot(r, denseReference(x, w, b, rows: rows, inF: inF, outF: outF))
    }
    KernelTesting.expectGradient(dx.array, at: x, "dx") { loss($0, wd, bd) }
    KernelTesting.expectGradient(dw.array, at: w, "dw") { loss(xd, $0, bd) }
    KernelTesting.expectGradient(db.array, at: b, "db") { loss(xd, wd, $0) }
  }

  @Test func gradBiasSumsColumns() {
    let dy = Tensor([1, 2, 3, 10, 20, 30])
    let db = Tensor(count: 3)
    DenseKernel.gradBias(dy: dy.p, dbias: db.m, rows: 2, outFeatures: 3)
    #expect(db.array == [11, 22, 33])
  }
}
