/// YAML reading: bytes of a spec file to a `Node` tree, or diagnostics.
///
/// In: a `SourceFile`. Out: the root `Node` of its single document, or nil with every
/// problem reported to the `DiagnosticEngine` at its position. Never crashes, never
/// hangs: file size, depth, node count, alias expansion and scalar length are bounded
/// (`YAMLLimits`) and checked while events arrive, before libyaml's own quadratic
/// behaviour on deep flow nesting can start.
///
/// The pieces: byte-level pre-checks (here), libyaml's event stream
/// (`LibYAMLEvents.swift`, the only file touching C), mark-to-position conversion
/// (`MarkMap`, here) and the composer that builds nodes (`YAMLComposer.swift`).

/// Bounds that keep hostile input cheap to refuse.
public struct YAMLLimits: Sendable {
  public var maxFileBytes = 16 << 20
  public var maxDepth = 256
  public var maxNodes = 2_000_000
  public var maxScalarBytes = 64 << 10
  public init() {}
}

/// Reads YAML through the system libyaml (`LibYAMLEvents.swift` is the only file touching C).
public enum YAMLReader {
  /// Parses `file`, reporting problems to `diagnostics`. Returns nil when any error was found.
  /// An empty stream (nothing but comments) is a null scalar at 1:1; the caller decides
  /// whether that is an error.
  public static func parse(_ file: SourceFile, limits: YAMLLimits = YAMLLimits(), diagnostics: DiagnosticEngine) -> Node? {
    guard precheck(file, limits, diagnostics) else { return nil }
    var composer = Composer(file: file, limits: limits, diags: diagnostics)
    return composer.run()
  }

  /// Byte-level checks that libyaml would report badly (at 1:1, as a reader error) or
  /// not at all. Returns false after reporting the first problem.
  static func precheck(_ file: SourceFile, _ limits: YAMLLimits, _ diags: DiagnosticEngine) -> Bool {
    let b = file.bytes
    let origin = file.range(fromByte: 0, toByte: 0)
    if b.count > limits.maxFileBytes {
      diags.emit(Diagnostic(.fileTooLarge(b.count, limits.maxFileBytes), at: origin))
      return false
    }
    // UTF-32 LE starts like UTF-16 LE, so look at four bytes first.
    let utf32 = b.starts(with: [0xFF, 0xFE, 0, 0]) || b.starts(with: [0, 0, 0xFE, 0xFF])
    if utf32 || b.starts(with: [0xFF, 0xFE]) || b.starts(with: [0xFE, 0xFF]) {
      diags.emit(Diagnostic(.unsupportedEncoding(utf32 ? "UTF-32" : "UTF-16"), at: origin).help("save the file as UTF-8"))
      return false
    }
    guard let (offset, problem) = firstBadCharacter(b) else { return true }
    let at = file.range(fromByte: offset, toByte: offset + 1)
    switch problem {
    case .nul:
      diags.emit(Diagnostic(.nulByte(), at: at).help("a spec is a text file; was a binary file named by mistake?"))
    case .invalidUTF8:
      diags.emit(Diagnostic(.invalidUTF8(), at: at).help("save the file as UTF-8"))
    case .control(let value):
      diags.emit(Diagnostic(.controlCharacter(value), at: at)
        .help("remove it; inside a double-quoted string it can be written as an escape such as '\\x01'"))
    }
    return false
  }

  /// A character libyaml's reader would refuse.
  enum BadCharacter: Equatable {
    case nul, invalidUTF8, control(UInt32)
  }

  /// The offset and kind of the first byte that is not well-formed UTF-8 or not a
  /// character YAML allows (YAML 1.1 §5.1 as libyaml's reader checks it: tab, LF, CR,
  /// printable ASCII, U+0085, U+00A0–U+D7FF, U+E000–U+FFFD, U+10000–U+10FFFF).
  static func firstBadCharacter(_ bytes: [UInt8]) -> (Int, BadCharacter)? {
    bytes.withUnsafeBufferPointer { b in
      var i = 0
      while i < b.count {
        let c = b[i]
        if c < 0x80 {
          if c == 0 { return (i, .nul) }
          if c < 0x20 && c != 0x09 && c != 0x0A && c != 0x0D || c == 0x7F { return (i, .control(UInt32(c))) }
          i += 1
          continue
        }
        let (n, min): (Int, UInt32)
        switch c {
        case 0xC2...0xDF: (n, min) = (1, 0x80)
        case 0xE0...0xEF: (n, min) = (2, 0x800)
        case 0xF0...0xF4: (n, min) = (3, 0x10000)
        default: return (i, .invalidUTF8)
        }
        guard i + n < b.count else { return (i, .invalidUTF8) }
        var v = UInt32(c) & (0x3F >> n)
        for k in 1...n {
          guard b[i + k] & 0xC0 == 0x80 else { return (i, .invalidUTF8) }
          v = v << 6 | UInt32(b[i + k] & 0x3F)
        }
        // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
        if v < min || (0xD800...0xDFFF).contains(v) || v > 0x10FFFF { return (i, .invalidUTF8) }
        if (0x80...0x9F).contains(v) && v != 0x85 || v == 0xFFFE || v == 0xFFFF { return (i, .control(v)) }
        i += n + 1
      }
      return nil
    }
  }
}

/// Converts libyaml marks to file positions in O(1) amortized each, after O(bytes) set-up.
///
/// libyaml is given the bytes after any byte-order mark and counts Unicode scalars from
/// there, so in an ASCII file a mark's index is its byte offset. Otherwise a checkpoint
/// every 64 scalars gives the byte offset of any index after a short walk, and a table of
/// the scalar index of each line start gives the column. Lines come from `SourceFile`
/// rather than libyaml (which also breaks lines at U+0085, U+2028 and U+2029) so that
/// every position agrees with the file's own line table and the renderer.
final class MarkMap {
  let file: SourceFile
  /// Byte offset of every 64th scalar after the BOM; empty for ASCII files.
  private let checkpoints: [Int]
  /// Scalar index (as libyaml counts) at which each line starts; empty for ASCII files.
  private let lineStartIndex: [Int]
  private let lineStarts: [Int]
  /// The line of the last lookup: marks arrive almost in order, so most lookups need
  /// no search at all.
  private var lineHint = 0

  init(file: SourceFile) {
    self.file = file
    lineStarts = file.lineStarts
    let b = file.bytes
    // A BOM is non-ASCII, so a file with one always takes the table path.
    let ascii = b.withUnsafeBufferPointer { buffer in
      for byte in buffer where byte >= 0x80 { return false }
      return true
    }
    guard !ascii else {
      checkpoints = []
      lineStartIndex = []
      return
    }
    let starts = file.lineStarts
    var checkpoints: [Int] = []
    var lineStartIndex = [Int](repeating: 0, count: starts.count)
    var line = 1
    var index = 0
    for i in file.bomLength..<b.count {
      while line < starts.count, starts[line] == i {
        lineStartIndex[line] = index
        line += 1
      }
      if b[i] & 0xC0 != 0x80 {
        if index & 63 == 0 { checkpoints.append(i) }
        index += 1
      }
    }
    while line < starts.count {
      lineStartIndex[line] = index
      line += 1
    }
    self.checkpoints = checkpoints.isEmpty ? [file.bomLength] : checkpoints
    self.lineStartIndex = lineStartIndex
  }

  /// The position of a libyaml mark.
  func position(_ mark: YAMLMark) -> SourcePosition {
    let b = file.bytes
    let index = max(0, mark.index)
    if lineStartIndex.isEmpty {
      let offset = min(index, b.count)
      let line = lineIndex(ofByte: offset)
      return SourcePosition(line: line + 1, column: offset - lineStarts[line] + 1, offset: offset)
    }
    let checkpoint = min(index >> 6, checkpoints.count - 1)
    var offset = checkpoints[checkpoint]
    var walked = checkpoint << 6
    while walked < index, offset < b.count {
      offset += 1
      while offset < b.count, b[offset] & 0xC0 == 0x80 { offset += 1 }
      walked += 1
    }
    let line = lineIndex(ofByte: offset)
    return SourcePosition(line: line + 1, column: walked - lineStartIndex[line] + 1, offset: offset)
  }

  /// The 0-based line holding `offset`: a few steps on from the last line, else a binary search.
  private func lineIndex(ofByte offset: Int) -> Int {
    lineHint = lineStarts.withUnsafeBufferPointer { starts in
      var line = lineHint
      if starts[line] <= offset {
        var steps = 0
        while line + 1 < starts.count, starts[line + 1] <= offset, steps < 4 {
          line += 1
          steps += 1
        }
        if line + 1 == starts.count || offset < starts[line + 1] { return line }
      }
      return file.lineIndex(ofByte: offset)
    }
    return lineHint
  }

  /// `p` moved past one character (a CRLF pair is one line break, as in `SourceFile`).
  func advanced(_ p: SourcePosition) -> SourcePosition {
    let b = file.bytes
    guard p.offset < b.count else { return p }
    let c = b[p.offset]
    if c == 0x0A || c == 0x0D {
      let crlf = c == 0x0D && p.offset + 1 < b.count && b[p.offset + 1] == 0x0A
      return SourcePosition(line: p.line + 1, column: 1, offset: p.offset + (crlf ? 2 : 1))
    }
    var next = p.offset + 1
    while next < b.count, b[next] & 0xC0 == 0x80 { next += 1 }
    return SourcePosition(line: p.line, column: p.column + 1, offset: next)
  }

  /// A range one character wide at `p` (empty at a line break or the end of the file),
  /// for problems that have a place but no extent.
  func point(_ p: SourcePosition) -> SourceRange {
    let b = file.bytes
    let atBreak = p.offset >= b.count || b[p.offset] == 0x0A || b[p.offset] == 0x0D
    return SourceRange(file: file, start: p, end: atBreak ? p : advanced(p))
  }
}
