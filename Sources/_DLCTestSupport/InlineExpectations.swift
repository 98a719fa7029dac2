/// Inline expectations in error-case specs: a comment `#~ error: text` on the line where
/// a diagnostic must point, with `text` a part of its message. Re-recording a golden
/// cannot accept a diagnostic at the wrong place, because these are checked first.
import DLCSyntax

/// One expected diagnostic.
public struct Expectation: Equatable, CustomStringConvertible {
  public var line: Int
  public var severity: String
  public var text: String

  public var description: String { "line \(line): \(severity): \(text)" }
}

public enum InlineExpectations {
  /// The `#~ severity: text` comments of a spec's text.
  public static func parse(_ source: String) -> [Expectation] {
    var out: [Expectation] = []
    for (i, line) in source.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let chars = Array(line)
      guard let at = chars.indices.first(where: { chars[$0...].starts(with: ["#", "~", " "]) }) else { continue }
      let rest = String(chars[(at + 3)...])[...]
      guard let colon = rest.firstIndex(of: ":") else { continue }
      let severity = rest[..<colon].trimmingCharacters(in: " ")
      let text = rest[rest.index(after: colon)...].trimmingCharacters(in: " ")
      out.append(Expectation(line: i + 1, severity: severity, text: text))
    }
    return out
  }

  /// Problems matching `expected` against `diagnostics` in the file `path`: every
  /// expectation must be met by a diagnostic on its line in that file, and every error
  /// or warning in that file must be expected.
  public static func mismatches(_ expected: [Expectation], _ diagnostics: [Diagnostic], path: String) -> [String] {
    var problems: [String] = []
    var unmatched = diagnostics.filter { $0.range?.file.path == path && $0.severity != .note }
    for e in expected {
      if let i = unmatched.firstIndex(where: {
        $0.range!.start.line == e.line && $0.severity.rawValue == e.severity && $0.message.text.contains(e.text)
      }) {
        unmatched.remove(at: i)
      } else {
        let near = diagnostics.map { "\($0.range?.description ?? "-"): \($0.severity.rawValue): \($0.message.text)" }
        problems.append("expected \(e) — not found; got: \(near.joined(separator: " | "))")
      }
    }
    for d in unmatched {
      problems.append("unexpected \(d.range!.description): \(d.severity.rawValue): \(d.message.text)")
    }
    return problems
  }
}

extension StringProtocol {
  func trimmingCharacters(in set: String) -> String {
    var s = Substring(self)
    while let f = s.first, set.contains(f) { s = s.dropFirst() }
    while let l = s.last, set.contains(l) { s = s.dropLast() }
    return String(s)
  }
}
