/// Batching: every sample once per epoch, the last batch kept, seeded order, no allocation per batch.
import DLCKernels
import Testing
@testable import DLCTraining

@Suite struct EpochBatchesTests {
  @Test func eachSampleOnceWithAShortLastBatch() {
    let b = EpochBatches(count: 10, batchSize: 4, seed: 42, epoch: 0)
    #expect(b.count == 3)
    #expect(b[0].count == 4 && b[1].count == 4 && b[2].count == 2)
    #expect((0..<b.count).flatMap { b[$0] }.sorted() == Array(0..<10))
  }

  @Test func theOrderIsSeededPerEpochAndReproducible() {
    let e0 = EpochBatches(count: 50, batchSize: 8, seed: 42, epoch: 0)
    #expect(e0 == EpochBatches(count: 50, batchSize: 8, seed: 42, epoch: 0))
    #expect(e0.order != EpochBatches(count: 50, batchSize: 8, seed: 42, epoch: 1).order)
    #expect(e0.order != EpochBatches(count: 50, batchSize: 8, seed: 43, epoch: 0).order)
    #expect(e0.order == RandomStream(seed: 42, purpose: .shuffle, id: 0).permutation(50))
  }

  @Test func sequentialBatchesKeepTheStoredOrder() {
    let b = EpochBatches(sequential: 5, batchSize: 2)
    #expect(b.count == 3)
    #expect(Array(b[2]) == [4])
  }

  @Test func gatherFillsCallerBuffers() throws {
    let d = Dataset(x: [0, 1, 10, 11, 20, 21], y: .classes([0, 1, 2]), count: 3, sampleShape: [2])
    var x = [Float](repeating: 0, count: 4)
    var y = [Int32](repeating: 0, count: 2)
    try x.withUnsafeMutableBufferPointer { xb in
      try y.withUnsafeMutableBytes { try d.gather([2, 0], x: xb.baseAddress!, target: $0.baseAddress!, as: .classIndices) }
    }
    #expect(x == [20, 21, 0, 1])
    #expect(y == [2, 0])
    let r = Dataset(x: [0, 1, 2], y: .values([5, 6, 7, 8, 9, 10], width: 2), count: 3, sampleShape: [1])
    var t = [Float](repeating: 0, count: 2)
    var rx = [Float](repeating: 0, count: 1)
    try rx.withUnsafeMutableBufferPointer { xb in
      try t.withUnsafeMutableBytes { try r.gather([1], x: xb.baseAddress!, target: $0.baseAddress!, as: .values(2)) }
    }
    #expect((rx, t) == ([1], [7, 8]))
  }

  @Test func subsetCopiesSamplesAndTargets() {
    let d = Dataset(x: [0, 1, 10, 11, 20, 21], y: .values([0, 1, 2], width: 1), count: 3, sampleShape: [2])
    let s = d.subset([2, 1])
    #expect(s.x == [20, 21, 10, 11])
    #expect(s.y == .values([2, 1], width: 1))
    #expect(s.count == 2)
  }
}
