import DLCBasics
import Foundation

/// A model's frozen prefix, split off by `precompute-frozen`: the layers from the input
/// that nothing trains and nothing random runs in. A backend with one computes
/// `predict(precompute(x))`; the training loop maps every split through `precompute`
/// once, before the first epoch, and trains the head on the results.
public struct FrozenPrefix: Sendable, Hashable {
  /// The per-sample shape of the prefix's output, the head's input.
  public var outputShape: [Int]
  /// The prefix's IR without source locations: what it computes, for the cache key.
  public var text: String
  /// The parameters the prefix reads, whose values are part of the cache key.
  public var parameters: [String]
  /// Whether the results are also kept in `<runs>/cache/` for the next run (`cache: disk`).
  public var diskCache: Bool

  public init(outputShape: [Int], text: String, parameters: [String], diskCache: Bool) {
    self.outputShape = outputShape
    self.text = text
    self.parameters = parameters
    self.diskCache = diskCache
  }

  /// Floats per sample of the prefix's output.
  public var outputCount: Int { outputShape.reduce(1, *) }
}

extension TrainingBackend {
  public var frozenPrefix: FrozenPrefix? { nil }

  public func precomputeBuffer(batch n: Int) throws -> UnsafeMutablePointer<Float> {
    throw TrainingError("the model has no frozen prefix to precompute")
  }

  public func precompute(batch n: Int) throws -> UnsafePointer<Float> {
    throw TrainingError("the model has no frozen prefix to precompute")
  }

  /// `data` as the head sees it: each sample's features replaced by the frozen prefix's
  /// output, computed in sequential batches of `batchSize`; `data` itself when the model
  /// has no prefix. Reconstruction targets (the features themselves) become explicit values.
  public func precomputed(_ data: Dataset, batchSize: Int) throws -> Dataset {
    guard let prefix = frozenPrefix else { return data }
    return try precomputed(data, features: mapThroughPrefix(data, prefix: prefix, batchSize: batchSize), prefix: prefix)
  }

  /// The prefix's output for every sample of `data`, row-major.
  func mapThroughPrefix(_ data: Dataset, prefix: FrozenPrefix, batchSize: Int) throws -> [Float] {
    let width = prefix.outputCount, f = data.featureCount
    var out = [Float](repeating: 0, count: data.count * width)
    let batches = EpochBatches(sequential: data.count, batchSize: batchSize)
    try out.withUnsafeMutableBufferPointer { dst in
      try data.x.withUnsafeBufferPointer { src in
        for b in 0..<batches.count {
          let (first, rows) = (b * batchSize, batches[b].count)
          let x = try precomputeBuffer(batch: rows)
          x.update(from: src.baseAddress! + first * f, count: rows * f)
          let y = try precompute(batch: rows)
          (dst.baseAddress! + first * width).update(from: y, count: rows * width)
        }
      }
    }
    return out
  }

  /// `data` with `features` (the prefix's output) in place of its own.
  func precomputed(_ data: Dataset, features: [Float], prefix: FrozenPrefix) -> Dataset {
    let targets: Targets
    if case .reconstruction = data.y { targets = .values(data.x, width: data.featureCount) } else { targets = data.y }
    return Dataset(x: features, y: targets, count: data.count, sampleShape: prefix.outputShape)
  }
}

extension Trainer {
  /// The run's splits mapped through the backend's frozen prefix: read from the disk
  /// cache when asked for and valid, computed (and then stored) otherwise.
  func precompute(_ data: inout PreparedData, prefix: FrozenPrefix, backend: TrainingBackend) throws {
    let started = Date()
    let splits = [data.train, data.valid, data.test]
    var features: [[Float]]?
    var note = ""
    var cache: (path: String, key: [UInt8])?
    if prefix.diskCache {
      let key = FeatureCache.key(prefix: prefix, parameters: backend.parameters, splits: splits)
      let path = options.runsDirectory + "/cache/" + SHA256.hex(key) + ".bin"
      cache = (path, key)
      switch FeatureCache.read(path, key: key, shape: prefix.outputShape, counts: splits.map(\.count)) {
      case .found(let cached):
        features = cached
        note = "read from \(path)"
      case .missing:
        note = "cached in \(path)"
      case .invalid(let why):
        note = "\(path) was not usable (\(why)); recomputed and rewrote it"
      }
    }
    let mapped = try features ?? splits.map { try backend.mapThroughPrefix($0, prefix: prefix, batchSize: config.batchSize) }
    if features == nil, let cache {
      // A cache that cannot be written costs the next run time, not this one its result.
      do { try FeatureCache.write(cache.path, key: cache.key, shape: prefix.outputShape, features: mapped) } catch {
        note = "not cached: \(error)"
      }
    }
    data.train = backend.precomputed(data.train, features: mapped[0], prefix: prefix)
    data.valid = backend.precomputed(data.valid, features: mapped[1], prefix: prefix)
    data.test = backend.precomputed(data.test, features: mapped[2], prefix: prefix)
    let samples = splits.reduce(0) { $0 + $1.count }
    let seconds = String(format: "%.2f", Date().timeIntervalSince(started))
    options.write("precomputed the frozen prefix for \(samples) samples (\(prefix.outputCount) floats each) in \(seconds) s"
      + (note.isEmpty ? "" : "; " + note) + "\n")
  }
}
