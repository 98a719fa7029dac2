/// Error sums per output column (per target of a multi-target regression), which `mae`,
/// `rmse` and `r2` keep beside their pooled sums: targets in different units must not
/// only be pooled.

/// Running sums of one metric for each output column over the batches of an epoch.
public struct TargetColumns: Sendable, Hashable {
  /// Σ |e| (mae) or Σ e² (rmse, r2) per column.
  public private(set) var errors: [Double] = []
  /// Targets seen per column, and their running mean and Σ (y − mean)² (Chan, Golub &
  /// LeVeque 1983: batch statistics merged), for r2's total sum of squares.
  public private(set) var count: Double = 0
  private var mean: [Double] = []
  private var squares: [Double] = []

  public init() {}

  /// Adds `rows` rows of `width` outputs and their targets; `absolute` sums |e|, else e².
  mutating func record(output: UnsafePointer<Float>, target: UnsafePointer<Float>, rows: Int, width: Int, absolute: Bool) {
    guard rows > 0, width > 0 else { return }
    if errors.count != width {
      errors = [Double](repeating: 0, count: width)
      mean = errors
      squares = errors
      count = 0
    }
    let n = Double(rows)
    for j in 0..<width {
      var error = 0.0, sum = 0.0
      for r in 0..<rows {
        let y = Double(target[r * width + j]), e = Double(output[r * width + j]) - y
        error += absolute ? abs(e) : e * e
        sum += y
      }
      let batchMean = sum / n
      var batchSquares = 0.0
      for r in 0..<rows {
        let d = Double(target[r * width + j]) - batchMean
        batchSquares += d * d
      }
      let delta = batchMean - mean[j], total = count + n
      mean[j] += delta * n / total
      squares[j] += batchSquares + delta * delta * count * n / total
      errors[j] += error
    }
    count += n
  }

  /// Per column: the mean absolute error, the root mean squared error, or R² (1 − SSE/SST
  /// about the column's mean over the recorded rows; scikit-learn's `r2_score`, whose
  /// constant column scores 1 when predicted exactly and 0 otherwise).
  func values(_ metric: Metric) -> [Double] {
    guard count > 0 else { return [] }
    switch metric {
    case .mae: return errors.map { $0 / count }
    case .rmse: return errors.map { ($0 / count).squareRoot() }
    case .r2: return zip(errors, squares).map { sse, sst in sst > 0 ? 1 - sse / sst : (sse == 0 ? 1 : 0) }
    default: return []
    }
  }

  /// Forgets every batch.
  mutating func reset() { self = TargetColumns() }
}

extension DataConfig {
  /// The names per-target metrics are reported under (`mae[price]`): the CSV target
  /// columns, or the column indices of an NPY target, of a regression with more than one
  /// target; none otherwise (one target, or a reconstruction's many pixels).
  public func targetNames(width: Int) -> [String] {
    guard task == .regression, width > 1 else { return [] }
    if case .csv(_, let columns, _) = source, columns.count == width { return columns }
    return (0..<width).map(String.init)
  }
}
