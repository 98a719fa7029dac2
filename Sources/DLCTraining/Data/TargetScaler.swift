/// Standardized regression targets (`normalize_target: standardize`): the loss sees
/// (y − mean) / std per target column, with statistics from the train split only;
/// predictions and the mae/rmse metrics are mapped back to the data's units.
public struct TargetScaler: Sendable, Equatable {
  public var mean: [Float]
  public var std: [Float]

  public init(mean: [Float], std: [Float]) {
    self.mean = mean
    self.std = std
  }

  /// Per-column mean and population standard deviation of `values` (rows of `width`);
  /// a constant column keeps std 1.
  public init(fitting values: [Float], width: Int) {
    let rows = values.count / max(width, 1)
    var sum = [Double](repeating: 0, count: width), squares = [Double](repeating: 0, count: width)
    for r in 0..<rows {
      for j in 0..<width {
        let v = Double(values[r * width + j])
        sum[j] += v
        squares[j] += v * v
      }
    }
    let n = Double(max(rows, 1))
    mean = sum.map { Float($0 / n) }
    std = zip(sum, squares).map { s, q in
      let variance = max(q / n - (s / n) * (s / n), 0)
      return variance > 0 ? Float(variance.squareRoot()) : 1
    }
  }

  /// Standardizes the targets of `data` in place.
  public func apply(to data: inout Dataset) {
    guard case .values(var v, let width) = data.y, width == mean.count else { return }
    for i in v.indices { v[i] = (v[i] - mean[i % width]) / std[i % width] }
    data.y = .values(v, width: width)
  }

  /// `count` standardized values (rows of the target width) in the data's units.
  public func restore(_ values: UnsafePointer<Float>, count: Int, into out: inout [Float]) {
    let width = mean.count
    if out.count < count { out = [Float](repeating: 0, count: count) }
    for i in 0..<count { out[i] = values[i] * std[i % width] + mean[i % width] }
  }

  /// The statistics as checkpoint tensors.
  public func tensors(prefix: String = "preprocess.") -> [String: TensorData] {
    [prefix + "target_mean": TensorData(floats: mean, shape: [mean.count]),
     prefix + "target_std": TensorData(floats: std, shape: [std.count])]
  }

  /// The scaler a checkpoint holds, or nil when it holds none.
  public init?(tensors: [String: TensorData], prefix: String = "preprocess.") {
    guard let m = tensors[prefix + "target_mean"]?.floats(), let s = tensors[prefix + "target_std"]?.floats(),
          m.count == s.count, !m.isEmpty, s.allSatisfy({ $0 > 0 && $0.isFinite }) else { return nil }
    self.init(mean: m, std: s)
  }
}
