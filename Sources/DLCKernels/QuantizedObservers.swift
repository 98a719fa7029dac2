/// Calibration observers: they watch the activations of a few batches and propose the
/// [min, max] that `AffineQuantization(min:max:)` turns into a scale and zero point.
/// Both ignore NaN and ±∞ (an infinite bound would make every finite value quantize to
/// the zero point); an observer that has seen no finite value reports (0, 0).

import CInt8GEMM

/// The exact range of every finite value observed (PyTorch `MinMaxObserver`).
public struct MinMaxObserver: Sendable, Equatable {
  /// The least and greatest finite values seen; +∞/−∞ while none has been.
  var low = Float.infinity, high = -Float.infinity

  /// An observer that has seen nothing.
  public init() {}

  /// Widens the range to cover x's finite values (vectorized in C, split over threads when
  /// large; min and max do not depend on the order, up to the sign of a zero bound).
  public mutating func observe(_ x: UnsafePointer<Float>, count: Int) {
    let minimumPerThread = 1 << 16
    let chunks = Parallel.chunkCount(count: count, minimumPerThread: minimumPerThread)
    guard chunks > 1 else {
      dlc_f32_finite_range(x, count, &low, &high)
      return
    }
    withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * chunks) { bounds in
      Parallel.forEachChunk(count: count, minimumPerThread: minimumPerThread) { chunk, range in
        var (lo, hi) = (Float.infinity, -Float.infinity)
        dlc_f32_finite_range(x + range.lowerBound, range.count, &lo, &hi)
        (bounds[2 * chunk], bounds[2 * chunk + 1]) = (lo, hi)
      }
      for chunk in 0..<chunks {
        low = min(low, bounds[2 * chunk])
        high = max(high, bounds[2 * chunk + 1])
      }
    }
  }

  /// Whether any finite value has been seen.
  public var isEmpty: Bool { low > high }

  /// [min, max] of the values seen, (0, 0) before any.
  public var range: (min: Float, max: Float) { isEmpty ? (0, 0) : (low, high) }
}

/// A range that clips outliers: the (100 − p)-th and p-th percentiles of the values seen
/// (percentile calibration, Wu et al. 2020, "Integer Quantization for Deep Learning
/// Inference: Principles and Empirical Evaluation", §4.1), read off a histogram.
///
/// The histogram has a fixed 2048 bins of equal width over [lo, lo + 2048·width),
/// like PyTorch's `HistogramObserver` but simplified: the first batch sets lo and
/// width from its own min and max; a later value outside the range doubles the width
/// (merging bin pairs exactly), extending the range downward (the old range becomes the
/// upper half) or upward (the lower half), until it fits. Counts are integers and the
/// doublings depend only on the data in order, so the result is deterministic and the
/// memory is bounded; the price is a bin width up to 2× wider than the final range needs.
/// Within a bin, values are taken as uniform (linear interpolation), and the result is
/// clamped to the exact min and max seen.
public struct PercentileObserver: Sendable, Equatable {
  /// Bins in the histogram.
  public static let binCount = 2048

  /// The upper percentile in (0, 100], e.g. 99.99; the lower one is 100 − percentile.
  public let percentile: Double
  var counts = [UInt64](repeating: 0, count: binCount)
  var lo = 0.0, width = 0.0
  var extremes = MinMaxObserver()

  /// An observer for the `percentile`-th percentile (and the (100 − percentile)-th).
  public init(percentile: Double) {
    precondition(percentile > 0 && percentile <= 100, "percentile must be in (0, 100]")
    self.percentile = percentile
  }

  /// The width of one bin of the histogram now (0 before any value).
  public var binWidth: Double { width }

  /// Adds x's finite values to the histogram, widening it first if they fall outside.
  public mutating func observe(_ x: UnsafePointer<Float>, count: Int) {
    var batch = MinMaxObserver()
    batch.observe(x, count: count)
    guard !batch.isEmpty else { return }
    let (batchLow, batchHigh) = (Double(batch.low), Double(batch.high))
    if extremes.isEmpty {
      lo = batchLow
      width = (batchHigh - batchLow) / Double(Self.binCount)
      // One value repeated: any positive width will do; later values widen it.
      if width == 0 { width = max(abs(batchLow), 1) * 0x1p-20 }
    }
    while batchLow < lo { doubleWidth(downward: true) }
    while batchHigh > lo + width * Double(Self.binCount) { doubleWidth(downward: false) }
    let last = Self.binCount - 1
    counts.withUnsafeMutableBufferPointer { counts in
      for i in 0..<count where x[i].isFinite {
        let bin = Int(((Double(x[i]) - lo) / width).rounded(.down))
        counts[min(max(bin, 0), last)] += 1
      }
    }
    extremes.observe(x, count: count)
  }

  /// Doubles the bin width, merging bin pairs; the old range becomes the upper half of
  /// the new one when extending downward, the lower half otherwise.
  mutating func doubleWidth(downward: Bool) {
    let half = Self.binCount / 2
    var merged = [UInt64](repeating: 0, count: Self.binCount)
    let base = downward ? half : 0
    for i in 0..<half { merged[base + i] = counts[2 * i] + counts[2 * i + 1] }
    if downward { lo -= Double(Self.binCount) * width }
    width *= 2
    counts = merged
  }

  /// The value below which a fraction q of the observed values lie, interpolated within
  /// its bin and clamped to the exact extremes.
  func quantile(_ q: Double) -> Float {
    let total = counts.reduce(0, +)
    let target = q * Double(total)
    var below = 0.0
    var value = lo + width * Double(Self.binCount)
    for (bin, count) in counts.enumerated() where count > 0 {
      let c = Double(count)
      if below + c >= target {
        value = lo + (Double(bin) + (target - below) / c) * width
        break
      }
      below += c
    }
    return min(max(Float(value), extremes.low), extremes.high)
  }

  /// [the (100 − p)-th percentile, the p-th percentile] of the values seen, (0, 0) before any.
  public var range: (min: Float, max: Float) {
    guard !extremes.isEmpty else { return (0, 0) }
    return (quantile(1 - percentile / 100), quantile(percentile / 100))
  }
}
