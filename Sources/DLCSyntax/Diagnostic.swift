/// Diagnostics: typed messages with stable IDs, positions, notes and help.
///
/// In: what a stage found wrong and where. Out: `Diagnostic` values collected in a
/// `DiagnosticEngine`, rendered for people (`DiagnosticRenderer`) or tools (JSON).

/// How bad a diagnostic is.
public enum Severity: String, Sendable, Codable {
  case error, warning, note
}

/// A message with its stable ID, e.g. `sema.unknownLayer`. Each module declares its
/// messages as static functions in one sorted file (`<Module>Diagnostics.swift`).
public struct DiagnosticMessage: Sendable, Hashable {
  public let id: String
  public let severity: Severity
  public let text: String

  public init(id: String, severity: Severity, text: String) {
    self.id = id
    self.severity = severity
    self.text = text
  }

  public static func error(_ id: some DiagnosticID, _ text: String) -> Self { Self(id: id.rawValue, severity: .error, text: text) }
  public static func warning(_ id: some DiagnosticID, _ text: String) -> Self { Self(id: id.rawValue, severity: .warning, text: text) }

  /// The ID of an internal error: not a problem of the input but a bug in dlc (exit
  /// status 2), so no module lists it and no error golden can show it.
  public static let internalErrorID = "internal"

  /// A bug in dlc found while processing valid input: `internal error: what`.
  public static func internalError(_ what: String) -> Self {
    Self(id: internalErrorID, severity: .error, text: "internal error: \(what)")
  }
}

/// The diagnostic IDs of one module: an enum whose raw values are the stable IDs
/// (`sema.unknownLayer`), sorted, in the module's diagnostics file. Messages are made from
/// these cases only, so `allCases` is every ID the module can report (the error-case
/// goldens must show each one).
public protocol DiagnosticID: RawRepresentable<String>, CaseIterable, Sendable {}

/// A note attached to a diagnostic, optionally pointing at a related place.
public struct DiagnosticNote: Sendable {
  public var text: String
  public var range: SourceRange?

  public init(_ text: String, at range: SourceRange? = nil) {
    self.text = text
    self.range = range
  }
}

/// One reported problem.
public struct Diagnostic: Sendable, Error {
  public var message: DiagnosticMessage
  /// Where; nil for problems with no place (a file that cannot be read has the file's path only).
  public var range: SourceRange?
  /// Optional text printed after the carets.
  public var label: String?
  public var notes: [DiagnosticNote]
  public var helps: [String]
  /// The path to name when there is no range.
  public var path: String?

  public init(
    _ message: DiagnosticMessage, at range: SourceRange?, label: String? = nil,
    notes: [DiagnosticNote] = [], help: [String] = [], path: String? = nil
  ) {
    self.message = message
    self.range = range
    self.label = label
    self.notes = notes
    self.helps = help
    self.path = path ?? range?.file.path
  }

  public var id: String { message.id }
  public var severity: Severity { message.severity }

  /// Adds a `help:` line.
  public func help(_ text: String?) -> Diagnostic {
    guard let text else { return self }
    var copy = self
    copy.helps.append(text)
    return copy
  }

  /// Adds a `note:` line, optionally pointing somewhere.
  public func note(_ text: String, at range: SourceRange? = nil) -> Diagnostic {
    var copy = self
    copy.notes.append(DiagnosticNote(text, at: range))
    return copy
  }
}

/// Collects the diagnostics of one run, in the order found.
public final class DiagnosticEngine {
  public private(set) var diagnostics: [Diagnostic] = []
  /// Stop collecting after this many errors (a broken file can produce many).
  public var errorLimit = 100

  public init() {}

  public var errorCount: Int { diagnostics.count { $0.severity == .error } }
  public var hasErrors: Bool { errorCount > 0 }

  public func emit(_ diagnostic: Diagnostic) {
    if diagnostic.severity == .error, errorCount >= errorLimit { return }
    diagnostics.append(diagnostic)
  }

  /// Emits and returns nil, for `guard … else { return diags.fail(…) }`.
  public func fail<T>(_ diagnostic: Diagnostic) -> T? {
    emit(diagnostic)
    return nil
  }

  /// Diagnostics sorted by file and position (stable for equal positions).
  public var sorted: [Diagnostic] {
    diagnostics.enumerated().sorted { a, b in
      let pa = a.element.range?.start.offset ?? -1
      let pb = b.element.range?.start.offset ?? -1
      let fa = a.element.path ?? ""
      let fb = b.element.path ?? ""
      if fa != fb { return fa < fb }
      if pa != pb { return pa < pb }
      return a.offset < b.offset
    }.map(\.element)
  }
}
