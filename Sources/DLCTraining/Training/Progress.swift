/// Training progress for a person watching: a live line on a terminal, plain lines otherwise.
///
/// In: the start of each epoch, each finished batch (samples and loss), and the epoch's
/// metrics and learning rate at its end. Out: text through an injected sink, timed by an
/// injected clock, so tests see exactly what a terminal or a log file would.
///
/// On a terminal, one line is rewritten in place with `\r` (at most 10 times a second):
///
///     epoch 3/30 [=====>    ] 14/23 batches · loss 0.3421 · 51,234 samples/s · ETA 0:02
///
/// and each epoch ends with its summary line, which is also the only output elsewhere:
///
///     epoch 3/30  train_loss 0.3421  train_accuracy 0.9012  valid_loss 0.3610  lr 0.00093  1.2 s  51234 samples/s
import Foundation

/// Reports the progress of a run, one epoch at a time.
public struct ProgressReporter {
  /// Seconds since some fixed instant; only differences are used.
  public typealias Clock = () -> Double
  /// Receives text exactly as it should appear (with `\r` and `\n`).
  public typealias Sink = (String) -> Void

  /// The shortest time between two redraws of the live line (10 per second).
  public static let redrawInterval = 0.1
  /// Characters inside the bar's brackets.
  public static let barWidth = 10

  public let epochs: Int
  /// Whether to draw the live line (a terminal) or only the epoch lines.
  public let interactive: Bool
  private let clock: Clock
  private let write: Sink

  private var epoch = 0
  private var batches = 0
  private var done = 0
  private var samples = 0
  private var lossSum = 0.0
  private var epochStart = 0.0
  private var lastBatchTime = 0.0
  private var lastDraw: Double?
  /// Whether the live line is on screen and must be replaced by the next full line.
  private var lineOpen = false

  /// A reporter for a run of `epochs` epochs; `interactive` usually comes from `isTerminal`.
  public init(epochs: Int, interactive: Bool, clock: @escaping Clock = ProgressReporter.monotonicClock(),
              write: @escaping Sink = ProgressReporter.standardOutput) {
    self.epochs = epochs
    self.interactive = interactive
    self.clock = clock
    self.write = write
  }

  /// Starts 1-based epoch `epoch` of `batches` training batches.
  public mutating func beginEpoch(_ epoch: Int, batches: Int) {
    self.epoch = epoch
    self.batches = batches
    done = 0
    samples = 0
    lossSum = 0
    epochStart = clock()
    lastBatchTime = epochStart
    lastDraw = nil
  }

  /// Records a finished training batch of `samples` samples with mean loss `loss`, and
  /// redraws the live line if the last redraw is at least `redrawInterval` old.
  public mutating func batchDone(samples batchSamples: Int, loss: Double) {
    done += 1
    samples += batchSamples
    lossSum += loss * Double(batchSamples)
    let now = clock()
    lastBatchTime = now
    guard interactive else { return }
    if let last = lastDraw, now - last < Self.redrawInterval { return }
    lastDraw = now
    write("\r" + liveLine(now: now) + Self.clearToEnd)
    lineOpen = true
  }

  /// Ends the epoch with its summary line: `metrics` (train and valid, prefixed), the lr of
  /// its last step, its wall time (validation included) and the training throughput.
  public mutating func endEpoch(metrics: [MetricValue], lr: Double) {
    let now = clock()
    var parts = ["epoch \(epoch)/\(epochs)"]
    parts += metrics.map { "\($0.name) \(Self.metric($0.value))" }
    parts.append("lr \(Self.rate(lr))")
    parts.append(String(format: "%.1f s", now - epochStart))
    if let rate = throughput() { parts.append("\(Int(rate.rounded())) samples/s") }
    line(parts.joined(separator: "  "))
  }

  /// Writes a full line (a note, a warning), replacing the live line if one is showing.
  public mutating func line(_ text: String) {
    write((lineOpen ? "\r" : "") + text + (lineOpen ? Self.clearToEnd : "") + "\n")
    lineOpen = false
  }

  /// `epoch 3/30 [=====>    ] 14/23 batches · loss 0.3421 · 51,234 samples/s · ETA 0:02`.
  func liveLine(now: Double) -> String {
    var parts = ["epoch \(epoch)/\(epochs) [\(Self.bar(done, of: batches))] \(done)/\(batches) batches"]
    if samples > 0 { parts.append("loss " + Self.metric(lossSum / Double(samples))) }
    if let rate = throughput() {
      parts.append(Self.grouped(Int(rate.rounded())) + " samples/s")
      let perBatch = (lastBatchTime - epochStart) / Double(done)
      parts.append("ETA " + Self.clockTime(perBatch * Double(max(batches - done, 0))))
    }
    return parts.joined(separator: " · ")
  }

  /// Samples per second over the epoch's training batches; nil before time has passed.
  private func throughput() -> Double? {
    let elapsed = lastBatchTime - epochStart
    return elapsed > 0 && samples > 0 ? Double(samples) / elapsed : nil
  }

  // MARK: formatting

  /// ANSI "erase to end of line", so a shorter line leaves no tail of the previous one.
  static let clearToEnd = "\u{1B}[K"

  /// Keras's bar: `=` for done batches, `>` at the head, spaces after; all `=` when done.
  static func bar(_ done: Int, of total: Int, width: Int = barWidth) -> String {
    guard total > 0 else { return String(repeating: " ", count: width) }
    let filled = min(width, width * done / total)
    var s: String
    if done >= total {
      s = String(repeating: "=", count: width)
    } else {
      s = filled > 0 ? String(repeating: "=", count: filled - 1) + ">" : ""
    }
    s += String(repeating: " ", count: width - s.count)
    return s
  }

  /// A metric value: four decimals (`0.3421`), `nan` when there is none.
  static func metric(_ v: Double) -> String {
    v.isNaN ? "nan" : String(format: "%.4f", v)
  }

  /// A learning rate: four significant digits, no trailing zeros (`0.00093`, `1e-05`).
  static func rate(_ v: Double) -> String { String(format: "%.4g", v) }

  /// An integer with thousands separators: `51,234`.
  static func grouped(_ n: Int) -> String {
    let digits = String(n.magnitude)
    var out = ""
    for (i, c) in digits.enumerated() {
      if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
      out.append(c)
    }
    return (n < 0 ? "-" : "") + out
  }

  /// Seconds as `m:ss`, or `h:mm:ss` from an hour on.
  static func clockTime(_ seconds: Double) -> String {
    let t = Int(seconds.rounded())
    let (h, m, s) = (t / 3600, t / 60 % 60, t % 60)
    let ss = s < 10 ? "0\(s)" : "\(s)"
    if h > 0 { return "\(h):" + (m < 10 ? "0\(m)" : "\(m)") + ":" + ss }
    return "\(m):" + ss
  }

  // MARK: the real clock, sink and terminal

  /// A monotonic clock counting from the moment it is made.
  public static func monotonicClock() -> Clock {
    let clock = ContinuousClock()
    let start = clock.now
    return {
      let d = start.duration(to: clock.now).components
      return Double(d.seconds) + Double(d.attoseconds) * 1e-18
    }
  }

  /// Writes to standard output at once (no buffering, so `\r` redraws show).
  public static func standardOutput(_ text: String) {
    FileHandle.standardOutput.write(Data(text.utf8))
  }

  /// Whether file descriptor `fd` is a terminal (`isatty(3)`); standard output by default.
  public static func isTerminal(_ fd: Int32 = STDOUT_FILENO) -> Bool {
    isatty(fd) != 0
  }
}
