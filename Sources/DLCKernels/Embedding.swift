/// Table lookup, PyTorch `nn.Embedding`: ids [count] (range-checked by `clampIds`),
/// table [vocab, dim], y [count, dim].
public enum EmbeddingKernel {
  /// Sets every id outside [0, vocab) to 0. A memory-safety guard only: ids come from
  /// data, and a bad one must read row 0 instead of memory past the table.
  public static func clampIds(ids: UnsafeMutablePointer<Int32>, count: Int, vocab: Int) {
    for i in 0..<count where ids[i] < 0 || Int(ids[i]) >= vocab { ids[i] = 0 }
  }

  /// y[i] = table[ids[i]].
  public static func forward(
    ids: UnsafePointer<Int32>, table: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, count: Int, dim: Int
  ) {
    for i in 0..<count { (y + i * dim).update(from: table + Int(ids[i]) * dim, count: dim) }
  }

  /// dtable = 0, then dtable[ids[i]] += dy[i] for every i (repeated ids sum).
  public static func backward(
    dy: UnsafePointer<Float>, ids: UnsafePointer<Int32>, dtable: UnsafeMutablePointer<Float>,
    count: Int, dim: Int, vocab: Int
  ) {
    dtable.update(repeating: 0, count: vocab * dim)
    for i in 0..<count {
      let row = dtable + Int(ids[i]) * dim, g = dy + i * dim
      for j in 0..<dim { row[j] += g[j] }
    }
  }
}
