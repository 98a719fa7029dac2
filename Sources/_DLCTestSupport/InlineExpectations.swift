/// Inline expectations in error-case specs: a comment `#~ error: text` on the line where
/// a diagnostic must point, with `text` a part of its message. Re-recording a golden
/// cannot accept a diagnostic at the wrong place, because these are checked first.
///
/// A diagnostic with no place in the spec (a problem in a data file or a checkpoint,
/// whose message carries that file's `path:line:col`) is expected by a comment on a line
/// of its own: `#~ error: the row has 3 fields`.
import DLCSyntax

/// One expected diagnostic.
public struct Expectation: Equatable, CustomStringConvertible {
  public var line: Int
  public var severity: String
  public var text: String
  /// Written on a line of its own: the diagnostic has no place in the spec.
  public var unplaced: Bool

  public var description: String { "line \(line): \(severity): \(text)" + (unplaced ? " (no place in the spec)" : "") }
}

public enum InlineExpectations {
  /// The `#~ severity: text` comments of a spec's text.
  public static func parse(_ source: String) -> [Expectation] {
    var out: [Expectation] = []
    for (i, line) in source.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      // Most lines carry none: look for the marker's bytes before splitting into characters.
      guard hasMarker(line.utf8) else { continue }
      let chars = Array(line)
      guard let at = chars.indices.first(where: { chars[$0...].starts(with: ["#", "~", " "]) }) else { continue }
      let rest = String(chars[(at + 3)...])[...]
      guard let colon = rest.firstIndex(of: ":") else { continue }
      let severity = trimmingSpaces(rest[..<colon])
      let text = trimmingSpaces(rest[rest.index(after: colon)...])
      let unplaced = chars[..<at].allSatisfy { $0 == " " }
      out.append(Expectation(line: i + 1, severity: severity, text: text, unplaced: unplaced))
    }
    return out
  }

  /// Problems matching `expected` against `diagnostics` of the spec `path`: every
  /// expectation must be met by a diagnostic on its line (or by one with no place in the
  /// spec), and every error or warning must be expected.
  public static func mismatches(_ expected: [Expectation], _ diagnostics: [Diagnostic], path: String) -> [String] {
    var problems: [String] = []
    let placed = { (d: Diagnostic) in d.range?.file.path == path }
    var unmatched = diagnostics.filter { $0.severity != .note }
    for e in expected {
      if let i = unmatched.firstIndex(where: {
        (e.unplaced ? !placed($0) : placed($0) && $0.range!.start.line == e.line)
          && $0.severity.rawValue == e.severity && Self.contains($0.message.text, e.text)
      }) {
        unmatched.remove(at: i)
      } else {
        let near = diagnostics.map { "\($0.range?.description ?? "-"): \($0.severity.rawValue): \($0.message.text)" }
        problems.append("expected \(e) — not found; got: \(near.joined(separator: " | "))")
      }
    }
    for d in unmatched {
      problems.append("unexpected \(d.range?.description ?? d.path ?? "-"): \(d.severity.rawValue): \(d.message.text)")
    }
    return problems
  }

  /// Whether `text` contains `part` byte for byte (the empty part too): the standard
  /// library's meaning, whatever `contains` another import of this module would add.
  static func contains(_ text: String, _ part: String) -> Bool {
    let t = Array(text.utf8), p = Array(part.utf8)
    guard p.count <= t.count else { return false }
    return (0...(t.count - p.count)).contains { i in t[i..<(i + p.count)].elementsEqual(p) }
  }

  /// Whether `bytes` contain `#~ `.
  private static func hasMarker(_ bytes: Substring.UTF8View) -> Bool {
    var state = 0
    for b in bytes {
      switch (state, b) {
      case (_, UInt8(ascii: "#")): state = 1
      case (1, UInt8(ascii: "~")): state = 2
      case (2, UInt8(ascii: " ")): return true
      default: state = 0
      }
    }
    return false
  }

  /// `text` without leading and trailing spaces.
  private static func trimmingSpaces(_ text: Substring) -> String {
    var s = text
    while s.first == " " { s = s.dropFirst() }
    while s.last == " " { s = s.dropLast() }
    return String(s)
  }
}
