import Testing

@testable import DLCKernels

private typealias Tensor = KernelTesting.Tensor

private let stream = RandomStream(seed: 42, purpose: .dropout, id: 3, step: 7)

@Suite struct DropoutTests {
  @Test func rateZeroIsTheIdentity() {
    let x = KernelTesting.random(1001, seed: 1)
    let (tx, y) = (Tensor(x), Tensor(count: 1001))
    DropoutKernel.forward(x: tx.p, y: y.m, count: 1001, rate: 0, stream: stream)
    #expect(y.array == x)
  }

  /// Every element follows `uniform(at: i) >= rate` (odd counts exercise the tail after
  /// the last whole Philox block; 100 001 the two-thread split), kept ≈ 1 − rate of them,
  /// each scaled by exactly 1/(1 − rate).
  @Test(arguments: [1, 7, 1003, 100_001])
  func keepsByTheStreamAndScales(count: Int) {
    let rate: Float = 0.3, scale: Float = 1 / (1 - 0.3)
    let x = KernelTesting.random(count, seed: 2).map { $0 == 0 ? 1 : $0 }
    let (tx, y) = (Tensor(x), Tensor(count: count))
    DropoutKernel.forward(x: tx.p, y: y.m, count: count, rate: rate, stream: stream)
    let out = y.array
    var kept = 0
    for i in 0..<count {
      let keep = stream.uniform(at: i) >= rate
      #expect(out[i] == (keep ? x[i] * scale : 0), "element \(i)")
      if keep { kept += 1 }
    }
    if count >= 100_000 {
      let fraction = Double(kept) / Double(count)
      #expect(abs(fraction - 0.7) < 0.01, "kept \(fraction)")
    }
  }

  @Test func backwardUsesTheForwardMask() {
    let count = 4099, rate: Float = 0.5
    let (x, dy) = (Tensor(KernelTesting.random(count, seed: 3).map { $0 == 0 ? 1 : $0 }), Tensor(KernelTesting.random(count, seed: 4)))
    let (y, dx) = (Tensor(count: count), Tensor(count: count))
    DropoutKernel.forward(x: x.p, y: y.m, count: count, rate: rate, stream: stream)
    DropoutKernel.backward(dy: dy.p, dx: dx.m, count: count, rate: rate, stream: stream)
    let (ys, dys, dxs) = (y.array, dy.array, dx.array)
    for i in 0..<count {
      #expect(dxs[i] == (ys[i] != 0 ? dys[i] * 2 : 0), "element \(i)")
    }
  }

  @Test func anotherStepDrawsAnotherMask() {
    let count = 1000
    let x = Tensor(count: count, value: 1)
    let (a, b, c) = (Tensor(count: count), Tensor(count: count), Tensor(count: count))
    let next = RandomStream(seed: 42, purpose: .dropout, id: 3, step: 8)
    DropoutKernel.forward(x: x.p, y: a.m, count: count, rate: 0.5, stream: stream)
    DropoutKernel.forward(x: x.p, y: b.m, count: count, rate: 0.5, stream: stream)
    DropoutKernel.forward(x: x.p, y: c.m, count: count, rate: 0.5, stream: next)
    #expect(a.array == b.array)
    #expect(a.array != c.array)
  }

  @Test func rateOneDropsEverything() {
    let (x, y) = (Tensor([1, 2, 3]), Tensor(count: 3))
    DropoutKernel.forward(x: x.p, y: y.m, count: 3, rate: 1, stream: stream)
    #expect(y.array == [0, 0, 0])
  }
}
