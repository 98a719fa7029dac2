/// Feature scaling with statistics from the train split, kept as named arrays so a
/// checkpoint saves them and prediction applies exactly the same transform.
///
/// `standardize`: x' = (x − mean) / std, population std (divide by N), std 0 → 1.
/// `minmax`: x' = (x − min) / (max − min), range 0 → 1; train values land in [0, 1].
/// Statistics are per element of a sample (per pixel for images), computed in Double.

/// A fitted normalization: x' = (x − shift) / scale, per feature.
public struct Normalizer: Sendable, Equatable {
  public var kind: Normalization
  /// The mean (standardize) or the minimum (minmax), per feature; empty for `none`.
  public var shift: [Float]
  /// The std (standardize) or the range (minmax), per feature, never 0; empty for `none`.
  public var scale: [Float]

  public init(kind: Normalization, shift: [Float], scale: [Float]) {
    self.kind = kind
    self.shift = shift
    self.scale = scale
  }

  /// Fits `kind` to `train`'s features.
  public init(kind: Normalization, fitting train: Dataset) {
    self.kind = kind
    let f = train.featureCount
    let n = train.count
    guard kind != .none, n > 0 else {
      (shift, scale) = ([], [])
      return
    }
    var a = [Double](repeating: 0, count: f)
    var b = [Double](repeating: 0, count: f)
    switch kind {
    case .standardize:
      for r in 0..<n { for j in 0..<f { a[j] += Double(train.x[r * f + j]) } }
      for j in 0..<f { a[j] /= Double(n) }
      for r in 0..<n {
        for j in 0..<f {
          let d = Double(train.x[r * f + j]) - a[j]
          b[j] += d * d
        }
      }
      for j in 0..<f { b[j] = (b[j] / Double(n)).squareRoot() }
    case .minmax:
      var hi = [Double](repeating: -.infinity, count: f)
      a = [Double](repeating: .infinity, count: f)
      for r in 0..<n {
        for j in 0..<f {
          let v = Double(train.x[r * f + j])
          a[j] = min(a[j], v)
          hi[j] = max(hi[j], v)
        }
      }
      for j in 0..<f { b[j] = hi[j] - a[j] }
    case .none: break
    }
    shift = a.map { Float($0) }
    scale = b.map { Float($0) == 0 ? 1 : Float($0) }
  }

  /// Normalizes `rows` samples of `shift.count` features in place.
  public func apply(_ x: UnsafeMutablePointer<Float>, rows: Int) {
    let f = shift.count
    guard f > 0 else { return }
    shift.withUnsafeBufferPointer { s in
      scale.withUnsafeBufferPointer { d in
        for r in 0..<rows {
          let row = x + r * f
          for j in 0..<f { row[j] = (row[j] - s[j]) / d[j] }
        }
      }
    }
  }

  /// Normalizes every sample of `data`.
  public func apply(to data: inout Dataset) {
    guard kind != .none else { return }
    precondition(data.featureCount == shift.count, "the normalizer has \(shift.count) features, the data \(data.featureCount)")
    let rows = data.count
    data.x.withUnsafeMutableBufferPointer { apply($0.baseAddress!, rows: rows) }
  }

  // MARK: Saving and restoring

  /// The statistics' names: `mean`/`std` or `min`/`range`.
  private static func names(_ kind: Normalization) -> (String, String)? {
    switch kind {
    case .standardize: return ("mean", "std")
    case .minmax: return ("min", "range")
    case .none: return nil
    }
  }

  /// The statistics as tensors named `<prefix>mean`, `<prefix>std` (or `min`, `range`).
  public func tensors(prefix: String = "preprocess.") -> [String: TensorData] {
    guard let (a, b) = Self.names(kind) else { return [:] }
    return [prefix + a: TensorData(floats: shift, shape: [shift.count]), prefix + b: TensorData(floats: scale, shape: [scale.count])]
  }

  /// The normalizer saved by `tensors(prefix:)`; `none` if there are no statistics.
  /// `path` names the checkpoint in errors.
  public init(tensors: [String: TensorData], prefix: String = "preprocess.", path: String = "") throws(DataError) {
    for kind in [Normalization.standardize, .minmax] {
      guard let (a, b) = Self.names(kind), let s = tensors[prefix + a], let d = tensors[prefix + b] else { continue }
      guard let shift = s.floats(), let scale = d.floats(), shift.count == scale.count, scale.allSatisfy({ $0 != 0 }) else {
        throw .checkpointTensor(path, prefix + b, "normalization statistics must be two float arrays of one length, with no zero scale")
      }
      self.init(kind: kind, shift: shift, scale: scale)
      return
    }
    self.init(kind: .none, shift: [], scale: [])
  }
}
