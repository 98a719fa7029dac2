/// The batches of one epoch: a seeded order over the train samples, cut into
/// `batchSize` pieces, the last one possibly shorter (it is kept).
import DLCKernels

/// Batches of sample indices for one pass over a split.
public struct EpochBatches: Sendable, Equatable {
  /// The samples in visiting order (indices into the split's data set).
  public let order: [Int]
  /// The size of every batch but possibly the last.
  public let batchSize: Int

  /// The training order of `epoch` (0-based):
  /// `RandomStream(seed:, purpose: .shuffle, id: epoch).permutation(count)`.
  public init(count: Int, batchSize: Int, seed: UInt64, epoch: Int) {
    precondition(batchSize > 0, "batch size must be positive")
    order = RandomStream(seed: seed, purpose: .shuffle, id: UInt64(epoch)).permutation(count)
    self.batchSize = batchSize
  }

  /// Samples in their stored order (evaluation, prediction).
  public init(sequential count: Int, batchSize: Int) {
    precondition(batchSize > 0, "batch size must be positive")
    order = Array(0..<count)
    self.batchSize = batchSize
  }

  /// The number of batches (the last may be partial).
  public var count: Int { (order.count + batchSize - 1) / batchSize }

  /// The sample indices of batch `b`.
  public subscript(b: Int) -> ArraySlice<Int> {
    order[b * batchSize..<min(order.count, (b + 1) * batchSize)]
  }
}
