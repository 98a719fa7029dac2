/// The run log: one JSON object per epoch in `runs/<name>/log.jsonl`, each line written
/// with one system call as soon as the epoch ends, so a crashed or running job can be read.
///
/// Keys come in a fixed order: `epoch`, `lr`, `train_loss`, `valid_loss` (when there is
/// a validation split), the metrics in the order given, `seconds`, `samples_per_s`.
/// Numbers print in Swift's shortest round-trip form: a Float32 value prints the
/// shortest decimal that reads back (as float32) to the same bits, a Double likewise;
/// NaN and infinities, which JSON cannot hold, print as `null`.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What one epoch did.
public struct EpochRecord: Sendable, Equatable {
  /// The epoch, counted from 1.
  public var epoch: Int
  /// The learning rate at the epoch's last step.
  public var lr: Float
  public var trainLoss: Float
  public var validLoss: Float?
  /// Further metrics (`train_accuracy`, `valid_f1`, …), in the order to print.
  public var metrics: [Metric]
  /// Wall-clock seconds of the epoch.
  public var seconds: Double
  /// Training samples per second.
  public var samplesPerSecond: Double

  /// One named metric value.
  public struct Metric: Sendable, Equatable {
    public var name: String
    public var value: Float
    public init(_ name: String, _ value: Float) {
      self.name = name
      self.value = value
    }
  }

  public init(
    epoch: Int, lr: Float, trainLoss: Float, validLoss: Float?, metrics: [Metric] = [],
    seconds: Double, samplesPerSecond: Double
  ) {
    self.epoch = epoch
    self.lr = lr
    self.trainLoss = trainLoss
    self.validLoss = validLoss
    self.metrics = metrics
    self.seconds = seconds
    self.samplesPerSecond = samplesPerSecond
  }

  /// The record as one line of JSON, without the newline.
  public var jsonLine: String {
    var fields = ["\"epoch\":\(epoch)", "\"lr\":" + RunLog.number(lr), "\"train_loss\":" + RunLog.number(trainLoss)]
    if let validLoss { fields.append("\"valid_loss\":" + RunLog.number(validLoss)) }
    for m in metrics { fields.append(jsonQuote(m.name) + ":" + RunLog.number(m.value)) }
    fields.append("\"seconds\":" + RunLog.number(seconds))
    fields.append("\"samples_per_s\":" + RunLog.number(samplesPerSecond))
    return "{" + fields.joined(separator: ",") + "}"
  }
}

/// An open `log.jsonl`, appended to one record at a time.
public final class RunLog {
  /// The file written.
  public let path: String
  private var fd: Int32

  /// Opens `<directory>/log.jsonl`, creating the folder; an existing log is emptied, or
  /// kept and extended when `append` (a resumed run).
  public init(directory: String, append: Bool = false) throws(DataError) {
    path = directory + "/log.jsonl"
    do { try AtomicFile.createDirectories(directory) } catch { throw .runLogWrite(path, error.reason) }
    fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0o644)
    guard fd >= 0 else { throw .runLogWrite(path, AtomicFile.errnoText()) }
  }

  deinit { closeDescriptor(fd) }

  /// The folder of run `name`: `<root>/<name>`.
  public static func directory(name: String, root: String = "runs") -> String { root + "/" + name }

  /// Writes `record` as one line.
  public func append(_ record: EpochRecord) throws(DataError) {
    do { try AtomicFile.writeAll(fd, Array((record.jsonLine + "\n").utf8)) } catch { throw .runLogWrite(path, error.reason) }
  }

  /// Closes the file; later appends fail.
  public func finish() {
    closeDescriptor(fd)
    fd = -1
  }

  /// A JSON number in shortest round-trip form, `null` when not finite.
  static func number<T: BinaryFloatingPoint & LosslessStringConvertible>(_ v: T) -> String {
    v.isFinite ? v.description : "null"
  }
}

/// Closes `fd` unless it is already closed (-1).
private func closeDescriptor(_ fd: Int32) {
  if fd >= 0 { _ = close(fd) }
}
