/// Orthogonal, delta-orthogonal and identity initialization.
///
/// `orthogonal` follows `torch.nn.init.orthogonal_` (Saxe et al. 2014, "Exact solutions to
/// the nonlinear dynamics of learning in deep linear neural networks"): a rows × cols
/// matrix of standard normals (rows = shape[0], cols = the product of the rest), its QR
/// decomposition with Q's columns multiplied by sign(diag R) so the result is Haar
/// distributed, transposed first and last when rows < cols, times `gain`. The QR is
/// Householder's (Golub & Van Loan, "Matrix Computations", §5.2) in Double on one thread,
/// so the values depend only on the stream.
extension InitKernel {
  /// y (rows × cols, row-major) = gain · Q as `torch.nn.init.orthogonal_`: the columns
  /// are orthonormal when rows ≥ cols (WᵀW = gain²·I), the rows when rows < cols
  /// (WWᵀ = gain²·I). Element (r, c) of the normal matrix is `stream.normal(at: r·cols + c)`.
  public static func orthogonal(_ y: UnsafeMutablePointer<Float>, rows: Int, cols: Int, gain: Float, stream: RandomStream) {
    guard rows > 0, cols > 0 else { return }
    let normal = (0..<(rows * cols)).map { Double(stream.normal(at: $0)) }
    let q = orthogonalFactor(of: normal, rows: rows, cols: cols)
    for i in 0..<(rows * cols) { y[i] = gain * Float(q[i]) }
  }

  /// The orthogonal factor torch.nn.init.orthogonal_ makes of the rows × cols matrix
  /// `matrix` (row-major): Q of its QR decomposition with the signs of R's diagonal, or
  /// of its transpose's, transposed back, when rows < cols. Row-major, rows × cols.
  static func orthogonalFactor(of matrix: [Double], rows: Int, cols: Int) -> [Double] {
    let wide = rows < cols
    let (m, n) = wide ? (cols, rows) : (rows, cols)
    // The tall matrix A (m × n, column-major): the matrix, or its transpose.
    var a = [Double](repeating: 0, count: m * n)
    for r in 0..<rows {
      for c in 0..<cols {
        if wide { a[c + r * m] = matrix[r * cols + c] } else { a[r + c * m] = matrix[r * cols + c] }
      }
    }
    let q = orthonormalFactor(&a, m: m, n: n)
    var out = [Double](repeating: 0, count: rows * cols)
    for r in 0..<rows {
      for c in 0..<cols { out[r * cols + c] = wide ? q[c + r * m] : q[r + c * m] }
    }
    return out
  }

  /// Q of A = QR (A is m × n column-major with m ≥ n, overwritten), thin (m × n,
  /// column-major), with column j multiplied by the sign of R's j-th diagonal entry (as
  /// PyTorch's `q *= d.sign()`, except that a zero diagonal keeps the sign +1). Householder
  /// reflections H_k = I − 2vvᵀ/vᵀv zero A's column k below the diagonal; Q is
  /// H₀H₁⋯Hₙ₋₁ applied to the first n columns of the identity.
  static func orthonormalFactor(_ a: inout [Double], m: Int, n: Int) -> [Double] {
    // Reflector k is stored in column k of `v` (rows k..<m); vv[k] = vᵀv, 0 for none.
    var v = [Double](repeating: 0, count: m * n), vv = [Double](repeating: 0, count: n)
    var diagonal = [Double](repeating: 0, count: n)
    var q = [Double](repeating: 0, count: m * n)
    a.withUnsafeMutableBufferPointer { a in
      v.withUnsafeMutableBufferPointer { v in
        for k in 0..<n {
          let column = a.baseAddress! + k * m, reflector = v.baseAddress! + k * m
          var norm = 0.0
          for i in k..<m { norm += column[i] * column[i] }
          norm = norm.squareRoot()
          let alpha = column[k] >= 0 ? -norm : norm
          for i in k..<m { reflector[i] = column[i] }
          reflector[k] -= alpha
          var length = 0.0
          for i in k..<m { length += reflector[i] * reflector[i] }
          vv[k] = length
          if length > 0 {
            for j in k..<n { reflect(a.baseAddress! + j * m, by: reflector, length: length, rows: k..<m) }
          }
          diagonal[k] = column[k]
        }
        q.withUnsafeMutableBufferPointer { q in
          for j in 0..<n { q[j + j * m] = 1 }
          for k in stride(from: n - 1, through: 0, by: -1) where vv[k] > 0 {
            for j in 0..<n { reflect(q.baseAddress! + j * m, by: v.baseAddress! + k * m, length: vv[k], rows: k..<m) }
          }
          for j in 0..<n where diagonal[j] < 0 {
            for i in 0..<m { q[i + j * m] = -q[i + j * m] }
          }
        }
      }
    }
    return q
  }

  /// x ← (I − 2vvᵀ/vᵀv)·x over `rows`, for one column x.
  @inline(__always)
  private static func reflect(
    _ x: UnsafeMutablePointer<Double>, by v: UnsafeMutablePointer<Double>, length: Double, rows: Range<Int>
  ) {
    var dot = 0.0
    for i in rows { dot += v[i] * x[i] }
    let f = 2 * dot / length
    for i in rows { x[i] -= f * v[i] }
  }

  /// Delta-orthogonal initialization of a convolution kernel [out, in, kh, kw] (Xiao et
  /// al. 2018, "Dynamical isometry and a mean field theory of CNNs", Algorithm 2): zeros
  /// everywhere except the centre tap ((kh − 1)/2, (kw − 1)/2), as TensorFlow's
  /// `ConvolutionDeltaOrthogonal`, which holds `orthogonal` of an out × in matrix times
  /// `gain`; with out ≥ in its columns are orthonormal. Sema checks out ≥ in.
  public static func deltaOrthogonal(_ y: UnsafeMutablePointer<Float>, shape: [Int], gain: Float, stream: RandomStream) {
    precondition(shape.count == 4, "delta_orthogonal fills [out, in, kh, kw] kernels")
    let (out, channels, kh, kw) = (shape[0], shape[1], shape[2], shape[3])
    let taps = kh * kw
    zeros(y, count: out * channels * taps)
    guard out > 0, channels > 0, taps > 0 else { return }
    var centre = [Float](repeating: 0, count: out * channels)
    centre.withUnsafeMutableBufferPointer { orthogonal($0.baseAddress!, rows: out, cols: channels, gain: gain, stream: stream) }
    let tap = ((kh - 1) / 2) * kw + (kw - 1) / 2
    for o in 0..<out {
      for c in 0..<channels { y[(o * channels + c) * taps + tap] = centre[o * channels + c] }
    }
  }

  /// y (rows × cols) = gain · I as `torch.nn.init.eye_`: ones on the main diagonal of a
  /// non-square matrix too, zeros elsewhere (Keras's `Identity` does the same).
  public static func identity(_ y: UnsafeMutablePointer<Float>, rows: Int, cols: Int, gain: Float) {
    zeros(y, count: rows * cols)
    for i in 0..<min(rows, cols) { y[i * cols + i] = gain }
  }
}
