/// Loads NPY arrays into a `Dataset`.
///
/// In: the features array `x` (`[N, …]`), the targets array `y` (`[N]` or `[N, k]`; none
/// for reconstruction), the task and the expected shape of one sample. Out: features as
/// Float32, targets as `Int32` class indices (range-checked) or Float32 values.

/// NPY to `Dataset`.
enum NPYLoader {
  /// Loads `x` and `y`. `sampleShape`, when given, is the model's per-sample input
  /// shape: x's per-sample element count must equal its element count, and the data
  /// set takes that shape (so a `[N, 64]` array feeds a `[1, 8, 8]` input).
  static func load(x xPath: String, y yPath: String?, task: DataTask, classes: Int?, sampleShape: [Int]?) throws(DataError) -> Dataset {
    let xArray = try NPYArray(path: xPath)
    guard let n = xArray.shape.first else {
      throw .npyShape(xPath, xArray.shape, "a batch of samples (the first dimension counts them)")
    }
    let stored = Array(xArray.shape.dropFirst())
    let perSample = stored.reduce(1, *)
    if let expected = sampleShape, expected.reduce(1, *) != perSample {
      throw .npyShape(xPath, xArray.shape, "the model input \(shapeText(expected)) (N × \(expected.reduce(1, *)) values)")
    }
    let x = xArray.floats()
    if let (row, element) = Dataset.firstNonFinite(x, width: perSample) {
      throw .nonFinite(xPath, "sample \(row), element \(element)", "\(x[row * perSample + element])")
    }
    let shape = sampleShape ?? (stored.isEmpty ? [1] : stored)
    guard task != .reconstruction else { return Dataset(x: x, y: .reconstruction, count: n, sampleShape: shape) }
    guard let yPath else { throw .malformedConfig("the task '\(task.rawValue)' needs a targets array 'y'") }
    let yArray = try NPYArray(path: yPath)
    guard let m = yArray.shape.first else { throw .npyShape(yPath, yArray.shape, "one target row per sample") }
    guard m == n else { throw .npySampleCount(yPath, m, xPath, n) }
    let width = yArray.shape.dropFirst().reduce(1, *)
    switch task {
    case .classification:
      guard width == 1 else { throw .npyShape(yPath, yArray.shape, "one class index per sample ([\(n)] or [\(n), 1])") }
      return Dataset(x: x, y: .classes(try labels(yArray, classes: classes)), count: n, sampleShape: shape)
    default:
      let y = yArray.floats()
      if let (row, element) = Dataset.firstNonFinite(y, width: width) {
        throw .nonFinite(yPath, "sample \(row), target \(element)", "\(y[row * width + element])")
      }
      return Dataset(x: x, y: .values(y, width: width), count: n, sampleShape: shape)
    }
  }

  /// Class indices: integral values in `0..<classes` (or ≥ 0 when the count is unknown).
  private static func labels(_ a: NPYArray, classes: Int?) throws(DataError) -> [Int32] {
    var out = [Int32](repeating: 0, count: a.count)
    let limit = Double(classes ?? Int(Int32.max))
    for i in 0..<a.count {
      let v = a.double(at: i)
      guard v >= 0, v < limit, v == v.rounded(.towardZero) else {
        let text = v == v.rounded(.towardZero) && abs(v) < 1e15 ? "\(Int64(v))" : "\(v)"
        throw .classLabel(a.path, "the label of sample \(i)", text, classes: classes)
      }
      out[i] = Int32(v)
    }
    return out
  }
}
