/// The plain-row reader: it gives up on anything that is not a plain row, and it never
/// reads past the end of the file (input placed before an unreadable page).
import Testing
import _DLCTestSupport
@testable import DLCBasics
@testable import DLCTraining

@Suite struct CSVFastRowTests {
  /// The row `text` read as `columns` feature columns, or nil when the row is not plain.
  private func parse(_ text: String, columns: Int) -> [Float]? {
    let slots = (0..<columns).map(Int32.init)
    var out = [Float](repeating: .nan, count: columns)
    let end = withBytesBeforeGuardPage(Array(text.utf8)) { p, n in
      slots.withUnsafeBufferPointer { s in
        out.withUnsafeMutableBufferPointer { o in
          CSVFastRows.parseRow(p, count: n, from: 0, slots: s, out: o, featureCount: columns)
        }
      }
    }
    return end == nil ? nil : out
  }

  @Test func aPlainLastRowWithoutLineBreakIsRead() {
    #expect(parse("1,2,3", columns: 3) == [1, 2, 3])
    #expect(parse("1,2.5,-3e1", columns: 3) == [1, 2.5, -30])
  }

  /// Found by fuzzing: a short last row made the reader step past the end of the file.
  @Test func aLastRowThatEndsBeforeItsLastColumnIsNotPlain() {
    #expect(parse("2,1", columns: 3) == nil)
    #expect(parse("2,1.5", columns: 3) == nil)
    #expect(parse("2,", columns: 3) == nil)
    #expect(parse("2", columns: 2) == nil)
  }

  @Test func aShortLastRowIsReportedAsRagged() throws {
    let e = try #require(try DataFixture().csvError("a,b,y\n1,2"))
    #expect(e.id == "data.raggedRow")
    #expect((e.line, e.column) == (2, 3))
  }
}
