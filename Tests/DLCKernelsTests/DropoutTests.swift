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

  /// A dropped element is x · 0, as in PyTorch (`x * mask * scale`): a NaN stays NaN, a
  /// negative x gives −0. Kept elements are x · 1/(1 − rate).
  @Test func aDroppedElementIsMultipliedByZero() {
    let count = 64, rate: Float = 0.5
    let x = (0..<count).map { i -> Float in i % 2 == 0 ? .nan : -Float(i) }
    let (tx, y) = (Tensor(x), Tensor(count: count))
    DropoutKernel.forward(x: tx.p, y: y.m, count: count, rate: rate, stream: stream)
    let out = y.array
    var dropped = (nan: 0, negative: 0)
    for i in 0..<count where stream.uniform(at: i) < rate {
      if x[i].isNaN {
        #expect(out[i].isNaN, "element \(i)")
        dropped.nan += 1
      } else {
        #expect(out[i] == 0 && out[i].sign == .minus, "element \(i): \(out[i])")
        dropped.negative += 1
      }
    }
    #expect(dropped.nan > 0 && dropped.negative > 0)
  }

  /// The arithmetic factor ⌊u − rate⌋ + 1 agrees with the test `u >= rate` on the words
  /// around each rate's threshold, at both ends of [0, 1), and for rates near 0 and 1.
  @Test(arguments: [1e-7, 0.1, 0.2, 0.3, 0.5, 1.0 / 3, 0.9, 0.9999999] as [Float])
  func factorsFollowTheKeepTest(rate: Float) {
    let scale = 1 / (1 - rate)
    let threshold = UInt32((Double(rate) * 0x1p24).rounded(.up))
    var words: [UInt32] = [0, 1, 2, 0xFF_FFFF, 0xFF_FFFE]
    for k in max(Int(threshold) - 3, 0)...min(Int(threshold) + 3, 0xFF_FFFF) { words.append(UInt32(k)) }
    for word in words {
      let bits = word << 8 | 0xAB
      let f = Scalar.dropoutFactors((bits, bits, bits, bits), rate: rate, scale: scale)
      let keep = Float(bits >> 8) * 0x1p-24 >= rate
      #expect(f == SIMD4(repeating: keep ? scale : 0), "rate \(rate), word \(word)")
    }
  }

  @Test func rateOneDropsEverything() {
    let (x, y) = (Tensor([1, 2, 3]), Tensor(count: 3))
    DropoutKernel.forward(x: x.p, y: y.m, count: 3, rate: 1, stream: stream)
    #expect(y.array == [0, 0, 0])
  }
}
