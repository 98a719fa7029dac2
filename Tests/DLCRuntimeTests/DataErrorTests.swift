/// Data errors print like the compiler's diagnostics.
import Testing
@testable import DLCRuntime
@testable import DLCTraining

@Suite struct DataErrorTests {
  @Test func theTextFormIsTheCompilers() {
    let e = DataError.emptyCell("data/x.csv", line: 4, column: 2, "column 2 ('b')")
    #expect(e.description == "data/x.csv:4:2: error: column 2 ('b') is empty\n  |\n  = help: fill in or drop rows with missing values before training")
  }

  @Test func positionsArePrintedAsFarAsTheyAreKnown() {
    #expect(DataError.npyFortranOrder("x.npy").location == "x.npy")
    #expect(DataError.noRows("a.csv").location == "a.csv:1")
    #expect(DataError.malformedConfig("x").description == "error: the module's data attribute is malformed: x")
  }

  @Test func theDiagnosticKeepsIDPathAndHelp() {
    let d = DataError.raggedRow("a.csv", line: 3, column: 2, fields: 1, columns: 2).diagnostic
    #expect(d.id == "data.raggedRow")
    #expect(d.path == "a.csv:3:2")
    #expect(d.range == nil)
    #expect(d.message.text == "the row has 1 field, the header has 2 columns")
  }

  @Test func quotedFileContentIsShortAndEscaped() {
    let e = DataError.notANumber("a.csv", line: 2, column: 1, "column 1 ('a')", String(repeating: "x", count: 100) + "\u{1B}")
    #expect(e.message == "column 1 ('a') holds '\(String(repeating: "x", count: 40))…', which is not a number")
    #expect(excerpt("a\u{1B}b") == "a\\u{1b}b")
  }
}
