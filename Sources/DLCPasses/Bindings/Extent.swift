import DLCIR

/// A size as a kernel binding states it: a literal, or a literal multiple of the batch `n`.
///
/// The interpreter resolves it at its program's batch (`value(batch:)`); the emitter prints
/// it (`256`, `n`, `n * 256`), so an emitted method serves every batch size.
public struct Extent: Hashable, Sendable {
  /// The literal, or the multiple of the batch.
  public var factor: Int
  /// Whether the size scales with the batch.
  public var batched: Bool

  public init(factor: Int, batched: Bool) {
    self.factor = factor
    self.batched = batched
  }

  /// A size that does not depend on the batch.
  public static func fixed(_ k: Int) -> Extent { Extent(factor: k, batched: false) }

  /// The batch itself.
  public static let batch = Extent(factor: 1, batched: true)

  /// The size at batch `batch`.
  public func value(batch: Int) -> Int { batched ? factor * batch : factor }

  /// The dims of `type`, the batch dimension as `.batch`.
  public static func dims(of type: TensorType) -> [Extent] {
    type.dims.map { if case .fixed(let k) = $0 { return .fixed(k) } else { return .batch } }
  }

  /// The product of `dims` (an element count).
  public static func product<C: Collection>(_ dims: C) -> Extent where C.Element == Extent {
    var out = Extent.fixed(1)
    for d in dims { out = Extent(factor: out.factor * d.factor, batched: out.batched || d.batched) }
    return out
  }

  /// This size divided by a literal (rows = count / features); 0 for a divisor of 0.
  public static func / (a: Extent, k: Int) -> Extent { Extent(factor: k == 0 ? 0 : a.factor / k, batched: a.batched) }

  /// The per-sample axis `axis` (negative counts from the end) of a value of full rank
  /// split into (outer, size, inner) element counts.
  public static func split(_ shape: [Extent], perSampleAxis axis: Int) -> (outer: Extent, size: Extent, inner: Extent) {
    let a = axis < 0 ? shape.count + axis : axis + 1
    return (product(shape[..<a]), shape[a], product(shape[(a + 1)...]))
  }
}
