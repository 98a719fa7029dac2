/// Renders diagnostics for people (rustc style, colour only on a TTY) and for tools (JSON).

/// Text rendering in the form editors parse:
/// ```
/// specs/mlp.yaml:14:11: error: unknown layer 'dense2d'
///    |
/// 14 |     - dense2d: 128
///    |       ^^^^^^^ not a known layer
///    |
///    = help: did you mean 'dense'?
/// ```
public struct DiagnosticRenderer: Sendable {
  public var color: Bool

  public init(color: Bool = false) { self.color = color }

  /// Renders all diagnostics, then the summary line when there are errors.
  public func render(_ diagnostics: [Diagnostic]) -> String {
    var out = ""
    for d in diagnostics { out += render(d) }
    let errors = diagnostics.count { $0.severity == .error }
    if errors > 0 {
      let noun = errors == 1 ? "error" : "errors"
      out += paint("error", .red) + ": aborting due to \(errors) previous \(noun)\n"
    }
    return out
  }

  /// Renders one diagnostic with its snippet, notes and help.
  public func render(_ d: Diagnostic) -> String {
    var out = ""
    let where_: String
    if let r = d.range {
      where_ = "\(r.file.path):\(r.start.line):\(r.start.column): "
    } else if let p = d.path {
      where_ = "\(p): "
    } else {
      where_ = ""
    }
    let sev = paint(d.severity.rawValue, d.severity == .error ? .red : (d.severity == .warning ? .yellow : .cyan))
    out += paint(where_, .bold) + sev + paint(": " + d.message.text, .bold) + "\n"
    var gutterWidth = 1
    var ranges: [SourceRange] = []
    if let r = d.range { ranges.append(r) }
    ranges += d.notes.compactMap(\.range).filter { $0.file === d.range?.file }
    if let maxLine = ranges.map(\.start.line).max() { gutterWidth = String(maxLine).count }
    let pad = String(repeating: " ", count: gutterWidth)
    if let r = d.range {
      out += snippet(r, label: d.label, pad: pad, gutterWidth: gutterWidth, mark: "^", tone: .red)
    }
    for note in d.notes {
      if let r = note.range {
        if r.file !== d.range?.file || d.range == nil {
          out += "\(pad)--> \(r.file.path):\(r.start.line):\(r.start.column)\n"
        }
        out += snippet(r, label: note.text, pad: pad, gutterWidth: gutterWidth, mark: "-", tone: .cyan)
      }
    }
    let trailers = d.notes.filter { $0.range == nil }.map { "note: " + $0.text } + d.helps.map { "help: " + $0 }
    if !trailers.isEmpty {
      // rustc style: an empty gutter line separates the snippets (or the header) from `= note/help`.
      out += "\(pad) |\n"
      for t in trailers { out += "\(pad) = " + t + "\n" }
    }
    return out
  }

  private func snippet(
    _ r: SourceRange, label: String?, pad: String, gutterWidth: Int, mark: Character, tone: Tone
  ) -> String {
    let text = sanitize(r.file.lineText(r.start.line))
    let lineNo = String(r.start.line)
    let gutter = String(repeating: " ", count: gutterWidth - lineNo.count) + lineNo
    let lineLength = text.unicodeScalars.count
    let startCol = max(1, r.start.column)
    // A range that spans lines is underlined to the end of its first line.
    let endCol = r.end.line == r.start.line ? max(r.end.column, startCol + 1) : max(lineLength + 1, startCol + 1)
    let width = max(1, min(endCol, max(lineLength + 1, startCol + 1)) - startCol)
    let prefix = String(text.unicodeScalars.prefix(startCol - 1).map { $0 == "\t" ? "\t" : " " })
    var out = "\(pad) |\n"
    out += "\(gutter) | \(text)\n"
    let carets = paint(String(repeating: mark, count: width), tone)
    out += "\(pad) | \(prefix)\(carets)" + (label.map { " " + paint($0, tone) } ?? "") + "\n"
    return out
  }

  /// Replaces control characters so a hostile line cannot drive the terminal; long lines are cut.
  private func sanitize(_ s: String) -> String {
    var scalars = String.UnicodeScalarView()
    for (i, u) in s.unicodeScalars.enumerated() {
      if i >= 400 {
        scalars.append(contentsOf: "…".unicodeScalars)
        break
      }
      if u.value < 0x20 && u != "\t" || u.value == 0x7F {
        scalars.append("\u{FFFD}")
      } else {
        scalars.append(u)
      }
    }
    return String(scalars)
  }

  private enum Tone: String {
    case red = "31", yellow = "33", cyan = "36", bold = "1"
  }

  private func paint(_ s: String, _ tone: Tone) -> String {
    guard color, !s.isEmpty else { return s }
    return "\u{1B}[\(tone.rawValue)m" + s + "\u{1B}[0m"
  }
}

/// JSON rendering for tools: one JSON document `{"diagnostics": [...]}` with 1-based positions.
public enum DiagnosticJSON {
  public static func render(_ diagnostics: [Diagnostic]) -> String {
    var items: [String] = []
    for d in diagnostics {
      var fields = [
        "\"id\":" + quote(d.id),
        "\"severity\":" + quote(d.severity.rawValue),
        "\"message\":" + quote(d.message.text),
      ]
      if let p = d.path { fields.append("\"file\":" + quote(p)) }
      if let r = d.range { fields.append("\"range\":" + range(r)) }
      if let l = d.label { fields.append("\"label\":" + quote(l)) }
      let notes = d.notes.map { n in
        "{\"message\":" + quote(n.text) + (n.range.map { ",\"file\":" + quote($0.file.path) + ",\"range\":" + range($0) } ?? "") + "}"
      }
      fields.append("\"notes\":[" + notes.joined(separator: ",") + "]")
      fields.append("\"help\":[" + d.helps.map(quote).joined(separator: ",") + "]")
      items.append("{" + fields.joined(separator: ",") + "}")
    }
    let errors = diagnostics.count { $0.severity == .error }
    return "{\"diagnostics\":[" + items.joined(separator: ",") + "],\"errors\":\(errors)}\n"
  }

  private static func range(_ r: SourceRange) -> String {
    "{\"start\":{\"line\":\(r.start.line),\"column\":\(r.start.column)},\"end\":{\"line\":\(r.end.line),\"column\":\(r.end.column)}}"
  }

  /// A JSON string literal.
  public static func quote(_ s: String) -> String { JSONText.quote(s) }
}
