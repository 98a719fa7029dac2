import DLCKernels
import Foundation

/// `latency`: how long one forward pass takes at given batch sizes, for comparing a model
/// before and after optimization passes, or the interpreter with an emitted model.
public enum Latency {
  /// The timing of one batch size.
  public struct Measurement: Sendable {
    public var batch: Int
    public var runs: Int
    /// Median, 10th and 90th percentile seconds per forward pass.
    public var median: Double
    public var p10: Double
    public var p90: Double
    /// Calls of the model per forward pass: 1, or more when the batch is larger than the
    /// model's largest call (an emitted model, planned for the spec's batch size).
    public var calls: Int = 1

    public var samplesPerSecond: Double { median > 0 ? Double(batch) / median : 0 }

    /// `batch   256  median  512.3 µs  (p10 500.1, p90 530.2)  499,700 samples/s`, with
    /// `in 4 calls` when the batch took several.
    public var text: String {
      String(format: "batch %5d  median %10.1f µs  (p10 %.1f, p90 %.1f)  %12.0f samples/s  [%d runs]",
             batch, median * 1e6, p10 * 1e6, p90 * 1e6, samplesPerSecond, runs) + (calls > 1 ? "  in \(calls) calls" : "")
    }
  }

  /// Times `predict(batch:)` of the backend in `checkpoint` at each batch size for about
  /// `seconds` each, after a warm-up, on deterministic inputs (weights do not change speed).
  /// Any batch size runs: the interpreter plans a program for each (`largestCall` nil); a
  /// model planned for at most `largestCall` samples per call (an emitted model, whose
  /// memory plan is fixed at compile time) runs a larger batch as consecutive calls of at
  /// most that many samples, and the measurement says how many calls a pass took.
  public static func measure(
    run: RunDescription, checkpoint path: String, batches: [Int], seconds: Double, loaded: Checkpoint? = nil,
    largestCall: Int? = nil, makeBackend: (UInt64) throws -> TrainingBackend
  ) throws -> [Measurement] {
    let (backend, _, seed, _) = try Inference.load(run: run, checkpoint: path, loaded: loaded, use: .predict, makeBackend: makeBackend)
    let width = run.inputShape.reduce(1, *)
    return try batches.map { n in
      guard n >= 1 else { throw TrainingError("batch \(n) is not a batch size: it needs at least 1 sample") }
      let call = min(n, largestCall ?? n)
      let (full, rest) = n.quotientAndRemainder(dividingBy: call)
      let calls = full + (rest > 0 ? 1 : 0)
      for size in Set([call, rest]) where size > 0 {
        let x = try backend.predictBuffer(batch: size)
        let (count, overflow) = size.multipliedReportingOverflow(by: width)
        guard !overflow else { throw TrainingError("batch \(n) is too large: \(size) × \(width) features overflow") }
        InitKernel.normal(x, count: count, mean: 0, std: 1, stream: RandomStream(seed: seed, purpose: .shuffle, id: UInt64(size)))
      }
      var measured = try time(runs: {
        for _ in 0..<full { _ = try backend.predict(batch: call) }
        if rest > 0 { _ = try backend.predict(batch: rest) }
      }, batch: n, seconds: seconds)
      measured.calls = calls
      return measured
    }
  }

  /// Batch sizes from `1,256`.
  public static func batchList(_ text: String) throws -> [Int] {
    let sizes = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard !sizes.isEmpty, sizes.allSatisfy({ ($0 ?? 0) >= 1 }) else {
      throw TrainingError("--batch needs whole numbers ≥ 1 separated by commas, not '\(text)'")
    }
    return sizes.map { $0! }
  }

  /// Seconds per batch size from text, in (0, 600].
  public static func seconds(_ text: String) throws -> Double {
    guard let s = Double(text), s > 0, s <= 600 else { throw TrainingError("--seconds needs a number in (0, 600], not '\(text)'") }
    return s
  }

  /// Runs `body` repeatedly for about `seconds` (at least 5 times, after 3 warm-up runs).
  static func time(runs body: () throws -> Void, batch: Int, seconds: Double) throws -> Measurement {
    for _ in 0..<3 { try body() }
    var samples: [Double] = []
    let start = now()
    while samples.count < 5 || (now() - start < seconds && samples.count < 1_000_000) {
      let t0 = now()
      try body()
      samples.append(now() - t0)
    }
    samples.sort()
    func at(_ q: Double) -> Double { samples[min(samples.count - 1, Int(q * Double(samples.count - 1)))] }
    return Measurement(batch: batch, runs: samples.count, median: at(0.5), p10: at(0.1), p90: at(0.9))
  }

  static func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
  }
}
