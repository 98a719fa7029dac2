import CInt8GEMM

/// The integer GEMM of the quantized kernels, C[r][o] = Σₖ xq[r][k] · wq[o][k] (uint8 ×
/// int8, exact Int32), is C with intrinsics (Sources/CInt8GEMM/int8_gemm.c): Swift at
/// `-target-cpu haswell` reaches vpmaddwd at half width only (~43 G multiply-adds/s per
/// core), the C kernels use vpdpbusd on AVX-512 VNNI (~500 G/s per core, measured on the
/// build machine), with AVX-512BW, AVX2 and portable fallbacks chosen at run time. This file
/// packs weights for it, builds its epilogue and splits it over threads.
extension Quantized {
  /// Bytes of an int8 weight [rows, columns] packed by `packWeights` (a conv weight [OC, C,
  /// KH, KW] is rows = OC, columns = C·KH·KW).
  public static func packedWeightCount(rows: Int, columns: Int) -> Int {
    dlc_u8s8_packed_size(Int32(rows), Int32(columns))
  }

  /// Packs the int8 weight wq [rows, columns] of `quantizeWeightsPerChannel` into the
  /// GEMM's layout (blocks of 16 rows × groups of 4 columns, zero-padded), once per weight:
  /// `packed` holds `packedWeightCount(rows:columns:)` bytes (64-byte aligned is fastest).
  public static func packWeights(
    _ wq: UnsafePointer<Int8>, rows: Int, columns: Int, into packed: UnsafeMutablePointer<Int8>
  ) {
    dlc_u8s8_pack_b(wq, Int32(rows), Int32(columns), packed)
  }

  /// The integer GEMM kernel this CPU runs: "avx512vnni", "avx512bw", "avx2" or
  /// "portable" (the environment variable DLC_INT8_KERNEL may pick a lesser one).
  public static var int8KernelName: String { String(cString: dlc_u8s8_kernel_name()) }
}

/// How the integer GEMM finishes acc[r][o] = Σₖ xq[r][k] · wq[o][k] − zx · rowSum[o]: the
/// float or the requantized formula of the scheme (Quantized.swift), stored at `layout`'s
/// offset. The C epilogue evaluates exactly the Swift formulas, in the same order.
enum Epilogue {
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

  /// The C epilogue for activations x and a weight's per-row scales and sums.
  static func make(
    x: AffineQuantization, wScales: UnsafePointer<Float>, wRowSums: UnsafePointer<Int32>,
    bias: UnsafePointer<Float>?, output: Output, layout: Layout
  ) -> dlc_u8s8_epilogue {
    var e = dlc_u8s8_epilogue()
    (e.a_zero_point, e.a_scale, e.b_scales, e.b_row_sums, e.bias) = (x.zeroPoint, x.scale, wScales, wRowSums, bias)
    switch output {
    case .float(let y):
      (e.kind, e.y) = (DLC_U8S8_FLOAT, UnsafeMutableRawPointer(y))
    case .uint8(let yq, let p, let relu):
      (e.kind, e.y, e.y_scale, e.y_zero_point) = (DLC_U8S8_UINT8, UnsafeMutableRawPointer(yq), p.scale, p.zeroPoint)
      // Bounds on round(y / yScale), before the zero point is added.
      (e.lo, e.hi) = (relu ? 0 : Float(-p.zeroPoint), Float(255 - p.zeroPoint))
    }
    switch layout {
    case .rowMajor(let columns):
      (e.group_rows, e.group_stride, e.row_stride, e.column_stride) = (0, 0, columns, 1)
    case .channelPlanes(let positions, let channels):
      (e.group_rows, e.group_stride, e.row_stride, e.column_stride) = (positions, positions * channels, 1, positions)
    }
    return e
  }
}

/// Runs the C GEMM over xq [rows, depth] and a packed weight [columns, depth], split over
/// threads: by blocks of 24 rows (a multiple of every kernel's row tile), or, for fewer
/// than 48 rows, by blocks of 16 columns. Integer sums are exact, so the split never
/// changes a result.
enum IntegerGEMM {
  /// Multiply-adds below which a thread is not worth starting (~1.2 µs of dispatch at
  /// ~500 G/s, measured).
  static let minimumWork = 1 << 19
  /// Rows per unit of the row split.
  static let rowBlock = 24

  static func run(
    xq: UnsafePointer<UInt8>, wPacked: UnsafePointer<Int8>, rows: Int, columns: Int, depth k: Int,
    _ finish: dlc_u8s8_epilogue
  ) {
    guard rows > 0, columns > 0 else { return }
    let perRow = columns * max(k, 1)
    let part = { (rows: Range<Int>, columns: Range<Int>) in
      withUnsafePointer(to: finish) { e in
        dlc_u8s8_gemm_part(
          Int32(k), xq, Int32(k), wPacked, e, Int32(rows.lowerBound), Int32(rows.upperBound),
          Int32(columns.lowerBound), Int32(columns.upperBound))
      }
    }
    let blocks = (rows + rowBlock - 1) / rowBlock
    if blocks >= 2 {
      Parallel.forEach(count: blocks, minimumPerThread: max(1, minimumWork / (rowBlock * perRow))) { range in
        part(range.lowerBound * rowBlock..<min(rows, range.upperBound * rowBlock), 0..<columns)
      }
    } else {
      let columnBlocks = (columns + 15) / 16
      Parallel.forEach(count: columnBlocks, minimumPerThread: max(1, minimumWork / (16 * rows * max(k, 1)))) { range in
        part(0..<rows, range.lowerBound * 16..<min(columns, range.upperBound * 16))
      }
    }
  }
}

extension Quantized {
  /// An int8 weight [rows, columns] (a conv weight [OC, C, KH, KW] is rows = OC) made ready
  /// for the kernels: packed for the GEMM, with the row sums the zero-point correction
  /// needs. `prepare()` does both from the weight's current values; callers prepare once
  /// after the weights are loaded (quantized models are for inference only).
  public final class PreparedWeights: @unchecked Sendable {
    public let rows: Int
    public let columns: Int
    public let packed: UnsafeMutablePointer<Int8>
    public let rowSums: UnsafeMutablePointer<Int32>
    private let source: UnsafePointer<Int8>
    private var ready = false

    public init(_ q: UnsafePointer<Int8>, rows: Int, columns: Int) {
      (source, self.rows, self.columns) = (q, rows, columns)
      let bytes = max(Quantized.packedWeightCount(rows: rows, columns: columns), 1)
      packed = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64).bindMemory(to: Int8.self, capacity: bytes)
      rowSums = .allocate(capacity: max(rows, 1))
    }

    deinit {
      UnsafeMutableRawPointer(packed).deallocate()
      rowSums.deallocate()
    }

    /// Packs the weight and sums its rows, the first time only.
    @inline(__always)
    public func prepare() {
      guard !ready else { return }
      Quantized.packWeights(source, rows: rows, columns: columns, into: packed)
      for r in 0..<rows {
        var sum: Int32 = 0
        for k in 0..<columns { sum &+= Int32(source[r * columns + k]) }
        rowSums[r] = sum
      }
      ready = true
    }
  }
}
