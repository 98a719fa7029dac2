/// Sums shared by the kernels that reduce over rows or positions.
enum Reduction {
  /// Σ p[0..<count], with 16 lanes of partial sums so the loop vectorizes.
  @inline(__always)
  static func sum(_ p: UnsafePointer<Float>, count: Int) -> Float {
    let raw = UnsafeRawPointer(p)
    var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
    var i = 0
    while i + 16 <= count {
      acc0 += raw.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
      acc1 += raw.loadUnaligned(fromByteOffset: (i &+ 8) &* 4, as: SIMD8<Float>.self)
      i &+= 16
    }
    var total = (acc0 + acc1).sum()
    while i < count {
      total += p[i]
      i &+= 1
    }
    return total
  }

  /// out[j] = Σᵢ a[i·stride + j] for j < columns; rows are added in order, vectorized
  /// across columns.
  static func columnSums(
    _ a: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>,
    rows: Int, columns: Int, stride: Int
  ) {
    out.update(repeating: 0, count: columns)
    for r in 0..<rows {
      let row = a + r &* stride
      for j in 0..<columns { out[j] += row[j] }
    }
  }
}
