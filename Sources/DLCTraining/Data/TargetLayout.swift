/// The type of the target buffer a model's loss reads, and how a data set's targets are
/// written into it.
///
/// In: the element type and per-sample element count the IR declares for the target
/// argument of `@loss` and `@train_step` (`tensor<Nxi32>` for `cross_entropy`,
/// `tensor<Nx1xf32>` for binary `bce_with_logits`, the output's type for the other losses).
/// Out: batches of targets in exactly that type, or an error when the data's targets
/// cannot be written as it asks. Nothing writes a target buffer without this check, so
/// an op that reads `f32` is never fed `i32` bits.

/// The element type and per-sample width of a target buffer.
public struct TargetLayout: Sendable, Hashable, CustomStringConvertible {
  /// `.I32` (class indices) or `.F32` (values; 0 or 1 for binary classification).
  public var element: DType
  /// Elements per sample.
  public var width: Int

  public init(element: DType, width: Int) {
    self.element = element
    self.width = width
  }

  /// One class index per sample (`cross_entropy`).
  public static let classIndices = TargetLayout(element: .I32, width: 1)

  /// `width` floats per sample.
  public static func values(_ width: Int) -> TargetLayout { TargetLayout(element: .F32, width: width) }

  /// The IR's spelling: `tensor<Nxi32>`, `tensor<Nx3xf32>`.
  public var description: String {
    let element = self.element == .I32 ? "i32" : self.element == .F32 ? "f32" : self.element.rawValue.lowercased()
    return element == "i32" && width == 1 ? "tensor<Nxi32>" : "tensor<Nx\(width)x\(element)>"
  }

  /// How metrics read a buffer of this layout: class indices, or values.
  public func metricTarget(_ buffer: UnsafeMutableRawPointer) -> MetricTarget {
    element == .I32
      ? .classes(UnsafePointer(buffer.assumingMemoryBound(to: Int32.self)))
      : .values(UnsafePointer(buffer.assumingMemoryBound(to: Float.self)))
  }
}

extension Dataset {
  /// Throws unless this data set's targets can be written into buffers of `layout`:
  /// class indices as `i32` (one per sample) or, as the `f32` values 0 and 1, one per
  /// sample (binary classification on one output); value targets and reconstruction as
  /// `f32` of their width. Labels other than 0 and 1 are found by `gather`.
  public func checkTargets(fit layout: TargetLayout) throws(TrainingError) {
    switch (y, layout.element) {
    case (.classes, .I32) where layout.width == 1, (.classes, .F32) where layout.width == 1: return
    case (.values(_, let width), .F32) where layout.width == width: return
    case (.reconstruction, .F32) where layout.width == featureCount: return
    default:
      throw TrainingError("the data's targets (\(targetDescription)) do not fit the loss's target buffer \(layout)")
    }
  }

  /// Copies samples `indices` into contiguous caller-owned buffers: features into `x`
  /// (`indices.count × featureCount` floats) and targets into `target` as `layout` says
  /// (`checkTargets(fit:)`). Allocates nothing.
  public func gather(
    _ indices: some Collection<Int>, x xOut: UnsafeMutablePointer<Float>, target: UnsafeMutableRawPointer, as layout: TargetLayout
  ) throws(TrainingError) {
    try checkTargets(fit: layout)
    gatherFeatures(indices, x: xOut)
    switch y {
    case .classes(let c) where layout.element == .I32:
      let out = target.assumingMemoryBound(to: Int32.self)
      var row = 0
      for i in indices {
        out[row] = c[i]
        row += 1
      }
    case .classes(let c):
      let out = target.assumingMemoryBound(to: Float.self)
      var row = 0
      for i in indices {
        guard c[i] == 0 || c[i] == 1 else {
          throw TrainingError("sample \(i + 1) has class \(c[i]); a loss on one output (\(layout)) needs the labels 0 and 1")
        }
        out[row] = Float(c[i])
        row += 1
      }
    case .values(let v, let w):
      let out = target.assumingMemoryBound(to: Float.self)
      v.withUnsafeBufferPointer { src in
        var row = 0
        for i in indices {
          (out + row * w).update(from: src.baseAddress! + i * w, count: w)
          row += 1
        }
      }
    case .reconstruction:
      target.assumingMemoryBound(to: Float.self).update(from: xOut, count: indices.count * featureCount)
    }
  }

  /// The data's targets as a type, for messages: `class indices`, `3 values per sample`.
  var targetDescription: String {
    switch y {
    case .classes: return "class indices"
    case .values(_, let width): return "\(width) value\(width == 1 ? "" : "s") per sample"
    case .reconstruction: return "the \(featureCount) features of each sample"
    }
  }
}
