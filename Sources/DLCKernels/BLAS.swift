import COpenBLAS

/// GEMM through OpenBLAS: the one file that touches CBLAS.
public enum BLAS {
  /// C[m×n] = alpha · op(A) · op(B) + beta · C, all row-major; op transposes when asked.
  /// `lda`, `ldb`, `ldc` are the row strides of A, B and C as stored.
  @inline(__always)
  public static func sgemm(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    cblas_sgemm(
      CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
      Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
  }

  /// The kernel family OpenBLAS chose for this CPU, e.g. "SkylakeX", "Haswell", "Prescott".
  public static var coreName: String { String(cString: openblas_get_corename()) }

  /// How many threads GEMM uses.
  public static var threads: Int {
    get { Int(openblas_get_num_threads()) }
    set { openblas_set_num_threads(Int32(newValue)) }
  }
}
