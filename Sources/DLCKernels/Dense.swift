/// Fully connected layer, PyTorch `nn.Linear` layout: x [rows, in], weight [out, in],
/// bias [out], y [rows, out]; y = x · Wᵀ + b. All GEMMs go through OpenBLAS, split over
/// our threads when large (`BLAS.sgemmParallel`).
public enum DenseKernel {
  /// y = x · Wᵀ + b.
  public static func forward(
    x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
    y: UnsafeMutablePointer<Float>, rows: Int, inFeatures: Int, outFeatures: Int
  ) {
    guard rows > 0, outFeatures > 0 else { return }
    var beta: Float = 0
    if let bias {
      // Seed every row with the bias and let GEMM accumulate onto it (beta = 1).
      for r in 0..<rows { (y + r * outFeatures).update(from: bias, count: outFeatures) }
      beta = 1
    }
    if inFeatures == 0 {
      if bias == nil { y.update(repeating: 0, count: rows * outFeatures) }
      return
    }
    if rows == 1 {
      BLAS.sgemvParallel(m: outFeatures, n: inFeatures, a: weight, lda: inFeatures, x: x, beta: beta, y: y)
      return
    }
    BLAS.sgemmParallel(
      transA: false, transB: true, m: rows, n: outFeatures, k: inFeatures, alpha: 1,
      a: x, lda: inFeatures, b: weight, ldb: inFeatures, beta: beta, c: y, ldc: outFeatures)
  }

  /// dx = dy · W.
  public static func gradInput(
    dy: UnsafePointer<Float>, weight: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
    rows: Int, inFeatures: Int, outFeatures: Int
  ) {
    guard rows > 0, inFeatures > 0 else { return }
    guard outFeatures > 0 else {
      dx.update(repeating: 0, count: rows * inFeatures)
      return
    }
    BLAS.sgemmParallel(
      transA: false, transB: false, m: rows, n: inFeatures, k: outFeatures, alpha: 1,
      a: dy, lda: outFeatures, b: weight, ldb: inFeatures, beta: 0, c: dx, ldc: inFeatures)
  }

  /// dW = dyᵀ · x, summed over all rows.
  public static func gradWeight(
    dy: UnsafePointer<Float>, x: UnsafePointer<Float>, dweight: UnsafeMutablePointer<Float>,
    rows: Int, inFeatures: Int, outFeatures: Int
  ) {
    guard outFeatures > 0, inFeatures > 0 else { return }
    guard rows > 0 else {
      dweight.update(repeating: 0, count: outFeatures * inFeatures)
      return
    }
    BLAS.sgemmParallel(
      transA: true, transB: false, m: outFeatures, n: inFeatures, k: rows, alpha: 1,
      a: dy, lda: outFeatures, b: x, ldb: inFeatures, beta: 0, c: dweight, ldc: inFeatures)
  }

  /// db = column sums of dy [rows, out].
  public static func gradBias(
    dy: UnsafePointer<Float>, dbias: UnsafeMutablePointer<Float>, rows: Int, outFeatures: Int
  ) {
    Reduction.columnSums(dy, into: dbias, rows: rows, columns: outFeatures, stride: outFeatures)
  }
}
