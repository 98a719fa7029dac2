/// Splits CSV bytes into records of fields without copying (RFC 4180).
///
/// In: the bytes of a file. Out: one record at a time, each field a byte range with the
/// line it starts on. Fields may be quoted; in a quoted field commas and line breaks are
/// data and `""` stands for one `"`. Records end at LF, CRLF or a lone CR; a UTF-8
/// byte-order mark at the start is skipped; empty lines are skipped (as pandas does).
/// The checker's header probe and the data loader both read CSV through this scanner, so
/// they agree on line breaks, quotes and line numbers.

/// One field of a record: its bytes (inside the quotes, if quoted) and where it starts.
public struct CSVField: Sendable {
  /// The first byte of the content.
  public var start: Int
  /// One past the last byte of the content.
  public var end: Int
  /// Whether the field was quoted (its content may then hold `""` pairs).
  public var quoted: Bool
}

/// A syntax problem found while scanning: what, and the line it is on.
public struct CSVSyntaxError: Error, Sendable {
  public var line: Int
  public var field: Int
  public var message: String
}

/// A cursor over CSV bytes that hands out records.
public struct CSVScanner {
  public let bytes: UnsafeBufferPointer<UInt8>
  public private(set) var position: Int
  /// The 1-based line of `position`.
  public private(set) var line = 1

  public init(_ bytes: UnsafeBufferPointer<UInt8>) {
    self.bytes = bytes
    let bom = bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF
    position = bom ? 3 : 0
  }

  /// Reads the next non-empty record into `fields` (cleared first) and returns the line
  /// it starts on, or nil at the end of the file.
  public mutating func next(into fields: inout [CSVField]) throws(CSVSyntaxError) -> Int? {
    fields.removeAll(keepingCapacity: true)
    let n = bytes.count
    // Skip empty lines.
    while position < n, bytes[position] == 0x0A || bytes[position] == 0x0D { skipBreak() }
    guard position < n else { return nil }
    let recordLine = line
    while true {
      if position < n, bytes[position] == 0x22 {
        fields.append(try quotedField(fieldNumber: fields.count + 1))
      } else {
        let start = position
        while position < n {
          let b = bytes[position]
          if b == 0x2C || b == 0x0A || b == 0x0D { break }
          position += 1
        }
        fields.append(CSVField(start: start, end: position, quoted: false))
      }
      // After a field: a comma, a line break, or the end of the file.
      if position < n, bytes[position] == 0x2C {
        position += 1
        continue
      }
      if position < n { skipBreak() }
      return recordLine
    }
  }

  /// Moves past `rows` one-line rows that were read elsewhere, ending at `end`.
  public mutating func skipRows(to end: Int, count rows: Int) {
    position = end
    line += rows
  }

  /// A quoted field starting at `position` (on its opening quote).
  private mutating func quotedField(fieldNumber: Int) throws(CSVSyntaxError) -> CSVField {
    let n = bytes.count
    let openLine = line
    position += 1
    let start = position
    while position < n {
      let b = bytes[position]
      if b == 0x22 {
        if position + 1 < n, bytes[position + 1] == 0x22 {
          position += 2
          continue
        }
        let end = position
        position += 1
        if position < n, bytes[position] != 0x2C, bytes[position] != 0x0A, bytes[position] != 0x0D {
          throw CSVSyntaxError(line: line, field: fieldNumber, message: "text after the closing quote of a quoted field")
        }
        return CSVField(start: start, end: end, quoted: true)
      }
      if b == 0x0A || (b == 0x0D && !(position + 1 < n && bytes[position + 1] == 0x0A)) { line += 1 }
      position += 1
    }
    throw CSVSyntaxError(line: openLine, field: fieldNumber, message: "a quoted field is not closed before the end of the file")
  }

  /// Steps over one LF, CRLF or CR.
  private mutating func skipBreak() {
    if bytes[position] == 0x0D, position + 1 < bytes.count, bytes[position + 1] == 0x0A { position += 1 }
    position += 1
    line += 1
  }

  /// The text of a field, with `""` in quoted fields turned into `"`.
  public func text(_ f: CSVField) -> String {
    var out: [UInt8] = []
    out.reserveCapacity(f.end - f.start)
    var i = f.start
    while i < f.end {
      out.append(bytes[i])
      // In a quoted field every quote is doubled; keep one of the pair.
      i += f.quoted && bytes[i] == 0x22 ? 2 : 1
    }
    return String(decoding: out, as: UTF8.self)
  }
}
