/// Post-training quantization kernels: float tensors in, uint8/int8 tensors and integer
/// GEMMs with float or uint8 outputs out.
///
/// Scheme (Jacob et al. 2018, "Quantization and Training of Neural Networks for Efficient
/// Integer-Arithmetic-Only Inference", §2; the conventions of ONNX QuantizeLinear /
/// QLinearMatMul and PyTorch's fbgemm backend): real = scale · (q − zeroPoint).
/// - Weights: int8, symmetric, per output channel: zero point 0, q in [−127, 127],
///   scale = max|w_row| / 127 (a zero row gets scale 1). −128 is never used, so the
///   integer products stay symmetric.
/// - Activations: uint8, per-tensor affine (`AffineQuantization`), q in [0, 255], with 0
///   exactly representable.
/// - Accumulation in Int32: acc[r][o] = Σₖ (xq[r][k] − zx) · wq[o][k]
///   = Σₖ xq·wq − zx · rowSum[o], with rowSum[o] = Σₖ wq[o][k] computed once per weight.
///   |acc| ≤ 255 · 127 · K, so K must stay below 66 000 (2³¹ / 32 385).
/// - Float output: y = (xScale · wScale[o]) · Float(acc) + bias[o], evaluated in that order.
/// - Requantized output: q = clamp(round(y / yScale) + yZeroPoint, lo, 255), lo = 0, or
///   lo = yZeroPoint with a fused ReLU.
/// - Rounding everywhere is round half to even (IEEE roundTiesToEven, as ONNX QuantizeLinear
///   and PyTorch's nearbyint), and values are divided by the scale (ONNX), not multiplied
///   by its reciprocal. NaN quantizes to the bottom of the clamp range.
public enum Quantized {}

/// The uint8 per-tensor affine parameters of an activation: real = scale · (q − zeroPoint).
public struct AffineQuantization: Sendable, Equatable {
  public var scale: Float
  public var zeroPoint: Int32

  /// Parameters as given.
  public init(scale: Float, zeroPoint: Int32) { (self.scale, self.zeroPoint) = (scale, zeroPoint) }

  /// Parameters for a calibrated range: [min, max] is first widened to include 0 (so 0 is
  /// exact, as zero padding and ReLU need), then scale = (max − min) / 255 (1 when that is
  /// 0, subnormal or not finite) and zeroPoint = clamp(round(−min / scale), 0, 255).
  public init(min: Float, max: Float) {
    let lo = Swift.min(min.isNaN ? 0 : min, 0), hi = Swift.max(max.isNaN ? 0 : max, 0)
    let scale = (hi - lo) / 255
    self.scale = scale.isFinite && scale >= .leastNormalMagnitude ? scale : 1
    self.zeroPoint = Quantized.roundClamped(-lo / self.scale, 0, 255)
  }
}

extension Quantized {
  // MARK: Rounding

  /// round(v) half to even, for |v| ≤ 2²²: adding 1.5 · 2²³ leaves the rounded integer in
  /// the low mantissa bits (the FPU rounds ties to even), a trick that vectorizes and
  /// cannot trap, unlike Int32(Float).
  @inline(__always)
  static func roundToEven(_ v: Float) -> Int32 {
    Int32(bitPattern: (v + 0x1.8p23).bitPattern) &- 0x4B40_0000
  }

  /// round(clamp(v, lo, hi)) for integer bounds (the same as clamp(round(v))); NaN gives lo.
  @inline(__always)
  static func roundClamped(_ v: Float, _ lo: Float, _ hi: Float) -> Int32 {
    roundToEven(v > lo ? (v < hi ? v : hi) : lo)
  }

  // MARK: Quantize and dequantize

  /// Int8 symmetric per-row weights: scales[r] = max|w[r]| / 127 (1 for a zero row),
  /// q = clamp(round(w / scale), −127, 127), rowSums[r] = Σ q[r]. A conv weight
  /// [OC, C, KH, KW] is rows = OC, columns = C·KH·KW. The layout of q is w's ([rows,
  /// columns] row-major): the GEMM reads rows contiguously and needs no packing.
  public static func quantizeWeightsPerChannel(
    _ w: UnsafePointer<Float>, rows: Int, columns: Int, q: UnsafeMutablePointer<Int8>,
    scales: UnsafeMutablePointer<Float>, rowSums: UnsafeMutablePointer<Int32>
  ) {
    for r in 0..<rows {
      let row = w + r * columns, out = q + r * columns
      var largest: Float = 0
      for k in 0..<columns where abs(row[k]) > largest { largest = abs(row[k]) }
      let scale = largest / 127
      let s = scale.isFinite && scale >= .leastNormalMagnitude ? scale : 1
      var sum: Int32 = 0
      for k in 0..<columns {
        let v = roundClamped(row[k] / s, -127, 127)
        out[k] = Int8(truncatingIfNeeded: v)
        sum &+= v
      }
      (scales[r], rowSums[r]) = (s, sum)
    }
  }

  /// q = clamp(round(x / scale) + zeroPoint, 0, 255).
  public static func quantize(
    _ x: UnsafePointer<Float>, count: Int, _ p: AffineQuantization, into q: UnsafeMutablePointer<UInt8>
  ) {
    let (scale, zp) = (p.scale, p.zeroPoint)
    let (lo, hi) = (Float(-zp), Float(255 - zp))
    for i in 0..<count { q[i] = UInt8(truncatingIfNeeded: roundClamped(x[i] / scale, lo, hi) &+ zp) }
  }

  /// x = scale · (q − zeroPoint).
  public static func dequantize(
    _ q: UnsafePointer<UInt8>, count: Int, _ p: AffineQuantization, into x: UnsafeMutablePointer<Float>
  ) {
    for i in 0..<count { x[i] = p.scale * Float(Int32(q[i]) &- p.zeroPoint) }
  }

  // MARK: Dense

  /// y[r][o] = (xScale · wScale[o]) · acc[r][o] + bias[o] (float output): x [rows, in]
  /// uint8, wq [out, in] int8 from `quantizeWeightsPerChannel`, y [rows, out].
  public static func denseInt8(
    xq: UnsafePointer<UInt8>, x: AffineQuantization, wq: UnsafePointer<Int8>,
    wScales: UnsafePointer<Float>, wRowSums: UnsafePointer<Int32>, bias: UnsafePointer<Float>?,
    rows: Int, inFeatures: Int, outFeatures: Int, y: UnsafeMutablePointer<Float>
  ) {
    let finish = Epilogue(
      x: x, wScales: wScales, wRowSums: wRowSums, bias: bias, output: .float(y),
      layout: .rowMajor(columns: outFeatures))
    IntegerGEMM.run(xq: xq, wq: wq, rows: rows, columns: outFeatures, depth: inFeatures, finish)
  }

  /// Like `denseInt8`, then yq = clamp(round(y / yScale) + yZeroPoint, lo, 255), lo =
  /// yZeroPoint when `relu` (fused ReLU) else 0.
  public static func denseInt8Requantized(
    xq: UnsafePointer<UInt8>, x: AffineQuantization, wq: UnsafePointer<Int8>,
    wScales: UnsafePointer<Float>, wRowSums: UnsafePointer<Int32>, bias: UnsafePointer<Float>?,
    rows: Int, inFeatures: Int, outFeatures: Int, output: AffineQuantization, relu: Bool,
    yq: UnsafeMutablePointer<UInt8>
  ) {
    let finish = Epilogue(
      x: x, wScales: wScales, wRowSums: wRowSums, bias: bias,
      output: .uint8(yq, output, relu: relu), layout: .rowMajor(columns: outFeatures))
    IntegerGEMM.run(xq: xq, wq: wq, rows: rows, columns: outFeatures, depth: inFeatures, finish)
  }

  /// Weight-only int8 (dynamic quantization, as PyTorch `quantize_dynamic`): the range of
  /// this call's x (NaN ignored) gives its `AffineQuantization`, x is quantized into
  /// `scratch` (rows · in bytes), then `denseInt8`.
  public static func denseDynamic(
    x: UnsafePointer<Float>, wq: UnsafePointer<Int8>, wScales: UnsafePointer<Float>,
    wRowSums: UnsafePointer<Int32>, bias: UnsafePointer<Float>?, rows: Int, inFeatures: Int,
    outFeatures: Int, y: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<UInt8>
  ) {
    var observer = MinMaxObserver()
    observer.observe(x, count: rows * inFeatures)
    let p = AffineQuantization(min: observer.range.min, max: observer.range.max)
    quantize(x, count: rows * inFeatures, p, into: scratch)
    denseInt8(
      xq: scratch, x: p, wq: wq, wScales: wScales, wRowSums: wRowSums, bias: bias, rows: rows,
      inFeatures: inFeatures, outFeatures: outFeatures, y: y)
  }

  // MARK: fp16 weight storage

  /// IEEE binary16 bit patterns of w, rounded to nearest even (overflow to ±∞; F16C
  /// vcvtps2ph on this target).
  public static func toHalf(_ w: UnsafePointer<Float>, count: Int, into h: UnsafeMutablePointer<UInt16>) {
    for i in 0..<count { h[i] = Float16(w[i]).bitPattern }
  }

  /// The floats of binary16 bit patterns (exact).
  public static func fromHalf(_ h: UnsafePointer<UInt16>, count: Int, into w: UnsafeMutablePointer<Float>) {
    for i in 0..<count { w[i] = Float(Float16(bitPattern: h[i])) }
  }

  /// Dense with fp16-stored weights [out, in]: the weights are widened into `scratch`
  /// (out · in floats), then `DenseKernel.forward`; the result equals fp32 dense on the
  /// widened weights.
  public static func denseHalf(
    x: UnsafePointer<Float>, wHalf: UnsafePointer<UInt16>, bias: UnsafePointer<Float>?,
    rows: Int, inFeatures: Int, outFeatures: Int, y: UnsafeMutablePointer<Float>,
    scratch: UnsafeMutablePointer<Float>
  ) {
    Parallel.forEach(count: inFeatures * outFeatures, minimumPerThread: 1 << 16) { range in
      fromHalf(wHalf + range.lowerBound, count: range.count, into: scratch + range.lowerBound)
    }
    DenseKernel.forward(
      x: x, weight: scratch, bias: bias, y: y, rows: rows, inFeatures: inFeatures, outFeatures: outFeatures)
  }
}

// MARK: The integer GEMM

/// How the integer GEMM finishes acc[r][o] = Σₖ xq[r][k] · wq[o][k] − zx · rowSum[o]: the
/// float or the requantized formula of the scheme above, stored at `layout`'s offset.
struct Epilogue {
  /// Float results, or uint8 results requantized with these parameters.
  enum Output {
    case float(UnsafeMutablePointer<Float>)
    case uint8(UnsafeMutablePointer<UInt8>, AffineQuantization, relu: Bool)
  }

  /// Where result (r, o) goes.
  enum Layout {
    /// y[r · columns + o]: dense.
    case rowMajor(columns: Int)
    /// y[n, o, p] for r = n · positions + p: convolution over the whole batch, NCHW.
    case channelPlanes(positions: Int, channels: Int)
  }

  let zx: Int32, xScale: Float
  let wScales: UnsafePointer<Float>, wRowSums: UnsafePointer<Int32>, bias: UnsafePointer<Float>?
  let float: UnsafeMutablePointer<Float>?, bytes: UnsafeMutablePointer<UInt8>?
  let yScale: Float, yZeroPoint: Int32, lo: Float, hi: Float
  let group: Int, groupStride: Int, rowStride: Int, columnStride: Int

  init(
    x: AffineQuantization, wScales: UnsafePointer<Float>, wRowSums: UnsafePointer<Int32>,
    bias: UnsafePointer<Float>?, output: Output, layout: Layout
  ) {
    (zx, xScale, self.wScales, self.wRowSums, self.bias) = (x.zeroPoint, x.scale, wScales, wRowSums, bias)
    switch output {
    case .float(let y):
      (float, bytes, yScale, yZeroPoint, lo, hi) = (y, nil, 1, 0, 0, 0)
    case .uint8(let yq, let p, let relu):
      (float, bytes, yScale, yZeroPoint) = (nil, yq, p.scale, p.zeroPoint)
      // Bounds on round(y / yScale), before the zero point is added.
      (lo, hi) = (relu ? 0 : Float(-p.zeroPoint), Float(255 - p.zeroPoint))
    }
    switch layout {
    case .rowMajor(let columns):
      (group, groupStride, rowStride, columnStride) = (Int.max, 0, columns, 1)
    case .channelPlanes(let positions, let channels):
      (group, groupStride, rowStride, columnStride) = (positions, positions * channels, 1, positions)
    }
  }

  /// The offset of row r's result for column 0.
  @inline(__always)
  func rowOffset(_ r: Int) -> Int { (r / group) * groupStride + (r % group) * rowStride }

  /// Finishes and stores Σₖ xq[r][k] · wq[o][k] = `raw` at `rowOffset + o · columnStride`.
  @inline(__always)
  func store(_ raw: Int32, rowOffset: Int, column o: Int) {
    let acc = raw &- zx &* wRowSums[o]
    let y = (xScale * wScales[o]) * Float(acc) + (bias?[o] ?? 0)
    let at = rowOffset + o * columnStride
    if let float {
      float[at] = y
    } else if let bytes {
      bytes[at] = UInt8(truncatingIfNeeded: Quantized.roundClamped(y / yScale, lo, hi) &+ yZeroPoint)
    }
  }
}

/// C[r][o] = Σₖ xq[r][k] · wq[o][k] for uint8 x [rows, K] and int8 w [columns, K], both
/// row-major, as dot products along K (the layout both operands already have: no packing).
///
/// Register tiles of 4 x rows × 2 weight rows keep 8 Int32 sums; LLVM vectorizes each K
/// loop 8 lanes wide and, since both operands fit in 16 bits, multiplies with vpmaddwd.
/// The 4 x rows are first widened to Int32 (masked, so LLVM still knows they fit), which
/// lets vpmaddwd read them from memory and leaves only the weights to sign-extend: 2×
/// faster than widening both in the loop (measured). The weights stream from L2 once
/// per 4 rows. Leftover rows (and batch 1) take 1 × 4 tiles on the bytes directly.
///
/// Limits, measured on the 2-core AVX-512 build machine: with `-target-cpu haswell`
/// Swift reaches vpmaddwd only at VF = 8 over Int32 lanes, so each instruction does 8 of
/// its 16 multiply-adds (~43 GMAC/s per core vs ~120 for OpenBLAS AVX-512 sgemm). Full
/// width needs intrinsics (vpmaddwd / vpdpbusd), i.e. a C target.
///
/// Rows (or, for fewer than 8 rows, column pairs) are split over threads; integer sums
/// are exact, so results do not depend on the split.
enum IntegerGEMM {
  /// Multiply-adds below which a thread is not worth starting (~1.2 µs of dispatch).
  static let minimumWork = 1 << 17

  static func run(
    xq: UnsafePointer<UInt8>, wq: UnsafePointer<Int8>, rows: Int, columns: Int, depth k: Int,
    _ finish: Epilogue
  ) {
    guard rows > 0, columns > 0 else { return }
    let perRow = columns * max(k, 1)
    if rows >= 8 {
      let tiles = (rows + 3) / 4
      Parallel.forEach(count: tiles, minimumPerThread: max(1, minimumWork / (4 * perRow))) { range in
        block(xq, wq, k, rows: range.lowerBound * 4..<min(rows, range.upperBound * 4), columns: 0..<columns, finish)
      }
    } else {
      let pairs = (columns + 1) / 2
      Parallel.forEach(count: pairs, minimumPerThread: max(1, minimumWork / (2 * rows * max(k, 1)))) { range in
        block(xq, wq, k, rows: 0..<rows, columns: range.lowerBound * 2..<min(columns, range.upperBound * 2), finish)
      }
    }
  }

  /// One thread's share: groups of `tileRows` x rows, each widened once into `wide` and
  /// then run against every column pair; leftover rows take 1 × 4 tiles.
  static func block(
    _ xq: UnsafePointer<UInt8>, _ wq: UnsafePointer<Int8>, _ k: Int, rows: Range<Int>,
    columns: Range<Int>, _ finish: Epilogue
  ) {
    let (c0, c1) = (columns.lowerBound, columns.upperBound)
    var r = rows.lowerBound
    if rows.count >= tileRows {
      withUnsafeTemporaryAllocation(of: Int32.self, capacity: max(1, tileRows * k)) { buffer in
        let wide = buffer.baseAddress!
        while r + tileRows <= rows.upperBound {
          for i in 0..<tileRows * k { wide[i] = Int32(xq[r * k + i]) }
          let offsets = (finish.rowOffset(r), finish.rowOffset(r + 1), finish.rowOffset(r + 2), finish.rowOffset(r + 3))
          var o = c0
          while o + 2 <= c1 {
            let s = tile4x2(wide, wq + o * k, k)
            finish.store(s.0, rowOffset: offsets.0, column: o)
            finish.store(s.1, rowOffset: offsets.0, column: o + 1)
            finish.store(s.2, rowOffset: offsets.1, column: o)
            finish.store(s.3, rowOffset: offsets.1, column: o + 1)
            finish.store(s.4, rowOffset: offsets.2, column: o)
            finish.store(s.5, rowOffset: offsets.2, column: o + 1)
            finish.store(s.6, rowOffset: offsets.3, column: o)
            finish.store(s.7, rowOffset: offsets.3, column: o + 1)
            o += 2
          }
          if o < c1 {
            for i in 0..<tileRows {
              finish.store(dot(xq + (r + i) * k, wq + o * k, k), rowOffset: finish.rowOffset(r + i), column: o)
            }
          }
          r += tileRows
        }
      }
    }
    while r < rows.upperBound {
      let x = xq + r * k, offset = finish.rowOffset(r)
      var o = c0
      while o + 4 <= c1 {
        let s = tile1x4(x, wq + o * k, k)
        finish.store(s.0, rowOffset: offset, column: o)
        finish.store(s.1, rowOffset: offset, column: o + 1)
        finish.store(s.2, rowOffset: offset, column: o + 2)
        finish.store(s.3, rowOffset: offset, column: o + 3)
        o += 4
      }
      while o < c1 {
        finish.store(dot(x, wq + o * k, k), rowOffset: offset, column: o)
        o += 1
      }
      r += 1
    }
  }

  /// x rows per register tile.
  static let tileRows = 4

  /// Σₖ x[i][k] · w[j][k] for widened x rows i in 0..<4 and w rows j in 0..<2 (stride k),
  /// in the order (0,0), (0,1), (1,0), …: 8 accumulators, 2 weight registers, x read
  /// straight from memory.
  @inline(__always)
  static func tile4x2(
    _ x: UnsafePointer<Int32>, _ w: UnsafePointer<Int8>, _ k: Int
  ) -> (Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32) {
    let (x0, x1, x2, x3, w0, w1) = (x, x + k, x + 2 * k, x + 3 * k, w, w + k)
    var (s00, s01, s10, s11): (Int32, Int32, Int32, Int32) = (0, 0, 0, 0)
    var (s20, s21, s30, s31): (Int32, Int32, Int32, Int32) = (0, 0, 0, 0)
    for i in 0..<k {
      let a0 = Int32(w0[i]), a1 = Int32(w1[i])
      // The masks tell LLVM the values fit in 16 bits, so the products become vpmaddwd.
      let (b0, b1, b2, b3) = (x0[i] & 0xFF, x1[i] & 0xFF, x2[i] & 0xFF, x3[i] & 0xFF)
      s00 &+= b0 &* a0
      s01 &+= b0 &* a1
      s10 &+= b1 &* a0
      s11 &+= b1 &* a1
      s20 &+= b2 &* a0
      s21 &+= b2 &* a1
      s30 &+= b3 &* a0
      s31 &+= b3 &* a1
    }
    return (s00, s01, s10, s11, s20, s21, s30, s31)
  }

  /// Σₖ x[k] · w[j][k] for w rows j in 0..<4 (stride k).
  @inline(__always)
  static func tile1x4(_ x: UnsafePointer<UInt8>, _ w: UnsafePointer<Int8>, _ k: Int) -> (Int32, Int32, Int32, Int32) {
    let (w0, w1, w2, w3) = (w, w + k, w + 2 * k, w + 3 * k)
    var (s0, s1, s2, s3): (Int32, Int32, Int32, Int32) = (0, 0, 0, 0)
    for i in 0..<k {
      let b = Int32(x[i])
      s0 &+= b &* Int32(w0[i])
      s1 &+= b &* Int32(w1[i])
      s2 &+= b &* Int32(w2[i])
      s3 &+= b &* Int32(w3[i])
    }
    return (s0, s1, s2, s3)
  }

  /// Σₖ x[k] · w[k].
  @inline(__always)
  static func dot(_ x: UnsafePointer<UInt8>, _ w: UnsafePointer<Int8>, _ k: Int) -> Int32 {
    var s: Int32 = 0
    for i in 0..<k { s &+= Int32(x[i]) &* Int32(w[i]) }
    return s
  }
}
