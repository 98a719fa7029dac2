import Foundation

/// The run's `log.jsonl` for one training invocation: emptied for a new run; for a
/// resumed run, cut back to the epochs the checkpoint holds (a crash after a log line
/// and before its checkpoint leaves a line the resumed run writes again) and extended.
struct RunLogWriter {
  private let log: RunLog

  init(directory: String, keepingEpochs epochs: Int, resume: Bool) throws {
    let path = directory + "/log.jsonl"
    if resume, let text = try? String(contentsOfFile: path, encoding: .utf8) {
      let kept = text.split(separator: "\n").filter { line in
        guard let data = line.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let epoch = object["epoch"] as? Int else { return false }
        return epoch <= epochs
      }
      let body = kept.map { $0 + "\n" }.joined()
      try AtomicFile.replace(path, with: Array(body.utf8))
    }
    log = try RunLog(directory: directory, append: resume)
  }

  /// Appends one epoch's line.
  func append(_ record: EpochRecord) throws { try log.append(record) }
}
