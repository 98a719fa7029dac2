/// Table lookup, PyTorch `nn.Embedding`: ids [count] (range-checked by the caller),
/// table [vocab, dim], y [count, dim].
public enum EmbeddingKernel {
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
