/// Happy paths of the YAML reader: structure, styles, core-schema values and source ranges
/// (after multibyte characters, with CRLF line breaks and with a byte-order mark).
@testable import DLCSyntax
import Testing

@Suite struct YAMLTests {
  @Test func blockMapping() throws {
    let root = try #require(YAMLFixture.parse("a: 1\nb: two\n").node)
    let pairs = try #require(root.pairs)
    #expect(pairs.map(\.key) == ["a", "b"])
    #expect(pairs[0].value.scalar?.resolved == .int(1))
    #expect(pairs[1].value.scalar?.resolved == .string("two"))
    #expect(YAMLFixture.span(pairs[0].keyRange) == "1:1-1:2")
    #expect(YAMLFixture.span(pairs[1].value.range) == "2:4-2:7")
    #expect(YAMLFixture.span(root.range) == "1:1-2:7")
    #expect(!root.isFlow)
  }

  @Test func flowCollections() throws {
    let root = try #require(YAMLFixture.parse("{a: [1, 2], b: {c: d}}\n").node)
    #expect(root.isFlow)
    #expect(YAMLFixture.span(root.range) == "1:1-1:23")
    let pairs = try #require(root.pairs)
    let list = try #require(pairs[0].value.items)
    #expect(list.map { $0.scalar?.resolved } == [.int(1), .int(2)])
    #expect(YAMLFixture.span(pairs[0].value.range) == "1:5-1:11")
    #expect(pairs[1].value.pairs?.first?.key == "c")
  }

  @Test func blockSequenceAndNesting() throws {
    let text = "model:\n  layers:\n    # a comment\n    - dense: 32\n    - relu\n"
    let root = try #require(YAMLFixture.parse(text).node)
    let layers = try #require(root.pairs?[0].value.pairs?[0].value.items)
    #expect(layers.count == 2)
    let dense = try #require(layers[0].pairs?[0])
    #expect(dense.key == "dense")
    #expect(YAMLFixture.span(dense.keyRange) == "4:7-4:12")
    #expect(YAMLFixture.span(dense.value.range) == "4:14-4:16")
    #expect(layers[1].scalar?.text == "relu")
    // A block collection ends at its last entry, not at the next token after comments.
    #expect(YAMLFixture.span(root.pairs![0].value.pairs![0].value.range) == "4:5-5:11")
  }

  @Test func scalarStyles() throws {
    let text = "p: x\ns: 'x'\nd: \"x\\ty\"\nl: |\n  x\n  y\nf: >\n  x\n  y\n"
    let pairs = try #require(YAMLFixture.parse(text).node?.pairs)
    let scalars = pairs.map { $0.value.scalar! }
    #expect(scalars.map(\.style) == [.plain, .singleQuoted, .doubleQuoted, .literal, .folded])
    #expect(scalars.map(\.text) == ["x", "x", "x\ty", "x\ny\n", "x y\n"])
  }

  @Test func coreSchemaResolution() throws {
    let text = """
      a: 1e-3
      b: 0x10
      c: true
      d: ~
      e: "1"
      f: 'true'
      g:
      h: -.inf
      i: 0o17
      j: 1.5
      k: null
      l: hello world
      """
    let pairs = try #require(YAMLFixture.parse(text).node?.pairs)
    let values = pairs.map { $0.value.scalar!.resolved }
    #expect(values == [
      .float(0.001), .int(16), .bool(true), .null, .string("1"), .string("true"), .null,
      .float(-.infinity), .int(15), .float(1.5), .null, .string("hello world"),
    ])
  }

  @Test func quotedScalarRangeIncludesQuotes() throws {
    let pairs = try #require(YAMLFixture.parse("a: \"xy\"\nb: 'z'\n").node?.pairs)
    #expect(YAMLFixture.span(pairs[0].value.range) == "1:4-1:8")
    #expect(YAMLFixture.span(pairs[1].value.range) == "2:4-2:7")
  }

  @Test func rangesAfterMultibyteCharacters() throws {
    let (node, _, file) = YAMLFixture.parse("é: \"ü\"\nb: 😀 x\n")
    let pairs = try #require(node?.pairs)
    #expect(YAMLFixture.span(pairs[0].keyRange) == "1:1-1:2")
    #expect(pairs[0].keyRange.end.offset == 2)
    #expect(YAMLFixture.span(pairs[0].value.range) == "1:4-1:7")
    #expect(pairs[0].value.range.start.offset == 4)
    #expect(pairs[0].value.range.end.offset == 8)
    #expect(YAMLFixture.span(pairs[1].value.range) == "2:4-2:7")
    #expect(pairs[1].value.range.start.offset == 12)
    #expect(pairs[1].value.scalar?.text == "😀 x")
    #expect(file.lineText(2) == "b: 😀 x")
  }

  /// Positions from libyaml's marks agree with `SourceFile`'s own arithmetic, also far
  /// into a long non-ASCII file (past many 64-scalar checkpoints).
  @Test func markPositionsAgreeWithSourceFile() throws {
    var text = ""
    for i in 0..<300 { text += "k\(i)é: [ü\(i), \"😀\", 'ß']  # ñ\n" }
    let (node, _, file) = YAMLFixture.parse(text)
    let pairs = try #require(node?.pairs)
    #expect(pairs.count == 300)
    for (i, pair) in pairs.enumerated() {
      #expect(pair.keyRange.start == file.position(ofByte: pair.keyRange.start.offset))
      #expect(pair.keyRange.start.line == i + 1)
      for item in pair.value.items! {
        #expect(item.range.start == file.position(ofByte: item.range.start.offset))
        #expect(item.range.end == file.position(ofByte: item.range.end.offset))
      }
    }
    #expect(YAMLFixture.span(pairs[299].value.items![1].range) == "300:15-300:18")
  }

  @Test func rangesWithCRLF() throws {
    let (node, _, file) = YAMLFixture.parse("a: 1\r\nb: 2\r\n")
    let pairs = try #require(node?.pairs)
    #expect(YAMLFixture.span(pairs[1].keyRange) == "2:1-2:2")
    #expect(pairs[1].keyRange.start.offset == 6)
    #expect(pairs[1].value.range.start.offset == 9)
    #expect(file.lineText(1) == "a: 1")
  }

  /// A UTF-8 byte-order mark is accepted and is not a column: the first key is at 1:1.
  @Test func rangesWithByteOrderMark() throws {
    let (node, diags, file) = YAMLFixture.parse(bytes: [0xEF, 0xBB, 0xBF] + Array("a: 1\nb: é\n".utf8))
    #expect(diags.isEmpty)
    let pairs = try #require(node?.pairs)
    #expect(YAMLFixture.span(pairs[0].keyRange) == "1:1-1:2")
    #expect(pairs[0].keyRange.start.offset == 3)
    #expect(YAMLFixture.span(pairs[0].value.range) == "1:4-1:5")
    #expect(pairs[0].value.range.start.offset == 6)
    #expect(YAMLFixture.span(pairs[1].value.range) == "2:4-2:5")
    #expect(file.lineText(1) == "a: 1")
  }

  @Test func lineBreakCharactersOtherThanLFAndCRDoNotShiftLines() throws {
    // libyaml counts U+2028 as a line break; dlc's lines (and editors') do not.
    let pairs = try #require(YAMLFixture.parse("a: \"x\u{2028}y\"\nb: 1\n").node?.pairs)
    #expect(YAMLFixture.span(pairs[1].keyRange) == "2:1-2:2")
  }

  @Test func aliasesAreExpanded() throws {
    let pairs = try #require(YAMLFixture.parse("base: &b {x: 1}\nuse: *b\n").node?.pairs)
    #expect(pairs[1].value.pairs?.first?.key == "x")
    #expect(pairs[1].value.pairs?.first?.value.scalar?.resolved == .int(1))
    #expect(YAMLFixture.span(pairs[1].value.range) == "2:6-2:8")
    // The anchored node's range starts at its content, not at the anchor.
    #expect(YAMLFixture.span(pairs[0].value.range) == "1:10-1:16")
  }

  @Test func coreTagsAreAccepted() throws {
    let pairs = try #require(YAMLFixture.parse("a: !!str 123\nb: !!float 1\nc: !!map {x: 1}\nd: &n !!null ~\n").node?.pairs)
    #expect(pairs[0].value.scalar?.resolved == .string("123"))
    #expect(YAMLFixture.span(pairs[0].value.range) == "1:10-1:13")
    #expect(pairs[1].value.scalar?.resolved == .float(1))
    #expect(pairs[2].value.pairs?.count == 1)
    #expect(YAMLFixture.span(pairs[2].value.range) == "3:10-3:16")
    #expect(pairs[3].value.scalar?.resolved == .null)
  }

  @Test func emptyStreamIsANullScalar() throws {
    for text in ["", "# only a comment\n", "\n\n  \n"] {
      let (node, diags, _) = YAMLFixture.parse(text)
      #expect(diags.isEmpty)
      let root = try #require(node)
      #expect(root.scalar?.resolved == .null)
      #expect(YAMLFixture.span(root.range) == "1:1-1:1")
    }
  }

  @Test func explicitSingleDocument() throws {
    let (node, diags, _) = YAMLFixture.parse("---\na: 1\n...\n# end\n")
    #expect(diags.isEmpty)
    #expect(node?.pairs?.first?.key == "a")
  }

  @Test func quotedMergeKeyIsAnOrdinaryKey() throws {
    #expect(YAMLFixture.parse("\"<<\": 1\n").node?.pairs?.first?.key == "<<")
  }
}

/// Parsing helpers shared by the YAML test files.
enum YAMLFixture {
  /// Parses `text` as the file `t.yaml`.
  static func parse(_ text: String, limits: YAMLLimits = YAMLLimits()) -> (node: Node?, diags: [Diagnostic], file: SourceFile) {
    parse(bytes: Array(text.utf8), limits: limits)
  }

  /// Parses raw bytes as the file `t.yaml`.
  static func parse(bytes: [UInt8], limits: YAMLLimits = YAMLLimits()) -> (node: Node?, diags: [Diagnostic], file: SourceFile) {
    let file = SourceFile(path: "t.yaml", bytes: bytes)
    let engine = DiagnosticEngine()
    let node = YAMLReader.parse(file, limits: limits, diagnostics: engine)
    return (node, engine.diagnostics, file)
  }

  /// `id@line:col` of each diagnostic, for compact assertions.
  static func found(_ text: String, limits: YAMLLimits = YAMLLimits()) -> [String] {
    found(bytes: Array(text.utf8), limits: limits)
  }

  static func found(bytes: [UInt8], limits: YAMLLimits = YAMLLimits()) -> [String] {
    let (node, diags, _) = parse(bytes: bytes, limits: limits)
    if !diags.isEmpty && node != nil { return ["a node was returned despite errors"] }
    return diags.map { "\($0.id)@\($0.range.map { "\($0.start)" } ?? "-")" }
  }

  /// `line:col-line:col` of a range.
  static func span(_ r: SourceRange) -> String { "\(r.start)-\(r.end)" }
}
