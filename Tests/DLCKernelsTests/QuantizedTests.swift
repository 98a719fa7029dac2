import Testing
import _DLCTestSupport

@testable import DLCKernels

private typealias Tensor = KernelTesting.Tensor

/// A raw buffer of any element type, for the integer sides of the quantized kernels (also
/// used by QuantizedGEMMTests).
final class Buffer<Element> {
  let m: UnsafeMutablePointer<Element>
  let count: Int

  init(_ values: [Element]) {
    count = values.count
    m = .allocate(capacity: max(count, 1))
    m.initialize(from: values, count: count)
  }

  init(count: Int, value: Element) {
    self.count = count
    m = .allocate(capacity: max(count, 1))
    m.initialize(repeating: value, count: max(count, 1))
  }

  deinit { m.deallocate() }

  var p: UnsafePointer<Element> { UnsafePointer(m) }
  var array: [Element] { Array(UnsafeBufferPointer(start: m, count: count)) }
}

/// A weight quantized per row and packed for the GEMM, with its float original.
private struct QuantizedWeight {
  let w: [Float], q: Buffer<Int8>, packed: Buffer<Int8>, scales: Buffer<Float>, rowSums: Buffer<Int32>

  init(rows: Int, columns: Int, seed: UInt64) {
    w = KernelTesting.random(rows * columns, seed: seed)
    (q, scales, rowSums) = (Buffer(count: rows * columns, value: 0), Buffer(count: rows, value: 0), Buffer(count: rows, value: 0))
    let tw = Tensor(w)
    Quantized.quantizeWeightsPerChannel(tw.p, rows: rows, columns: columns, q: q.m, scales: scales.m, rowSums: rowSums.m)
    packed = Buffer(count: Quantized.packedWeightCount(rows: rows, columns: columns), value: 0)
    Quantized.packWeights(q.p, rows: rows, columns: columns, into: packed.m)
  }
}

/// Round half to even, the scheme's rounding, by the standard library.
private func round(_ v: Float) -> Int32 { Int32(v.rounded(.toNearestOrEven)) }

/// The scheme's float output for one integer sum: (xScale · wScale) · acc + bias.
private func finish(_ acc: Int32, _ x: AffineQuantization, _ wScale: Float, _ bias: Float?) -> Float {
  (x.scale * wScale) * Float(acc) + (bias ?? 0)
}

/// The scheme's requantization of one float output.
private func requantize(_ y: Float, _ p: AffineQuantization, relu: Bool) -> UInt8 {
  let lo: Int32 = relu ? p.zeroPoint : 0
  return UInt8(min(max(round(y / p.scale) + p.zeroPoint, lo), 255))
}

/// acc[r][o] = Σₖ (xq[r][k] − zx) · wq[o][k], straight from the definition.
private func integerReference(_ xq: [UInt8], _ zx: Int32, _ wq: [Int8], rows: Int, inF: Int, outF: Int) -> [Int32] {
  var acc = [Int32](repeating: 0, count: rows * outF)
  for r in 0..<rows {
    for o in 0..<outF {
      for k in 0..<inF { acc[r * outF + o] += (Int32(xq[r * inF + k]) - zx) * Int32(wq[o * inF + k]) }
    }
  }
  return acc
}

/// Uint8 activations, every value from 0 to 255 equally likely.
func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
  var generator = SplitMix64(seed: seed)
  return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
}

@Suite struct QuantizedTests {
  // MARK: Parameters and rounding

  @Test func affineParametersFollowTheRange() {
    let p = AffineQuantization(min: -1, max: 3)
    #expect(p.scale == Float(4) / 255)
    #expect(p.zeroPoint == round(1 / p.scale))
    // Ranges that exclude 0 are widened to include it: 0 is always exact.
    #expect(AffineQuantization(min: 2, max: 6) == AffineQuantization(min: 0, max: 6))
    #expect(AffineQuantization(min: 2, max: 6).zeroPoint == 0)
    #expect(AffineQuantization(min: -6, max: -2) == AffineQuantization(min: -6, max: 0))
    #expect(AffineQuantization(min: -6, max: -2).zeroPoint == 255)
    for p in [AffineQuantization(min: -0.3, max: 0.9), AffineQuantization(min: 2, max: 6)] {
      let zero = Tensor([0]), q = Buffer<UInt8>(count: 1, value: 0)
      Quantized.quantize(zero.p, count: 1, p, into: q.m)
      #expect(Int32(q.array[0]) == p.zeroPoint)
    }
  }

  @Test func degenerateRangesGetScaleOne() {
    #expect(AffineQuantization(min: 0, max: 0) == AffineQuantization(scale: 1, zeroPoint: 0))
    #expect(AffineQuantization(min: 0, max: .leastNonzeroMagnitude * 64) == AffineQuantization(scale: 1, zeroPoint: 0))
    #expect(AffineQuantization(min: .nan, max: .nan) == AffineQuantization(scale: 1, zeroPoint: 0))
  }

  @Test func roundingIsHalfToEven() {
    let values: [Float] = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49999997, 1e6 + 0.5, -3.7, 4194304]
    for v in values { #expect(Quantized.roundToEven(v) == round(v), "\(v)") }
    #expect(Quantized.roundClamped(.nan, -3, 7) == -3)
    #expect(Quantized.roundClamped(1e30, -3, 7) == 7)
  }

  @Test func quantizeRoundTripsWithinHalfAStep() {
    let p = AffineQuantization(min: -2, max: 3)
    let x = KernelTesting.random(1001, seed: 5, scale: 2) + [.nan, 100, -100]
    let tx = Tensor(x), q = Buffer<UInt8>(count: x.count, value: 0), back = Tensor(count: x.count)
    Quantized.quantize(tx.p, count: x.count, p, into: q.m)
    Quantized.dequantize(q.p, count: x.count, p, into: back.m)
    for (i, v) in x.prefix(1001).enumerated() {
      #expect(Int32(q.array[i]) == round(v / p.scale) + p.zeroPoint)
      #expect(abs(back.array[i] - v) <= p.scale / 2 * 1.0001)
    }
    #expect(q.array.suffix(3) == [0, 255, 0], "NaN and out-of-range values clamp")
  }

  @Test func perChannelWeightsRoundTripWithinHalfAStep() {
    let (rows, columns) = (7, 13)
    var w = KernelTesting.random(rows * columns, seed: 9)
    for k in 0..<columns { w[2 * columns + k] = 0 }  // a zero row
    let q = Buffer<Int8>(count: w.count, value: 0), scales = Buffer<Float>(count: rows, value: 0)
    let sums = Buffer<Int32>(count: rows, value: 0)
    let tw = Tensor(w)
    Quantized.quantizeWeightsPerChannel(tw.p, rows: rows, columns: columns, q: q.m, scales: scales.m, rowSums: sums.m)
    for r in 0..<rows {
      let row = w[(r * columns)..<((r + 1) * columns)]
      let largest = row.map(abs).max()!
      #expect(scales.array[r] == (largest == 0 ? 1 : largest / 127))
      var sum: Int32 = 0
      for k in 0..<columns {
        let v = q.array[r * columns + k]
        #expect(v >= -127)
        #expect(abs(Float(v) * scales.array[r] - w[r * columns + k]) <= scales.array[r] / 2 * 1.0001)
        sum += Int32(v)
      }
      #expect(sums.array[r] == sum)
    }
  }

  // MARK: Dense

  // The last three split over threads (by columns, then by rows) or have K = 0.
  @Test(arguments: [(1, 3, 5), (5, 7, 3), (9, 33, 11), (13, 65, 18), (4, 784, 401), (96, 200, 60), (10, 0, 4)])
  func denseMatchesIntegerReferenceExactly(rows: Int, inF: Int, outF: Int) {
    let xq = randomBytes(rows * inF, seed: 21), weight = QuantizedWeight(rows: outF, columns: inF, seed: 22)
    let bias = KernelTesting.random(outF, seed: 23)
    let p = AffineQuantization(scale: 0.02, zeroPoint: 37)
    let acc = integerReference(xq, p.zeroPoint, weight.q.array, rows: rows, inF: inF, outF: outF)
    let (txq, tb) = (Buffer(xq), Tensor(bias))
    for withBias in [true, false] {
      let y = Tensor(count: rows * outF)
      Quantized.denseInt8(
        xq: txq.p, x: p, wPacked: weight.packed.p, wScales: weight.scales.p, wRowSums: weight.rowSums.p,
        bias: withBias ? tb.p : nil, rows: rows, inFeatures: inF, outFeatures: outF, y: y.m)
      let expected = (0..<rows * outF).map {
        finish(acc[$0], p, weight.scales.array[$0 % outF], withBias ? bias[$0 % outF] : nil)
      }
      #expect(y.array == expected, "dense \(rows)x\(inF)x\(outF) bias \(withBias)")
    }
  }

  @Test(arguments: [false, true])
  func requantizedDenseMatchesReference(relu: Bool) {
    let (rows, inF, outF) = (6, 19, 7)
    let xq = randomBytes(rows * inF, seed: 31), weight = QuantizedWeight(rows: outF, columns: inF, seed: 32)
    let bias = KernelTesting.random(outF, seed: 33)
    let (p, out) = (AffineQuantization(scale: 0.03, zeroPoint: 121), AffineQuantization(min: -1.5, max: 2))
    let acc = integerReference(xq, p.zeroPoint, weight.q.array, rows: rows, inF: inF, outF: outF)
    let (yq, txq, tb) = (Buffer<UInt8>(count: rows * outF, value: 0), Buffer(xq), Tensor(bias))
    Quantized.denseInt8Requantized(
      xq: txq.p, x: p, wPacked: weight.packed.p, wScales: weight.scales.p, wRowSums: weight.rowSums.p,
      bias: tb.p, rows: rows, inFeatures: inF, outFeatures: outF, output: out, relu: relu, yq: yq.m)
    let expected = (0..<rows * outF).map {
      requantize(finish(acc[$0], p, weight.scales.array[$0 % outF], bias[$0 % outF]), out, relu: relu)
    }
    #expect(yq.array == expected)
    if relu { #expect(yq.array.allSatisfy { Int32($0) >= out.zeroPoint }) }
    if !relu { #expect(yq.array.contains { Int32($0) < out.zeroPoint }, "the data has negative outputs") }
  }

  /// The float dense result and the dequantized one differ by at most the rounding of x
  /// (≤ xScale/2 per input) and of w (≤ wScale/2 per weight): |Δy| ≤ Σₖ (|w|·sx + |x|·sw)/2 + sx·sw/4.
  @Test(arguments: [(1, 784, 16), (37, 100, 21), (256, 64, 9)])
  func denseIsCloseToFloatDense(rows: Int, inF: Int, outF: Int) {
    let x = KernelTesting.random(rows * inF, seed: 41, scale: 3), weight = QuantizedWeight(rows: outF, columns: inF, seed: 42)
    let bias = KernelTesting.random(outF, seed: 43)
    let (tx, tw, tb) = (Tensor(x), Tensor(weight.w), Tensor(bias))
    let exact = Tensor(count: rows * outF), dynamic = Tensor(count: rows * outF)
    DenseKernel.forward(x: tx.p, weight: tw.p, bias: tb.p, y: exact.m, rows: rows, inFeatures: inF, outFeatures: outF)
    let scratch = Buffer<UInt8>(count: rows * inF, value: 0)
    Quantized.denseDynamic(
      x: tx.p, wPacked: weight.packed.p, wScales: weight.scales.p, wRowSums: weight.rowSums.p, bias: tb.p, rows: rows,
      inFeatures: inF, outFeatures: outF, y: dynamic.m, scratch: scratch.m)
    let sx = AffineQuantization(min: x.min()!, max: x.max()!).scale
    for r in 0..<rows {
      for o in 0..<outF {
        let sw = weight.scales.array[o]
        var bound: Float = 0
        for k in 0..<inF { bound += (abs(weight.w[o * inF + k]) * sx + abs(x[r * inF + k]) * sw) / 2 + sx * sw / 4 }
        let error = abs(dynamic.array[r * outF + o] - exact.array[r * outF + o])
        #expect(error <= bound * 1.001 + 1e-4, "y[\(r), \(o)]")
      }
    }
  }

  // MARK: Convolution

  /// Sizes: N, C, H, W, OC, KH, KW, stride, padding.
  private static let convShapes: [Conv2DShape] = [
    Conv2DShape(
      batch: 2, inChannels: 3, height: 7, width: 6, outChannels: 5, kernelH: 3, kernelW: 3,
      strideH: 2, strideW: 2, padH: 1, padW: 1, dilationH: 1, dilationW: 1),
    Conv2DShape(
      batch: 1, inChannels: 2, height: 5, width: 9, outChannels: 4, kernelH: 3, kernelW: 2,
      strideH: 1, strideW: 2, padH: 2, padW: 1, dilationH: 2, dilationW: 1),
    Conv2DShape(
      batch: 3, inChannels: 4, height: 6, width: 6, outChannels: 9, kernelH: 1, kernelW: 1,
      strideH: 1, strideW: 1, padH: 0, padW: 0, dilationH: 1, dilationW: 1),
    // 3 × 3 'same' over 16 channels at batch 64: the two-thread split of the padded copy
    // and of the rows; 5 wide (8-byte words); 9 wide and dilated across (byte-wise im2row).
    Conv2DShape(
      batch: 64, inChannels: 16, height: 4, width: 4, outChannels: 32, kernelH: 3, kernelW: 3,
      strideH: 1, strideW: 1, padH: 1, padW: 1, dilationH: 1, dilationW: 1),
    Conv2DShape(
      batch: 2, inChannels: 3, height: 9, width: 11, outChannels: 6, kernelH: 2, kernelW: 5,
      strideH: 2, strideW: 3, padH: 1, padW: 2, dilationH: 2, dilationW: 1),
    Conv2DShape(
      batch: 2, inChannels: 2, height: 6, width: 12, outChannels: 3, kernelH: 2, kernelW: 9,
      strideH: 1, strideW: 1, padH: 0, padW: 3, dilationH: 1, dilationW: 1),
    Conv2DShape(
      batch: 2, inChannels: 2, height: 7, width: 9, outChannels: 3, kernelH: 3, kernelW: 3,
      strideH: 1, strideW: 1, padH: 1, padW: 2, dilationH: 1, dilationW: 2),
  ]

  @Test(arguments: convShapes)
  func convMatchesNaiveConvolutionWithZeroPointPadding(_ s: Conv2DShape) {
    let xq = randomBytes(s.batch * s.inChannels * s.height * s.width, seed: 51)
    let weight = QuantizedWeight(rows: s.outChannels, columns: s.inChannels * s.kernelH * s.kernelW, seed: 52)
    let bias = KernelTesting.random(s.outChannels, seed: 53)
    let (p, out) = (AffineQuantization(scale: 0.05, zeroPoint: 90), AffineQuantization(min: -3, max: 4))
    // acc = Σ (xq − zx)·wq over taps inside the image: padding reads the zero point, so
    // taps outside contribute (zx − zx)·wq = 0.
    let (oh, ow) = (s.outHeight, s.outWidth)
    var acc = [Int32](repeating: 0, count: s.batch * s.outChannels * oh * ow)
    for n in 0..<s.batch {
      for oc in 0..<s.outChannels {
        for oy in 0..<oh {
          for ox in 0..<ow {
            var total: Int32 = 0
            for c in 0..<s.inChannels {
              for i in 0..<s.kernelH {
                for j in 0..<s.kernelW {
                  let iy = oy * s.strideH - s.padH + i * s.dilationH, ix = ox * s.strideW - s.padW + j * s.dilationW
                  guard iy >= 0, iy < s.height, ix >= 0, ix < s.width else { continue }
                  let v = Int32(xq[((n * s.inChannels + c) * s.height + iy) * s.width + ix]) - p.zeroPoint
                  total += v * Int32(weight.q.array[((oc * s.inChannels + c) * s.kernelH + i) * s.kernelW + j])
                }
              }
            }
            acc[((n * s.outChannels + oc) * oh + oy) * ow + ox] = total
          }
        }
      }
    }
    let workspace = Buffer<UInt8>(count: Quantized.workspaceCount(s), value: 0)
    let y = Tensor(count: acc.count), yq = Buffer<UInt8>(count: acc.count, value: 0), tb = Tensor(bias)
    let txq = Buffer(xq)
    Quantized.conv2dInt8(
      xq: txq.p, x: p, wPacked: weight.packed.p, wScales: weight.scales.p, wRowSums: weight.rowSums.p,
      bias: tb.p, y: y.m, shape: s, workspace: workspace.m)
    let channel = { (i: Int) in (i / (oh * ow)) % s.outChannels }
    let expected = acc.indices.map { finish(acc[$0], p, weight.scales.array[channel($0)], bias[channel($0)]) }
    #expect(y.array == expected)
    Quantized.conv2dInt8Requantized(
      xq: txq.p, x: p, wPacked: weight.packed.p, wScales: weight.scales.p, wRowSums: weight.rowSums.p,
      bias: tb.p, shape: s, output: out, relu: true, yq: yq.m, workspace: workspace.m)
    #expect(yq.array == expected.map { requantize($0, out, relu: true) })
  }

  // MARK: fp16

  @Test func halfConversionMatchesKnownBitPatterns() {
    let cases: [(Float, UInt16)] = [
      (1, 0x3C00), (-2, 0xC000), (65504, 0x7BFF), (65520, 0x7C00),  // 65520 rounds up to ∞
      (0x1p-24, 0x0001), (0x1p-14, 0x0400), (0x1.ff8p-15, 0x03FF),  // least subnormal, least normal, greatest subnormal
      (1.0 / 3, 0x3555), (0x1.002p0, 0x3C00), (0x1.006p0, 0x3C02),  // ties to even: down, then up
      (0x1p-26, 0x0000), (.infinity, 0x7C00), (-0.0, 0x8000),
    ]
    let (floats, bits) = (Tensor(cases.map(\.0)), Buffer<UInt16>(count: cases.count, value: 0))
    Quantized.toHalf(floats.p, count: cases.count, into: bits.m)
    #expect(bits.array == cases.map(\.1))
    let back = Tensor(count: cases.count)
    Quantized.fromHalf(bits.p, count: cases.count, into: back.m)
    #expect(back.array[0] == 1 && back.array[2] == 65504 && back.array[4] == 0x1p-24)
    #expect(back.array[7] == 0x1.554p-2)
  }

  @Test func denseHalfEqualsDenseOnWidenedWeights() {
    let (rows, inF, outF) = (5, 17, 6)
    let x = Tensor(KernelTesting.random(rows * inF, seed: 61)), w = Tensor(KernelTesting.random(outF * inF, seed: 62))
    let bias = Tensor(KernelTesting.random(outF, seed: 63))
    let half = Buffer<UInt16>(count: outF * inF, value: 0), widened = Tensor(count: outF * inF)
    Quantized.toHalf(w.p, count: w.count, into: half.m)
    Quantized.fromHalf(half.p, count: w.count, into: widened.m)
    let expected = Tensor(count: rows * outF), y = Tensor(count: rows * outF), scratch = Tensor(count: outF * inF)
    DenseKernel.forward(x: x.p, weight: widened.p, bias: bias.p, y: expected.m, rows: rows, inFeatures: inF, outFeatures: outF)
    Quantized.denseHalf(
      x: x.p, wHalf: half.p, bias: bias.p, rows: rows, inFeatures: inF, outFeatures: outF, y: y.m, scratch: scratch.m)
    #expect(y.array == expected.array)
  }

  // MARK: Observers

  @Test func minMaxObserverIsExactAndIgnoresNaN() {
    var observer = MinMaxObserver()
    #expect(observer.range == (0, 0))
    let a = Tensor([0.5, .nan, -1.25, 3]), b = Tensor([.nan, 7, .infinity, -.infinity])
    observer.observe(a.p, count: a.count)
    #expect(observer.range == (-1.25, 3))
    observer.observe(b.p, count: b.count)
    #expect(observer.range == (-1.25, 7))
  }

  @Test func percentileObserverFindsPercentilesWithinABin() {
    // 0, 1, …, 99 999 in three batches whose ranges grow both ways: the histogram rebins.
    let values = (0..<100_000).map(Float.init)
    var observer = PercentileObserver(percentile: 99)
    for part in [values[40_000..<60_000], values[60_000..<100_000] + [.nan], values[0..<40_000]] {
      let t = Tensor(Array(part))
      observer.observe(t.p, count: t.count)
    }
    let range = observer.range, width = Float(observer.binWidth)
    #expect(width > 0 && width < 200)
    #expect(abs(range.max - 99_000) <= width, "\(range)")
    #expect(abs(range.min - 1_000) <= width, "\(range)")
    // 100th percentile: the exact extremes.
    var all = PercentileObserver(percentile: 100)
    let t = Tensor(values + [.nan])
    all.observe(t.p, count: t.count)
    #expect(all.range == (0, 99_999))
  }

  @Test func percentileObserverClipsOutliers() {
    var values = KernelTesting.random(99_990, seed: 71)
    values += [Float](repeating: 1000, count: 10)
    var observer = PercentileObserver(percentile: 99.9)
    let t = Tensor(values)
    observer.observe(t.p, count: t.count)
    #expect(observer.range.max < 1.5 && observer.range.max > 0.9, "\(observer.range)")
    #expect(observer.range.min > -1.01 && observer.range.min < -0.9, "\(observer.range)")
  }
}
