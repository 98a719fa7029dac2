import Testing

@testable import DLCKernels

@Suite struct ParallelTests {
  @Test(arguments: [1, 7, 100, 12_345])
  func forEachCoversEveryIndexOnce(count: Int) {
    let hits = UnsafeMutablePointer<Int>.allocate(capacity: count)
    defer { hits.deallocate() }
    hits.initialize(repeating: 0, count: count)
    Parallel.forEach(count: count, minimumPerThread: 3) { range in
      for i in range { hits[i] += 1 }
    }
    #expect((0..<count).allSatisfy { hits[$0] == 1 })
  }

  @Test func smallCountsRunInlineInOneChunk() {
    var ranges: [Range<Int>] = []
    Parallel.forEach(count: 99, minimumPerThread: 50) { ranges.append($0) }
    #expect(ranges == [0..<99])
    #expect(Parallel.chunkCount(count: 99, minimumPerThread: 50) == 1)
    #expect(Parallel.chunkCount(count: 100, minimumPerThread: 50) == min(2, Parallel.threads))
  }

  @Test func chunksAreContiguousAndIndexed() {
    let chunks = Parallel.chunkCount(count: 1001, minimumPerThread: 1)
    let starts = UnsafeMutablePointer<Int>.allocate(capacity: chunks)
    let ends = UnsafeMutablePointer<Int>.allocate(capacity: chunks)
    defer { starts.deallocate(); ends.deallocate() }
    Parallel.forEachChunk(count: 1001, minimumPerThread: 1) { chunk, range in
      starts[chunk] = range.lowerBound
      ends[chunk] = range.upperBound
    }
    #expect(starts[0] == 0 && ends[chunks - 1] == 1001)
    #expect((1..<chunks).allSatisfy { starts[$0] == ends[$0 - 1] })
  }

  @Test func zeroCountNeverCallsBody() {
    var called = false
    Parallel.forEach(count: 0, minimumPerThread: 1) { _ in called = true }
    #expect(!called)
  }
}
