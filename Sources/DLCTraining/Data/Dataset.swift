/// Samples in memory: features as one row-major Float32 array, targets beside them.

/// The targets of a data set.
public enum Targets: Sendable, Equatable {
  /// One class index per sample.
  case classes([Int32])
  /// `width` floats per sample, row-major (regression, one or more targets).
  case values([Float], width: Int)
  /// The target of each sample is its own (normalized) features.
  case reconstruction
}

/// A data set: `count` samples of `sampleShape`, with their targets.
public struct Dataset: Sendable, Equatable {
  /// Row-major `count × featureCount` features.
  public var x: [Float]
  public var y: Targets
  /// The number of samples.
  public var count: Int
  /// The shape of one sample (`[64]` for a CSV row, `[1, 8, 8]` for an image).
  public var sampleShape: [Int]

  public init(x: [Float], y: Targets, count: Int, sampleShape: [Int]) {
    precondition(x.count == count * sampleShape.reduce(1, *), "x holds \(x.count) values, not \(count) × \(sampleShape)")
    self.x = x
    self.y = y
    self.count = count
    self.sampleShape = sampleShape
  }

  /// Floats per sample.
  public var featureCount: Int { sampleShape.reduce(1, *) }

  /// Target elements per sample: 1 for a class index, the width for values, the
  /// feature count for reconstruction.
  public var targetWidth: Int {
    switch y {
    case .classes: return 1
    case .values(_, let width): return width
    case .reconstruction: return featureCount
    }
  }

  /// The class indices, for classification.
  public var classIndices: [Int32]? { if case .classes(let c) = y { return c } else { return nil } }

  /// The samples at `indices`, in that order.
  public func subset(_ indices: [Int]) -> Dataset {
    let f = featureCount
    var out = [Float](repeating: 0, count: indices.count * f)
    out.withUnsafeMutableBufferPointer { dst in
      x.withUnsafeBufferPointer { src in
        for (row, i) in indices.enumerated() {
          (dst.baseAddress! + row * f).update(from: src.baseAddress! + i * f, count: f)
        }
      }
    }
    let targets: Targets
    switch y {
    case .classes(let c): targets = .classes(indices.map { c[$0] })
    case .values(let v, let w): targets = .values(indices.flatMap { v[$0 * w..<($0 + 1) * w] }, width: w)
    case .reconstruction: targets = .reconstruction
    }
    return Dataset(x: out, y: targets, count: indices.count, sampleShape: sampleShape)
  }

  /// Copies the features of samples `indices` into `xOut` (`indices.count × featureCount`
  /// floats), for inference; the targets are `gather(_:x:target:as:)`'s.
  public func gatherFeatures(_ indices: some Collection<Int>, x xOut: UnsafeMutablePointer<Float>) {
    let f = featureCount
    x.withUnsafeBufferPointer { src in
      var row = 0
      for i in indices {
        (xOut + row * f).update(from: src.baseAddress! + i * f, count: f)
        row += 1
      }
    }
  }

  /// The first value of `values` (rows of `width`) that is NaN or infinite, as
  /// (row, element), or nil.
  static func firstNonFinite(_ values: [Float], width: Int) -> (row: Int, element: Int)? {
    let w = max(width, 1)
    return values.withUnsafeBufferPointer { v in
      for i in 0..<v.count where !v[i].isFinite { return (i / w, i % w) }
      return nil
    }
  }
}
