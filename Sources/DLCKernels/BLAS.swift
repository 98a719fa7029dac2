import COpenBLAS

/// GEMM through OpenBLAS: the one file that touches CBLAS.
///
/// OpenBLAS runs on one thread; our own threads (`Parallel`) split the large GEMMs. Two
/// thread pools on the same cores fight: OpenBLAS's idle workers spin in `sched_yield`
/// while our threads run the reorders, pooling and activations between GEMMs (about a
/// fifth of a CNN step went to that). With one pool, every core runs one thread.
public enum BLAS {
  /// C[m×n] = alpha · op(A) · op(B) + beta · C, all row-major; op transposes when asked.
  /// `lda`, `ldb`, `ldc` are the row strides of A, B and C as stored. Runs on the calling
  /// thread, so calls from different threads may run side by side.
  @inline(__always)
  public static func sgemm(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    _ = singleThreaded
    cblas_sgemm(
      CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
      Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
  }

  /// Like `sgemm`, split over our threads when large: the longer of m and n is cut into
  /// contiguous blocks (multiples of 16), one single-threaded GEMM each. Each entry of C
  /// comes from one GEMM over the whole of k, so the split adds no reduction.
  public static func sgemmParallel(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    let splitRows = m > n
    let blocks = (max(m, n) + 15) / 16
    let blocksPerThread = max(1, minimumWorkPerThread / max(1, 16 * min(m, n) * k))
    Parallel.forEach(count: blocks, minimumPerThread: blocksPerThread) { range in
      let lo = range.lowerBound * 16, hi = min(range.upperBound * 16, splitRows ? m : n)
      if splitRows {
        sgemm(
          transA: transA, transB: transB, m: hi - lo, n: n, k: k, alpha: alpha,
          a: a + (transA ? lo : lo * lda), lda: lda, b: b, ldb: ldb,
          beta: beta, c: c + lo * ldc, ldc: ldc)
      } else {
        sgemm(
          transA: transA, transB: transB, m: m, n: hi - lo, k: k, alpha: alpha,
          a: a, lda: lda, b: b + (transB ? lo * ldb : lo), ldb: ldb,
          beta: beta, c: c + lo, ldc: ldc)
      }
    }
  }

  /// y[m] = A[m×n] · x[n] + beta · y, A row-major with row stride `lda`, split over our
  /// threads by rows of A when A is large. For one input row (batch 1 inference) this is
  /// what a dense layer is, and it is memory-bound: a matrix too large for one core's L2
  /// cache streams from L3 on every call. Split in two, each core keeps its half in its
  /// own L2 across calls (the folded 784-512-10 MLP: 16.2 µs with sgemm on one thread,
  /// 8.0 µs split; bench/README.md).
  public static func sgemvParallel(
    m: Int, n: Int, a: UnsafePointer<Float>, lda: Int, x: UnsafePointer<Float>,
    beta: Float, y: UnsafeMutablePointer<Float>
  ) {
    _ = singleThreaded
    let blocks = (m + 15) / 16
    let blocksPerThread = max(1, minimumMatrixPerThread / max(1, 16 * n))
    Parallel.forEach(count: blocks, minimumPerThread: blocksPerThread) { range in
      let lo = range.lowerBound * 16, hi = min(range.upperBound * 16, m)
      cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(hi - lo), Int32(n), 1, a + lo * lda, Int32(lda), x, 1, beta, y + lo, 1)
    }
  }

  /// Matrix entries a thread reads at least before `sgemvParallel` splits: 256 KiB of
  /// floats, so only a matrix of 512 KiB or more (half of one core's L2 here) is split;
  /// a smaller one stays in the caller's cache and is read faster than a split costs.
  static let minimumMatrixPerThread = 65_536

  /// Multiply-adds a thread gets at least before `sgemmParallel` splits. Waking a second
  /// thread costs several microseconds, so smaller products run on the calling thread:
  /// at 262,144 (where OpenBLAS 0.3.21 starts threading) the digits MLP's 64×64×128
  /// products were split and its training step ran at 0.55× the speed.
  static let minimumWorkPerThread = 4_194_304

  /// Sets OpenBLAS to one thread, once, before the first GEMM.
  private static let singleThreaded: Void = openblas_set_num_threads(1)

  /// The kernel family OpenBLAS chose for this CPU, e.g. "SkylakeX", "Haswell", "Prescott".
  public static var coreName: String { String(cString: openblas_get_corename()) }

  /// How many threads one OpenBLAS call uses (1 once a GEMM has run).
  public static var threads: Int {
    get { Int(openblas_get_num_threads()) }
    set { openblas_set_num_threads(Int32(newValue)) }
  }
}
