import CInt8GEMM
import Testing
import _DLCTestSupport

@testable import DLCKernels

/// Every kernel of CInt8GEMM, best first; "portable" runs everywhere.
private let kernelNames = ["avx512vnni", "avx512bw", "avx2", "portable"]

/// Int8 weights in [−127, 127], as `quantizeWeightsPerChannel` makes them.
private func randomWeights(_ count: Int, seed: UInt64) -> [Int8] {
  var generator = SplitMix64(seed: seed)
  return (0..<count).map { _ in Int8.random(in: -127...127, using: &generator) }
}

/// C[r][o] = Σₖ a[r][k] · b[o][k], straight from the definition.
private func naive(_ a: [UInt8], _ b: [Int8], m: Int, n: Int, k: Int) -> [Int32] {
  var c = [Int32](repeating: 0, count: m * n)
  for r in 0..<m {
    for o in 0..<n {
      for i in 0..<k { c[r * n + o] += Int32(a[r * k + i]) * Int32(b[o * k + i]) }
    }
  }
  return c
}

/// b [n, k] packed for the GEMM.
private func pack(_ b: [Int8], n: Int, k: Int) -> Buffer<Int8> {
  let packed = Buffer<Int8>(count: Quantized.packedWeightCount(rows: n, columns: k), value: 0)
  Quantized.packWeights(b, rows: n, columns: k, into: packed.m)
  return packed
}

/// C = A · Bᵀ with the kernel in use (C starts as Int32.min, so an unwritten entry shows).
private func gemm(_ a: [UInt8], _ b: [Int8], m: Int, n: Int, k: Int) -> [Int32] {
  let packed = pack(b, n: n, k: k)
  var c = [Int32](repeating: .min, count: m * n)
  dlc_u8s8_gemm(Int32(m), Int32(n), Int32(k), a, Int32(k), packed.p, &c, Int32(n))
  return c
}

/// Runs body once under every kernel this CPU has, then restores the default choice.
private func underEveryKernel(_ body: (String) -> Void) {
  defer { dlc_u8s8_select_kernel(nil) }
  for name in kernelNames where dlc_u8s8_select_kernel(name) == 1 {
    #expect(Quantized.int8KernelName == name)
    body(name)
  }
}

// Kernel selection is global: the suite runs serially, and other suites are unaffected
// because every kernel gives the same results.
@Suite(.serialized) struct QuantizedGEMMTests {
  /// m, n, k: tails of every row tile (6, 4), column block (16, 64) and k group (4).
  static let shapes = [
    (1, 1, 1), (1, 3, 15), (3, 17, 63), (15, 65, 17), (17, 15, 65), (63, 1, 3), (65, 63, 784),
    (784, 17, 15), (7, 784, 65), (1, 784, 784), (2, 5, 0),
  ]

  @Test func everyKernelMatchesTheNaiveLoopOnAwkwardShapes() {
    var ran: [String] = []
    underEveryKernel { name in
      ran.append(name)
      for (m, n, k) in Self.shapes {
        let a = randomBytes(m * k, seed: UInt64(m * 1000 + k)), b = randomWeights(n * k, seed: UInt64(n * 1000 + k))
        #expect(gemm(a, b, m: m, n: n, k: k) == naive(a, b, m: m, n: n, k: k), "\(name) \(m)x\(n)x\(k)")
      }
    }
    #expect(ran.contains("portable"))
  }

  /// 255 · (±127) over a long K: pair sums of 2 · 255 · 127 exceed Int16 (vpmaddubsw would
  /// saturate) and the total reaches −1.94 · 10⁹, near the Int32 limit.
  @Test func noSaturationOverLongK() {
    let (m, n, k) = (3, 17, 60_001)
    let a = [UInt8](repeating: 255, count: m * k)
    underEveryKernel { name in
      for sign: Int8 in [-127, 127] {
        let c = gemm(a, [Int8](repeating: sign, count: n * k), m: m, n: n, k: k)
        #expect(c.allSatisfy { $0 == 255 * Int32(sign) * Int32(k) }, "\(name) \(sign)")
      }
      // Alternating signs within each group of 4 cancel exactly, except the lone tail entry.
      let b = (0..<n * k).map { ($0 % k) % 2 == 0 ? Int8(127) : -127 }
      #expect(gemm(a, b, m: m, n: n, k: k).allSatisfy { $0 == 255 * 127 }, "\(name) alternating")
    }
  }

  /// Disjoint parts (rows, and columns from multiples of 16) give the whole product.
  @Test func partsEqualTheWhole() {
    let (m, n, k) = (50, 70, 33)
    let a = randomBytes(m * k, seed: 3), b = randomWeights(n * k, seed: 4), packed = pack(b, n: n, k: k)
    var c = [Int32](repeating: .min, count: m * n)
    var e = dlc_u8s8_epilogue()
    c.withUnsafeMutableBytes { bytes in
      (e.kind, e.y, e.row_stride, e.column_stride) = (DLC_U8S8_INT32, bytes.baseAddress, n, 1)
      for (rows, columns) in [(0..<7, 0..<32), (0..<7, 32..<70), (7..<50, 0..<16), (7..<50, 16..<70)] {
        dlc_u8s8_gemm_part(
          Int32(k), a, Int32(k), packed.p, &e, Int32(rows.lowerBound), Int32(rows.upperBound),
          Int32(columns.lowerBound), Int32(columns.upperBound))
      }
    }
    #expect(c == naive(a, b, m: m, n: n, k: k))
  }

  /// The epilogues (float, requantized, strided conv planes) and the dynamic path's range
  /// scan and quantization give the same bits under every kernel.
  @Test func everyKernelFinishesAlike() {
    let (rows, inF, outF) = (13, 37, 21)
    let xq = Buffer(randomBytes(rows * inF, seed: 5)), w = Buffer(randomWeights(outF * inF, seed: 6))
    let packed = pack(w.array, n: outF, k: inF)
    let scales = KernelTesting.Tensor((0..<outF).map { 0.01 + Float($0) * 0.001 })
    let sums = Buffer((0..<outF).map { o in (0..<inF).reduce(Int32(0)) { $0 + Int32(w.array[o * inF + $1]) } })
    let bias = KernelTesting.Tensor(KernelTesting.random(outF, seed: 7))
    let (p, out) = (AffineQuantization(scale: 0.02, zeroPoint: 100), AffineQuantization(min: -2, max: 3))
    var x = KernelTesting.random(1001, seed: 8, scale: 4)
    (x[0], x[17], x[500], x[1000]) = (.nan, .infinity, -.infinity, 9)
    let tx = KernelTesting.Tensor(x)
    let conv = Conv2DShape(
      batch: 2, inChannels: 3, height: 6, width: 5, outChannels: 17, kernelH: 3, kernelW: 3,
      strideH: 1, strideW: 2, padH: 1, padW: 1, dilationH: 1, dilationW: 1)
    let convX = Buffer(randomBytes(2 * 3 * 6 * 5, seed: 9)), convW = pack(randomWeights(17 * 27, seed: 10), n: 17, k: 27)
    let convCount = 2 * 17 * conv.outHeight * conv.outWidth
    var results: [[String]] = []
    underEveryKernel { _ in
      let y = KernelTesting.Tensor(count: rows * outF), yq = Buffer<UInt8>(count: rows * outF, value: 0)
      Quantized.denseInt8(
        xq: xq.p, x: p, wPacked: packed.p, wScales: scales.p, wRowSums: sums.p, bias: bias.p,
        rows: rows, inFeatures: inF, outFeatures: outF, y: y.m)
      Quantized.denseInt8Requantized(
        xq: xq.p, x: p, wPacked: packed.p, wScales: scales.p, wRowSums: sums.p, bias: nil,
        rows: rows, inFeatures: inF, outFeatures: outF, output: out, relu: false, yq: yq.m)
      let cy = KernelTesting.Tensor(count: convCount), cq = Buffer<UInt8>(count: convCount, value: 0)
      let workspace = Buffer<UInt8>(count: Quantized.workspaceCount(conv), value: 0)
      Quantized.conv2dInt8(
        xq: convX.p, x: p, wPacked: convW.p, wScales: scales.p, wRowSums: sums.p, bias: bias.p,
        y: cy.m, shape: conv, workspace: workspace.m)
      Quantized.conv2dInt8Requantized(
        xq: convX.p, x: p, wPacked: convW.p, wScales: scales.p, wRowSums: sums.p, bias: bias.p,
        shape: conv, output: out, relu: true, yq: cq.m, workspace: workspace.m)
      var observer = MinMaxObserver()
      observer.observe(tx.p, count: x.count)
      let q = Buffer<UInt8>(count: x.count, value: 0)
      Quantized.quantize(tx.p, count: x.count, out, into: q.m)
      results.append([
        "\(y.array.map(\.bitPattern))", "\(yq.array)", "\(cy.array.map(\.bitPattern))", "\(cq.array)",
        "\(observer.range)", "\(q.array)",
      ])
      #expect(observer.range.max == 9 && observer.range.min == x.filter(\.isFinite).min())
      #expect(!cy.array.contains { $0.isNaN }, "every conv output written")
    }
    for other in results.dropFirst() { #expect(other == results[0]) }
  }

  @Test func unknownKernelsAreRefused() {
    let before = Quantized.int8KernelName
    #expect(dlc_u8s8_select_kernel("sse9") == 0)
    #expect(Quantized.int8KernelName == before)
    #expect(kernelNames.contains(before))
  }
}
