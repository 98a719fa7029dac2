/// Line tables, byte ↔ position conversion (columns in Unicode scalars), CRLF and the BOM.
@testable import DLCSyntax
import Testing

@Suite struct SourceFileTests {
  @Test func linesAndTheirText() {
    let file = SourceFile(path: "a.yaml", text: "one\r\ntwo\rthree\nfour")
    #expect(file.lineCount == 4)
    #expect((1...4).map(file.lineText) == ["one", "two", "three", "four"])
    #expect(file.lineText(0) == "" && file.lineText(5) == "")
    #expect(SourceFile(path: "a", text: "x\n").lineCount == 2)
    #expect(SourceFile(path: "a", text: "").lineCount == 1)
  }

  @Test func positionsCountScalars() {
    let file = SourceFile(path: "a.yaml", text: "é😀x\nab")
    #expect(file.position(ofByte: 0).description == "1:1")
    #expect(file.position(ofByte: 2).description == "1:2")
    #expect(file.position(ofByte: 6).description == "1:3")
    #expect(file.position(ofByte: 8) == SourcePosition(line: 2, column: 1, offset: 8))
    #expect(file.position(ofByte: 99) == SourcePosition(line: 2, column: 3, offset: 10))
  }

  @Test func byteOffsetRoundTrips() {
    let file = SourceFile(path: "a.yaml", text: "é😀x\r\nab")
    for offset in [0, 2, 6, 9, 10, 11] {
      let p = file.position(ofByte: offset)
      #expect(file.byteOffset(line: p.line, column: p.column) == offset)
    }
    #expect(file.byteOffset(line: 1, column: 50) == 7)  // clamped to the line
    #expect(file.byteOffset(line: 9, column: 1) == file.bytes.count)
  }

  @Test func byteOrderMarkIsNotAColumn() {
    let file = SourceFile(path: "a.yaml", bytes: [0xEF, 0xBB, 0xBF] + Array("ab\ncd".utf8))
    #expect(file.lineText(1) == "ab")
    #expect(file.position(ofByte: 0).description == "1:1")
    #expect(file.position(ofByte: 3).description == "1:1")
    #expect(file.position(ofByte: 4).description == "1:2")
    #expect(file.position(ofByte: 7).description == "2:2")
    #expect(file.byteOffset(line: 1, column: 1) == 3)
  }

  @Test func rangesAndUnion() {
    let file = SourceFile(path: "specs/m.yaml", text: "abc\ndef\n")
    let a = file.range(fromByte: 1, toByte: 2)
    let b = file.range(fromByte: 5, toByte: 7)
    #expect(a.description == "specs/m.yaml:1:2")
    let u = a.union(b)
    #expect(u.start.offset == 1 && u.end.offset == 7)
    #expect(file.range(fromByte: 3, toByte: 1).end.offset == 3)  // never inverted
  }
}
