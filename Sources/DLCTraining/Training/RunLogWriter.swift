import Foundation

/// The run's `log.jsonl` for one training invocation: for a new run, replaced when the
/// first epoch's line is written (so a run that fails before keeps the earlier log); for
/// a resumed run, cut back to the epochs the checkpoint holds (a crash after a log line
/// and before its checkpoint leaves a line the resumed run writes again) and extended.
final class RunLogWriter {
  private let directory: String
  private var log: RunLog?

  init(directory: String, keepingEpochs epochs: Int, resume: Bool) throws {
    self.directory = directory
    let path = directory + "/log.jsonl"
    guard resume else { return }
    if let text = try? String(contentsOfFile: path, encoding: .utf8) {
      let kept = text.split(separator: "\n").filter { line in
        guard let data = line.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let epoch = object["epoch"] as? Int else { return false }
        return epoch <= epochs
      }
      let body = kept.map { $0 + "\n" }.joined()
      do { try AtomicFile.replace(path, with: Array(body.utf8)) } catch { throw DataError.runLogWrite(path, error.reason) }
    }
    log = try RunLog(directory: directory, append: true)
  }

  /// Appends one epoch's line (the first of a new run empties the earlier log).
  func append(_ record: EpochRecord) throws {
    if log == nil { log = try RunLog(directory: directory, append: false) }
    try log!.append(record)
  }
}
