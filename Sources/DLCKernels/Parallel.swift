import Glibc

/// Splits loops over the machine's cores; small loops stay on the calling thread.
///
/// The chunks run on `WorkerPool`'s threads, which stay awake for a moment between
/// splits; a loop is split only when each thread gets at least `minimumPerThread`
/// iterations.
public enum Parallel {
  /// How many threads a split loop uses at most (default: the machine's cores, 2 here).
  nonisolated(unsafe) public static var threads: Int = max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))

  /// Runs body over 0..<count split into contiguous chunks on up to `Parallel.threads`
  /// threads; runs inline when count < minimumPerThread * 2.
  public static func forEach(count: Int, minimumPerThread: Int, _ body: (Range<Int>) -> Void) {
    forEachChunk(count: count, minimumPerThread: minimumPerThread) { _, range in body(range) }
  }

  /// How many chunks `forEach` and `forEachChunk` split `count` iterations into (≥ 1).
  public static func chunkCount(count: Int, minimumPerThread: Int) -> Int {
    let perThread = max(1, minimumPerThread)
    return max(1, min(threads, count / perThread))
  }

  /// Like `forEach`, and also passes the chunk's index in 0..<chunkCount, so each chunk
  /// can own a slice of a scratch buffer.
  public static func forEachChunk(
    count: Int, minimumPerThread: Int, _ body: (_ chunk: Int, _ range: Range<Int>) -> Void
  ) {
    guard count > 0 else { return }
    let chunks = chunkCount(count: count, minimumPerThread: minimumPerThread)
    if chunks == 1 {
      body(0, 0..<count)
      return
    }
    WorkerPool.shared.run(chunks: chunks) { chunk in
      // Even split: the first `count % chunks` chunks take one more iteration.
      let base = count / chunks, extra = count % chunks
      let start = chunk * base + min(chunk, extra)
      let end = start + base + (chunk < extra ? 1 : 0)
      body(chunk, start..<end)
    }
  }
}

/// @unchecked Sendable wrapper for pointers captured in concurrent closures (the only one).
public struct SendablePointer<T>: @unchecked Sendable {
  public let pointer: UnsafeMutablePointer<T>

  /// Wraps `pointer`.
  public init(_ pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }

  /// Wraps `pointer`.
  public init(pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }
}
