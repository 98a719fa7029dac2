import Testing

@testable import DLCKernels

private typealias Tensor = KernelTesting.Tensor

@Suite struct EmbeddingTests {
  @Test(arguments: [(1, 1, 1), (5, 3, 4), (9, 7, 3)])
  func forwardAndBackward(count: Int, vocab: Int, dim: Int) {
    // Ids repeat (count > vocab in places), so the scatter must add.
    let ids: [Int32] = (0..<count).map { Int32(($0 * 5 + 2) % vocab) }
    let table = KernelTesting.random(vocab * dim, seed: 41), r = KernelTesting.random(count * dim, seed: 42)
    let (tt, tr) = (Tensor(table), Tensor(r))
    let y = Tensor(count: count * dim), dtable = Tensor(count: vocab * dim)
    func reference(_ table: [Double]) -> [Double] {
      ids.flatMap { id in (0..<dim).map { table[Int(id) * dim + $0] } }
    }
    ids.withUnsafeBufferPointer { idp in
      EmbeddingKernel.forward(ids: idp.baseAddress!, table: tt.p, y: y.m, count: count, dim: dim)
      EmbeddingKernel.backward(dy: tr.p, ids: idp.baseAddress!, dtable: dtable.m, count: count, dim: dim, vocab: vocab)
    }
    KernelTesting.expectClose(y.array, reference(table.map(Double.init)), tolerance: 0, "embedding")
    KernelTesting.expectGradient(dtable.array, at: table, "dtable") { KernelTesting.dot(r, reference($0)) }
  }

  @Test func idsOutsideTheTableReadRowZero() {
    // Ids come from data files: negative and too-large ones must not index past the table.
    var ids: [Int32] = [2, -1, 5, 4, 0, Int32.max]
    ids.withUnsafeMutableBufferPointer { EmbeddingKernel.clampIds(ids: $0.baseAddress!, count: $0.count, vocab: 5) }
    #expect(ids == [2, 0, 0, 4, 0, 0])
  }
}
