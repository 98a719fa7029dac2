/// The one error of the data and persistence layer: a problem in a data file, a
/// checkpoint or a run log, with the file and, where there is one, the place in it.

/// A problem reading or writing a data file, a checkpoint or a run log.
///
/// `line` is the 1-based physical line of a text file; `column` is the 1-based field
/// number in a CSV row (the message names the column's header too). Binary files have
/// neither; their messages say which sample, element or tensor. The text form is the
/// compiler's: `path:line:col: error: message`, then `= help:` lines.
public struct DataError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The stable ID, e.g. `data.raggedRow` (a `DataErrorID`; every one is made in `DataErrors.swift`).
  public var id: String
  /// The file the problem is in.
  public var path: String
  /// The 1-based line, for text files.
  public var line: Int?
  /// The 1-based field number in a CSV row.
  public var column: Int?
  /// What is wrong: lowercase, no trailing period, names in single quotes.
  public var message: String
  /// How to fix it, when there is something to say.
  public var help: String?

  public init(_ id: DataErrorID, path: String, line: Int? = nil, column: Int? = nil, _ message: String, help: String? = nil) {
    self.id = id.rawValue
    self.path = path
    self.line = line
    self.column = column
    self.message = message
    self.help = help
  }

  /// `path:line:col` as far as it is known.
  public var location: String {
    var out = path
    if let line {
      out += ":\(line)"
      if let column { out += ":\(column)" }
    }
    return out
  }

  /// The error as the compiler prints diagnostics, without colour.
  public var description: String {
    var out = (path.isEmpty ? "" : "\(location): ") + "error: \(message)"
    if let help { out += "\n  |\n  = help: \(help)" }
    return out
  }

  /// The error as a compiler diagnostic, for the driver's renderers. A data file is not
  /// quoted under the message (a CSV row can be thousands of characters), so the
  /// diagnostic has no source range and its path carries the line and column.
}
