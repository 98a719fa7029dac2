/// Source files and positions in them.
///
/// In: the bytes of a file and its path as the user named it. Out: a `SourceFile`
/// that maps between byte offsets and 1-based line/column positions, and hands out
/// the text of a line for diagnostics. Columns count Unicode scalars, as libyaml does;
/// a UTF-8 byte-order mark is not a column (editors hide it), so the first character
/// after it is at 1:1.

/// A file being compiled; immutable once read.
public final class SourceFile: Sendable {
  /// The path as the user wrote it (relative paths stay relative in messages).
  public let path: String
  /// The raw bytes of the file.
  public let bytes: [UInt8]
  /// Byte offset at which each line starts; `lineStarts[0] == 0`.
  let lineStarts: [Int]
  /// 3 when the file starts with a UTF-8 byte-order mark, else 0.
  let bomLength: Int

  public init(path: String, bytes: [UInt8]) {
    self.path = path
    self.bytes = bytes
    self.bomLength = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    var starts = [0]
    var i = 0
    while i < bytes.count {
      // CRLF counts as one line break, as in libyaml.
      if bytes[i] == 0x0A {
        starts.append(i + 1)
      } else if bytes[i] == 0x0D {
        if i + 1 < bytes.count, bytes[i + 1] == 0x0A { i += 1 }
        starts.append(i + 1)
      }
      i += 1
    }
    self.lineStarts = starts
  }

  public convenience init(path: String, text: String) {
    self.init(path: path, bytes: Array(text.utf8))
  }

  /// Number of lines (a final line without a newline counts).
  public var lineCount: Int { lineStarts.count }

  /// The text of 1-based line `line` without its line break; invalid UTF-8 is replaced.
  public func lineText(_ line: Int) -> String {
    guard line >= 1, line <= lineStarts.count else { return "" }
    let start = line == 1 ? bomLength : lineStarts[line - 1]
    var end = line < lineStarts.count ? lineStarts[line] : bytes.count
    while end > start, bytes[end - 1] == 0x0A || bytes[end - 1] == 0x0D { end -= 1 }
    return String(decoding: bytes[start..<end], as: UTF8.self)
  }

  /// The position of a byte offset (clamped to the file).
  public func position(ofByte offset: Int) -> SourcePosition {
    let offset = max(0, min(offset, bytes.count))
    let lo = lineIndex(ofByte: offset)
    // Count scalars (non-continuation bytes) between the line start and the offset.
    var column = 1
    var i = lo == 0 ? min(bomLength, offset) : lineStarts[lo]
    while i < offset {
      if bytes[i] & 0xC0 != 0x80 { column += 1 }
      i += 1
    }
    return SourcePosition(line: lo + 1, column: column, offset: offset)
  }

  /// The 0-based index of the line holding byte `offset` (binary search, O(log lines)).
  func lineIndex(ofByte offset: Int) -> Int {
    var lo = 0
    var hi = lineStarts.count - 1
    while lo < hi {
      let mid = (lo + hi + 1) / 2
      if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
    }
    return lo
  }

  /// The byte offset of a 1-based line and scalar column (clamped to the line).
  public func byteOffset(line: Int, column: Int) -> Int {
    guard line >= 1, line <= lineStarts.count else { return bytes.count }
    var i = line == 1 ? bomLength : lineStarts[line - 1]
    var col = 1
    while col < column, i < bytes.count, bytes[i] != 0x0A, bytes[i] != 0x0D {
      i += 1
      while i < bytes.count, bytes[i] & 0xC0 == 0x80 { i += 1 }
      col += 1
    }
    return i
  }

  /// The range from byte `start` to byte `end`.
  public func range(fromByte start: Int, toByte end: Int) -> SourceRange {
    SourceRange(file: self, start: position(ofByte: start), end: position(ofByte: max(start, end)))
  }
}

/// A 1-based line and column (in Unicode scalars) plus the byte offset.
public struct SourcePosition: Hashable, Comparable, Sendable, CustomStringConvertible {
  public var line: Int
  public var column: Int
  public var offset: Int

  public init(line: Int, column: Int, offset: Int) {
    self.line = line
    self.column = column
    self.offset = offset
  }

  public static func < (a: Self, b: Self) -> Bool { a.offset < b.offset }
  public var description: String { "\(line):\(column)" }
}

/// A half-open span of source text in one file.
public struct SourceRange: Sendable, CustomStringConvertible {
  public let file: SourceFile
  public var start: SourcePosition
  public var end: SourcePosition

  public init(file: SourceFile, start: SourcePosition, end: SourcePosition) {
    self.file = file
    self.start = start
    self.end = end
  }

  /// `path:line:col`, the form editors parse.
  public var description: String { "\(file.path):\(start.line):\(start.column)" }

  /// The smallest range covering both.
  public func union(_ other: SourceRange) -> SourceRange {
    SourceRange(file: file, start: min(start, other.start), end: max(end, other.end))
  }
}
