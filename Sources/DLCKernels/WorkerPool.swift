import Dispatch
import Glibc
import Synchronization

/// The threads `Parallel` splits loops over: one caller plus `workers.count` threads that
/// stay alive between loops. A worker that has just finished spins for a while before it
/// sleeps, so the back-to-back splits of a training step (a GEMM, then an activation, then
/// the next GEMM) start without waking a thread each time; `DispatchQueue.concurrentPerform`
/// paid that wake-up on every split (about a tenth of a transformer step).
///
/// One split runs at a time: a split started while another runs (from another thread, or
/// nested inside a chunk) runs its chunks on the calling thread, in order. Chunks touch
/// disjoint data and their count does not depend on who runs them, so results are the same.
final class WorkerPool: @unchecked Sendable {
  /// The pool for `Parallel.threads` threads (created on first use).
  static let shared = WorkerPool(threads: Parallel.threads)

  /// Bumped to start a split; each worker runs chunk `index` of it.
  private let generation = Atomic<Int>(0)
  /// Workers done with the current split.
  private let finished = Atomic<Int>(0)
  /// Whether a split is running (the pool takes one at a time).
  private let busy = Atomic<Bool>(false)
  private let sleepers: [Sleeper]
  /// The current split's body and chunk count, written before `generation` is bumped.
  nonisolated(unsafe) private var body: ((Int) -> Void)?
  nonisolated(unsafe) private var chunks = 0

  /// Spins before a worker sleeps (a few microseconds): long enough to bridge the gap
  /// between the splits of one step, and between the forward passes of back-to-back batch 1
  /// inference (at 2,000 spins one pass in ten woke the worker: p90 34 µs against a median
  /// of 8.8 µs on the folded 784-512-10 MLP; at 6,000, p90 9 µs), short enough not to slow
  /// the caller's serial work (6,000 measured equal to 2,000 on the five training
  /// benchmarks; 20,000 cost the 784-wide MLPs a fifth of their speed).
  private static let spins = 6_000

  /// Worker threads that started (a failed `pthread_create` leaves fewer).
  private var started = 0

  init(threads: Int) {
    sleepers = (0..<max(0, threads - 1)).map { _ in Sleeper() }
    for (i, sleeper) in sleepers.enumerated() {
      // The worker keeps the pool alive: the shared pool lives as long as the process.
      let start = Unmanaged.passRetained(Start(index: i + 1, pool: self, sleeper: sleeper)).toOpaque()
      var thread = pthread_t()
      let created = pthread_create(&thread, nil, { context in
        let start = Unmanaged<Start>.fromOpaque(context!).takeRetainedValue()
        start.pool.work(index: start.index, sleeper: start.sleeper)
        return nil
      }, start)
      guard created == 0 else {
        Unmanaged<Start>.fromOpaque(start).release()
        break
      }
      pthread_detach(thread)
      started += 1
    }
  }

  /// How many chunks run at once: the caller and the workers.
  var width: Int { started + 1 }

  /// Runs `body(chunk)` for chunk in 0..<chunks, at most `width` chunks, spread over the
  /// caller (chunk 0) and the workers; returns when all are done.
  func run(chunks: Int, _ body: (Int) -> Void) {
    guard chunks > 1, chunks <= width, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
      for c in 0..<chunks { body(c) }
      return
    }
    withoutActuallyEscaping(body) { body in
      self.body = body
      self.chunks = chunks
      finished.store(0, ordering: .relaxed)
      generation.add(1, ordering: .sequentiallyConsistent)
      for (i, sleeper) in sleepers.enumerated() where i + 1 < chunks { sleeper.wakeIfSleeping() }
      body(0)
      let helpers = chunks - 1
      while finished.load(ordering: .acquiring) < helpers {}
      self.body = nil
    }
    busy.store(false, ordering: .releasing)
  }

  /// One worker's loop: wait for a new generation (spinning, then sleeping), run its chunk.
  fileprivate func work(index: Int, sleeper: Sleeper) {
    var seen = 0
    while true {
      var spun = 0
      while generation.load(ordering: .acquiring) == seen {
        spun += 1
        if spun >= Self.spins {
          sleeper.sleep { self.generation.load(ordering: .sequentiallyConsistent) != seen }
          spun = 0
        }
      }
      seen = generation.load(ordering: .acquiring)
      if index < chunks {
        runChunk(index)
        finished.add(1, ordering: .releasing)
      }
    }
  }

  /// Runs chunk `index` of the current split. Not inlined, so the worker's reference to
  /// the body is released before the caller can see the chunk finished (the body only
  /// borrows the caller's closure, which must not outlive `run`).
  @inline(never)
  private func runChunk(_ index: Int) {
    body?(index)
  }

  /// A worker's way to sleep without missing a wake-up.
  fileprivate final class Sleeper: @unchecked Sendable {
    private let asleep = Atomic<Bool>(false)
    private let semaphore = DispatchSemaphore(value: 0)

    /// Sleeps unless `ready()` turns true after announcing it (then returns at once).
    func sleep(unless ready: () -> Bool) {
      asleep.store(true, ordering: .sequentiallyConsistent)
      if !ready() { semaphore.wait() }
      asleep.store(false, ordering: .sequentiallyConsistent)
    }

    /// Signals the worker if it announced sleep (an extra signal only costs a loop turn).
    func wakeIfSleeping() {
      if asleep.load(ordering: .sequentiallyConsistent) { semaphore.signal() }
    }
  }

  /// What a worker thread starts with.
  private final class Start {
    let index: Int
    let pool: WorkerPool
    let sleeper: Sleeper
    init(index: Int, pool: WorkerPool, sleeper: Sleeper) { (self.index, self.pool, self.sleeper) = (index, pool, sleeper) }
  }
}
