import CInt8GEMM

/// Post-training quantization kernels: float tensors in, uint8/int8 tensors and integer
/// GEMMs with float or uint8 outputs out. The GEMM itself is C (Sources/CInt8GEMM, driven
/// from QuantizedGEMM.swift): the weights are packed once for it (`packWeights`).
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
///   |acc| ≤ 255 · 127 · K, so K must stay below 66 000 (2³¹ / 32 385). The sums are exact
///   on every CPU (no saturating instruction is used), so results never depend on the
///   kernel chosen or the number of threads.
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
  /// columns] row-major); `packWeights` turns it into the GEMM's operand.
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

  /// q = clamp(round(x / scale) + zeroPoint, 0, 255) (vectorized in C, split over threads
  /// when large).
  public static func quantize(
    _ x: UnsafePointer<Float>, count: Int, _ p: AffineQuantization, into q: UnsafeMutablePointer<UInt8>
  ) {
    Parallel.forEach(count: count, minimumPerThread: 1 << 16) { range in
      dlc_f32_quantize_u8(x + range.lowerBound, range.count, p.scale, p.zeroPoint, q + range.lowerBound)
    }
  }

  /// x = scale · (q − zeroPoint).
  public static func dequantize(
    _ q: UnsafePointer<UInt8>, count: Int, _ p: AffineQuantization, into x: UnsafeMutablePointer<Float>
  ) {
    for i in 0..<count { x[i] = p.scale * Float(Int32(q[i]) &- p.zeroPoint) }
  }

  // MARK: Dense

  /// y[r][o] = (xScale · wScale[o]) · acc[r][o] + bias[o] (float output): x [rows, in]
  /// uint8, wPacked the int8 weight [out, in] of `quantizeWeightsPerChannel` packed by
  /// `packWeights(_:rows: out, columns: in, into:)`, y [rows, out].
  public static func denseInt8(
    xq: UnsafePointer<UInt8>, x: AffineQuantization, wPacked: UnsafePointer<Int8>,
    wScales: UnsafePointer<Float>, wRowSums: UnsafePointer<Int32>, bias: UnsafePointer<Float>?,
    rows: Int, inFeatures: Int, outFeatures: Int, y: UnsafeMutablePointer<Float>
  ) {
    let finish = Epilogue.make(
      x: x, wScales: wScales, wRowSums: wRowSums, bias: bias, output: .float(y),
      layout: .rowMajor(columns: outFeatures))
    IntegerGEMM.run(xq: xq, wPacked: wPacked, rows: rows, columns: outFeatures, depth: inFeatures, finish)
  }

  /// Like `denseInt8`, then yq = clamp(round(y / yScale) + yZeroPoint, lo, 255), lo =
  /// yZeroPoint when `relu` (fused ReLU) else 0.
  public static func denseInt8Requantized(
    xq: UnsafePointer<UInt8>, x: AffineQuantization, wPacked: UnsafePointer<Int8>,
    wScales: UnsafePointer<Float>, wRowSums: UnsafePointer<Int32>, bias: UnsafePointer<Float>?,
    rows: Int, inFeatures: Int, outFeatures: Int, output: AffineQuantization, relu: Bool,
    yq: UnsafeMutablePointer<UInt8>
  ) {
    let finish = Epilogue.make(
      x: x, wScales: wScales, wRowSums: wRowSums, bias: bias,
      output: .uint8(yq, output, relu: relu), layout: .rowMajor(columns: outFeatures))
    IntegerGEMM.run(xq: xq, wPacked: wPacked, rows: rows, columns: outFeatures, depth: inFeatures, finish)
  }

  /// Weight-only int8 (dynamic quantization, as PyTorch `quantize_dynamic`): the range of
  /// this call's x (NaN and ±∞ ignored) gives its `AffineQuantization`, x is quantized into
  /// `scratch` (rows · in bytes), then `denseInt8` (wPacked as there).
  public static func denseDynamic(
    x: UnsafePointer<Float>, wPacked: UnsafePointer<Int8>, wScales: UnsafePointer<Float>,
    wRowSums: UnsafePointer<Int32>, bias: UnsafePointer<Float>?, rows: Int, inFeatures: Int,
    outFeatures: Int, y: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<UInt8>
  ) {
    var observer = MinMaxObserver()
    observer.observe(x, count: rows * inFeatures)
    let p = AffineQuantization(min: observer.range.min, max: observer.range.max)
    quantize(x, count: rows * inFeatures, p, into: scratch)
    denseInt8(
      xq: scratch, x: p, wPacked: wPacked, wScales: wScales, wRowSums: wRowSums, bias: bias, rows: rows,
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

