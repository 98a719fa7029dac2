/// The lexical layer of `IRParser`: strings, names, punctuation, whitespace and
/// comments, and positions for errors. Every step checks the end of input first.

extension IRParser {
  /// A double-quoted string with the escapes `IRFormat.quote` writes.
  mutating func string() throws(IRParseError) -> String {
    try expect("\"")
    var out = String.UnicodeScalarView()
    while i < s.count, s[i] != "\"" {
      if s[i] == "\\" {
        let escape = (line: line, column: column)
        advance()
        guard i < s.count else { break }
        switch s[i] {
        case "n": out.append("\n")
        case "t": out.append("\t")
        case "r": out.append("\r")
        case "u":
          advance()
          guard i < s.count, s[i] == "{" else { throw fail("bad \\u escape", at: escape) }
          advance()
          var hex = ""
          while i < s.count, s[i] != "}", hex.unicodeScalars.count < 8 { hex.unicodeScalars.append(s[i]); advance() }
          guard i < s.count, s[i] == "}", let v = UInt32(hex, radix: 16), let u = Unicode.Scalar(v) else {
            throw fail("bad \\u escape", at: escape)
          }
          out.append(u)
        default: out.append(s[i])
        }
      } else {
        out.append(s[i])
      }
      advance()
    }
    guard i < s.count else { throw fail("unterminated string") }
    advance()
    return String(out)
  }

  /// `%name` or `@name`, without the sigil.
  mutating func symbol(_ sigil: Unicode.Scalar) throws(IRParseError) -> String {
    skipSpace()
    guard i < s.count, s[i] == sigil else { throw fail("expected '\(sigil)name'") }
    advance()
    let start = i
    while i < s.count, IRFormat.isNameScalar(s[i]) { advance() }
    guard i > start else { throw fail("expected a name after '\(sigil)'") }
    return String(String.UnicodeScalarView(s[start..<i]))
  }

  /// A run of name characters (plus `extra`), e.g. an opcode, a number or `Nx64xf32`.
  mutating func word(extra: String = "") throws(IRParseError) -> String {
    skipSpace()
    let start = i
    while i < s.count, IRFormat.isNameScalar(s[i]) || extra.unicodeScalars.contains(s[i]) { advance() }
    guard i > start else { throw fail("expected a word") }
    return String(String.UnicodeScalarView(s[start..<i]))
  }

  mutating func keyword(_ k: String) throws(IRParseError) {
    skipSpace()
    guard peekWord(k) else { throw fail("expected '\(k)'") }
    for _ in k.unicodeScalars { advance() }
  }

  mutating func expect(_ token: String) throws(IRParseError) {
    skipSpace()
    guard peek(token) else { throw fail("expected '\(token)'") }
    for _ in token.unicodeScalars { advance() }
  }

  /// Consumes a comma if there is one.
  mutating func comma() throws(IRParseError) -> Bool {
    skipSpace()
    guard peek(",") else { return false }
    advance()
    return true
  }

  func peek(_ token: String) -> Bool {
    var j = i
    for u in token.unicodeScalars {
      guard j < s.count, s[j] == u else { return false }
      j += 1
    }
    return true
  }

  mutating func peekWord(_ w: String) -> Bool {
    skipSpace()
    guard peek(w) else { return false }
    let end = i + w.unicodeScalars.count
    return end >= s.count || !IRFormat.isNameScalar(s[end])
  }

  /// Skips whitespace and `//` comments.
  mutating func skipSpace() {
    while i < s.count {
      if s[i] == " " || s[i] == "\n" || s[i] == "\t" || s[i] == "\r" {
        advance()
      } else if s[i] == "/", i + 1 < s.count, s[i + 1] == "/" {
        while i < s.count, s[i] != "\n" { advance() }
      } else {
        break
      }
    }
  }

  /// Steps past one scalar, tracking line and column; callers check the end first.
  mutating func advance() {
    if s[i] == "\n" {
      line += 1
      column = 1
    } else {
      column += 1
    }
    i += 1
  }

  /// The position of the next token.
  mutating func mark() -> (line: Int, column: Int) {
    skipSpace()
    return (line, column)
  }

  /// An error at the current position, or at `at`.
  func fail(_ message: String, at: (line: Int, column: Int)? = nil) -> IRParseError {
    IRParseError(line: at?.line ?? line, column: at?.column ?? column, message: message)
  }
}
