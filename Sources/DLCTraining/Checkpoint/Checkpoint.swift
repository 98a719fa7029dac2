/// A checkpoint: named tensors and string metadata in one safetensors file.
///
/// dlc stores the parameters under their IR names (`dense_1.weight`), optimizer state
/// under the names `autodiff` gives it (`dense_1.weight.exp_avg`), preprocessing
/// statistics under `preprocess.` (`preprocess.mean`), and the run's facts in the
/// metadata under the keys of `Checkpoint.Key`. numpy and PyTorch read the file as is.

/// Named tensors plus metadata, saved and loaded as safetensors.
public struct Checkpoint: Sendable, Equatable {
  public var tensors: [String: TensorData]
  public var metadata: [String: String]

  public init(tensors: [String: TensorData] = [:], metadata: [String: String] = [:]) {
    self.tensors = tensors
    self.metadata = metadata
  }

  /// The metadata keys dlc writes (values are strings; numbers in decimal).
  public enum Key {
    /// The spec's YAML text.
    public static let spec = "dlc.spec"
    /// The module's IR text.
    public static let ir = "dlc.ir"
    /// The deployment passes an optimized checkpoint went through, comma-separated
    /// (`fold-batchnorm,quantize`); its IR is then the optimized one.
    public static let passes = "dlc.passes"
    /// Completed epochs.
    public static let epoch = "dlc.epoch"
    /// Completed optimizer steps.
    public static let step = "dlc.step"
    /// The module seed.
    public static let seed = "dlc.seed"
    /// Where the random streams stand (the counters they are addressed by).
    public static let rngPosition = "dlc.rng_position"
    /// Early stopping's best value, its epoch and the epochs waited, as JSON.
    public static let earlyStopping = "dlc.early_stopping"
    /// Which epoch `best.safetensors` holds: the monitored metric, its best value and
    /// epoch, as JSON (the early-stopping state's form).
    public static let best = "dlc.best"
    /// The dlc version that wrote the file.
    public static let version = "dlc.version"
  }

  /// The safetensors bytes of this checkpoint (deterministic: sorted names and keys).
  public func encoded() -> [UInt8] { Safetensors.encode(tensors: tensors, metadata: metadata) }

  /// A checkpoint from safetensors bytes; `path` names the file in errors.
  public init(decoding bytes: [UInt8], path: String = "") throws(DataError) {
    (tensors, metadata) = try Safetensors.decode(bytes, path: path)
    try SparseTensors.expand(&tensors, metadata: &metadata, path: path)
  }

  /// Reads the checkpoint at `path`.
  public init(contentsOf path: String) throws(DataError) {
    try self.init(decoding: try DataFile.read(path), path: path)
  }

  /// Writes the checkpoint to `path` atomically, creating its folder if needed.
  public func write(to path: String) throws(DataError) {
    do {
      try AtomicFile.createDirectories(AtomicFile.directory(of: path))
      try AtomicFile.replace(path, with: encoded())
    } catch {
      throw .checkpointWrite(path, error.reason)
    }
  }
}
