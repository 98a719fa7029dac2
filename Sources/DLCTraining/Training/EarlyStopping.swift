/// Early stopping: end the run when a monitored metric stops improving.
///
/// In: `train.early_stopping` (`monitor`, `patience`, `min_delta`, `restore_best`) and, after
/// every epoch, the monitored value. Out: a decision per epoch (improved, wait, stop) and a
/// state small enough to travel in a checkpoint as a string, so a resumed run decides
/// exactly as an uninterrupted one. The rule is Keras's `EarlyStopping` callback.
import Foundation

/// Tracks the best value of one monitored metric and when to stop.
///
/// After each epoch: if the value improves on the best by more than `min_delta` in the
/// metric's direction, it becomes the best and the wait resets to 0; otherwise the wait
/// grows by one, and the run stops once it reaches `patience`. With patience 0 the first
/// epoch without improvement stops the run.
public struct EarlyStopping: Sendable, Hashable {
  /// The `early_stopping` entry of the spec.
  public struct Config: Sendable, Hashable, Codable {
    /// `valid_<metric>` or `train_<metric>`.
    public var monitor: String
    /// Epochs without improvement before stopping.
    public var patience: Int
    /// The smallest change that counts as an improvement (≥ 0).
    public var minDelta: Double
    /// Whether the run ends with the weights of the best epoch.
    public var restoreBest: Bool

    public init(monitor: String, patience: Int, minDelta: Double, restoreBest: Bool) {
      self.monitor = monitor
      self.patience = patience
      self.minDelta = minDelta
      self.restoreBest = restoreBest
    }

    enum CodingKeys: String, CodingKey { case monitor, patience, minDelta = "min_delta", restoreBest = "restore_best" }

    /// Reads `{min_delta = 0.0, monitor = "valid_loss", patience = 5, restore_best = true}`.
    public init(from decoder: any Decoder) throws {
      let c = try decoder.container(keyedBy: CodingKeys.self)
      func name(_ key: CodingKeys) -> String { configPath(decoder.codingPath, appending: key) }
      self.init(monitor: try c.decode(String.self, forKey: .monitor), patience: try c.decode(Int.self, forKey: .patience),
                minDelta: try c.decode(Double.self, forKey: .minDelta), restoreBest: try c.decode(Bool.self, forKey: .restoreBest))
      guard metric != nil else { throw TrainConfigError.unknown("monitored metric", monitor, in: name(.monitor)) }
      guard patience >= 0 else { throw TrainConfigError.invalid(name(.patience), "\(patience)", "an integer ≥ 0") }
      guard minDelta >= 0 else { throw TrainConfigError.invalid(name(.minDelta), "\(minDelta)", "a number ≥ 0") }
    }

    /// The metric the monitor names (`valid_accuracy` → `.accuracy`), nil if none.
    public var metric: Metric? {
      for prefix in ["valid_", "train_"] where monitor.hasPrefix(prefix) {
        return Metric(rawValue: String(monitor.dropFirst(prefix.count)))
      }
      return nil
    }

  }

  /// What the epoch just recorded means for the run.
  public enum Decision: Sendable, Hashable {
    /// A new best value: keep these weights if `restoreBest`.
    case improved
    /// No improvement yet, but patience is not used up.
    case wait
    /// Patience is used up: end the run (and restore the best weights if asked).
    case stop
  }

  /// Everything that changes from epoch to epoch; saved with a checkpoint.
  public struct State: Sendable, Hashable, Codable {
    /// The monitor this state belongs to, checked when it is restored.
    public var monitor: String
    /// The best value so far, nil before the first improvement.
    public var bestValue: Double?
    /// The epoch of the best value, as the caller numbers epochs.
    public var bestEpoch: Int?
    /// Epochs since the last improvement.
    public var wait: Int
    /// The epoch that stopped the run, once stopped.
    public var stoppedEpoch: Int?

    public init(monitor: String, bestValue: Double? = nil, bestEpoch: Int? = nil, wait: Int = 0, stoppedEpoch: Int? = nil) {
      self.monitor = monitor
      self.bestValue = bestValue
      self.bestEpoch = bestEpoch
      self.wait = wait
      self.stoppedEpoch = stoppedEpoch
    }
  }

  public let config: Config
  /// Whether larger monitored values are better.
  public let direction: MetricDirection
  public private(set) var state: State

  /// A fresh tracker; the monitor must name a metric (`valid_loss`, `train_accuracy`).
  public init(_ config: Config) throws(TrainConfigError) {
    guard let metric = config.metric else {
      throw TrainConfigError("cannot monitor '\(config.monitor)'", help: "monitor 'valid_<metric>' or 'train_<metric>'")
    }
    self.config = config
    direction = metric.direction
    state = State(monitor: config.monitor)
  }

  /// A tracker that continues from `serialized` state (see `serialized()`).
  public init(_ config: Config, restoring serialized: String) throws(TrainConfigError) {
    try self.init(config)
    let restored: State
    do {
      let decoder = JSONDecoder()
      decoder.nonConformingFloatDecodingStrategy = Self.nonFinite
      restored = try decoder.decode(State.self, from: Data(serialized.utf8))
    } catch {
      throw TrainConfigError("cannot read the early-stopping state '\(serialized)'")
    }
    guard restored.monitor == config.monitor else {
      throw TrainConfigError("the checkpoint's early stopping monitors '\(restored.monitor)', the spec '\(config.monitor)'",
                             help: "resume with the spec the checkpoint was trained with")
    }
    state = restored
  }

  /// Records epoch `epoch`'s monitored value and says whether to go on.
  public mutating func update(epoch: Int, value: Double) -> Decision {
    if state.stoppedEpoch != nil { return .stop }
    // Before any improvement the reference is ±∞, as Keras starts `best`.
    let reference = state.bestValue ?? (direction == .minimize ? .infinity : -.infinity)
    if direction.improves(value, on: reference, minDelta: config.minDelta) {
      state.bestValue = value
      state.bestEpoch = epoch
      state.wait = 0
      return .improved
    }
    state.wait += 1
    if state.wait >= config.patience {
      state.stoppedEpoch = epoch
      return .stop
    }
    return .wait
  }

  /// How a non-finite best value (a loss of −∞) is spelled in the JSON.
  private static let nonFinite = JSONDecoder.NonConformingFloatDecodingStrategy.convertFromString(
    positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")

  /// The state as one line of JSON with sorted keys, for a checkpoint's metadata.
  /// Doubles are written in their shortest round-tripping form, so restoring is exact.
  public func serialized() -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    // State holds only strings, integers and doubles (non-finite ones as strings); encoding cannot fail.
    let data = try! encoder.encode(state)
    return String(decoding: data, as: UTF8.self)
  }
}
