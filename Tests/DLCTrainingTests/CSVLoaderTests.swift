/// CSV loading: what is accepted, and every error at its exact line and field.
import Foundation
import Testing
import _DLCTestSupport
@testable import DLCTraining

@Suite struct CSVLoaderTests {
  @Test func featuresAreEveryColumnButTheTarget() throws {
    let d = try DataFixture().loadCSV("a,y,b\n1,0,2\n3.5,2,-4e-1\n")
    #expect(d.count == 2)
    #expect(d.sampleShape == [2])
    #expect(d.x == [1, 2, 3.5, -0.4])
    #expect(d.y == .classes([0, 2]))
  }

  @Test func anExplicitFeatureListChoosesAndOrdersColumns() throws {
    let d = try DataFixture().loadCSV("a,b,c,y\n1,2,3,1\n", features: ["c", "a"])
    #expect(d.x == [3, 1])
  }

  @Test func regressionTakesSeveralTargets() throws {
    let d = try DataFixture().loadCSV("a,t1,t2\n1,0.5,2\n2,1.5,3\n", task: .regression, classes: nil, target: ["t1", "t2"])
    #expect(d.y == .values([0.5, 2, 1.5, 3], width: 2))
    #expect(d.targetWidth == 2)
  }

  @Test func reconstructionKeepsOnlyFeatures() throws {
    let d = try DataFixture().loadCSV("a,b\n1,2\n", task: .reconstruction, classes: nil, target: [])
    #expect(d.y == .reconstruction)
    #expect(d.x == [1, 2])
  }

  @Test func quotesCRLFByteOrderMarkAndNoFinalNewline() throws {
    let text = "\u{FEFF}\"a,\"\"1\"\"\",y\r\n\"1.5\",1\r\n\r\n 2 ,\"2\""
    let f = try DataFixture()
    let path = try f.write("q.csv", text)
    let d = try CSVLoader.load(path: path, target: ["y"], features: ["a,\"1\""], task: .classification, classes: 3)
    #expect(d.x == [1.5, 2])
    #expect(d.y == .classes([1, 2]))
  }

  /// CR, LF and CRLF end rows alike, mixed in one file, on the fast and the general path
  /// (the quoted cell sends its row to the general one).
  @Test func everyLineBreakEndsARow() throws {
    let d = try DataFixture().loadCSV("a,y,b\r1,0,2\r3.5,2,-4e-1\n5,1,\"6\"\r\n7,0,8\r\r9,1,10")
    #expect(d.x == [1, 2, 3.5, -0.4, 5, 6, 7, 8, 9, 10])
    #expect(d.y == .classes([0, 2, 1, 0, 1]))
    let e = try #require(try DataFixture().csvError("a,y,b\r1,0,2\r3,x,4\r"))
    #expect(e.location.hasSuffix("data.csv:3:2"), "\(e.location)")
  }

  /// A name used twice in the header is an error at its second column: columns are matched by name.
  @Test func aRepeatedColumnNameIsAnError() throws {
    let e = try #require(try DataFixture().csvError("a,y,b,a\n1,0,2,3\n"))
    #expect(e.id == "data.duplicateColumn")
    #expect(e.location.hasSuffix("data.csv:1:4"))
    #expect(e.message == "column 4 of the header has the name 'a' of column 1")
  }

  /// A named feature missing from the header names itself and its place among the features.
  @Test func aMissingFeatureColumnSaysWhichFeature() throws {
    do {
      _ = try DataFixture().loadCSV("a,b,y\n1,2,0\n", features: ["b", "c", "a"])
      Issue.record("no error")
    } catch let error as DataError {
      #expect(error.id == "data.columnNotFound")
      #expect(error.message == "the header has no column 'c' (the model's feature 2 of 3)")
    }
  }

  /// Many rows through the fast path agree with the general path's parser on every cell.
  @Test func longFilesParseEveryCellLikeStrtof() throws {
    var rng = SplitMix64(seed: 5)
    var text = "a,b,c,y\n"
    var want: [Float] = []
    for _ in 0..<3_000 {
      var cells: [String] = []
      for _ in 0..<3 {
        let v = Double(Int64.random(in: -10_000_000...10_000_000, using: &rng)) / pow(10, Double(Int.random(in: 0...9, using: &rng)))
        let cell = String(format: "%.\(Int.random(in: 1...12, using: &rng))g", v)
        cells.append(cell)
        want.append(strtof(cell, nil))
      }
      text += cells.joined(separator: ",") + ",\(Int.random(in: 0...2, using: &rng))\n"
    }
    let d = try DataFixture().loadCSV(text)
    #expect(d.count == 3_000)
    #expect(d.x.map(\.bitPattern) == want.map(\.bitPattern))
  }

  @Test func numbersParseToTheNearestFloat() throws {
    let cells = ["0.1", "1e-45", "3.4028235e38", "123456789012345678901234", "-0", "0.30000000000000004", ".5", "7.", "1E3"]
    let text = cells.joined(separator: ",") + ",y\n" + cells.joined(separator: ",") + ",0\n"
    let d = try DataFixture().loadCSV(text)
    #expect(d.x == cells.map { Float($0)! })
  }

  @Test func aRaggedRowIsReportedAtItsFirstMissingField() throws {
    let e = try #require(try DataFixture().csvError("a,b,y\n1,2,0\n1,2\n"))
    #expect(e.id == "data.raggedRow")
    #expect((e.line, e.column) == (3, 3))
    #expect(e.message == "the row has 2 fields, the header has 3 columns")
  }

  @Test func aRowWithTooManyFieldsIsReportedAtTheFirstExtraOne() throws {
    let e = try #require(try DataFixture().csvError("a,b,y\n1,2,0,9\n"))
    #expect(e.id == "data.raggedRow")
    #expect((e.line, e.column) == (2, 4))
  }

  @Test func aNonNumericCellNamesItsColumn() throws {
    let e = try #require(try DataFixture().csvError("a,b,y\n1,2,0\n1,x7,1\n"))
    #expect(e.id == "data.notANumber")
    #expect((e.line, e.column) == (3, 2))
    #expect(e.message == "column 2 ('b') holds 'x7', which is not a number")
    #expect(e.description.hasPrefix(e.path + ":3:2: error: column 2 ('b')"))
  }

  @Test func anEmptyCellIsReported() throws {
    let e = try #require(try DataFixture().csvError("a,b,y\n1,,0\n"))
    #expect(e.id == "data.emptyCell")
    #expect((e.line, e.column) == (2, 2))
  }

  @Test(arguments: ["nan", "NaN", "inf", "-Infinity", "1e39"])
  func nonFiniteCellsAreReported(cell: String) throws {
    let e = try #require(try DataFixture().csvError("a,b,y\n1,2,0\n3,\(cell),1\n"))
    #expect(e.id == "data.nonFinite")
    #expect((e.line, e.column) == (3, 2))
  }

  @Test func aMissingTargetColumnListsTheColumns() throws {
    let e = try #require(try DataFixture().csvError("a,b,label\n1,2,0\n"))
    #expect(e.id == "data.columnNotFound")
    #expect(e.line == 1)
    #expect(e.message == "the header has no column 'y'")
    #expect(e.help == "the columns are 'a', 'b', 'label'")
  }

  @Test(arguments: [("3", 3), ("-1", 3), ("1.5", 3), ("cat", 3), ("10", 10)])
  func badClassLabelsAreReported(label: String, classes: Int) throws {
    let e = try #require(try DataFixture().csvError("a,y\n1,0\n2,\(label)\n", classes: classes))
    #expect(e.id == "data.classLabel")
    #expect((e.line, e.column) == (3, 2))
    #expect(e.message == "column 2 ('y') holds '\(label)', which is not a class index in 0..<\(classes)")
  }

  @Test func labelsWrittenAsWholeFloatsAreClasses() throws {
    #expect(try DataFixture().loadCSV("a,y\n1,2.0\n").y == .classes([2]))
  }

  @Test func anEmptyFileAndAHeaderOnlyFileAreReported() throws {
    #expect(try DataFixture().csvError("")?.id == "data.emptyFile")
    #expect(try DataFixture().csvError("\u{FEFF}\n\n")?.id == "data.emptyFile")
    let e = try #require(try DataFixture().csvError("a,y\n"))
    #expect(e.id == "data.noRows")
  }

  @Test func aMissingFileIsReportedWithItsPath() throws {
    let f = try DataFixture()
    do {
      _ = try CSVLoader.load(path: f.root + "/nope.csv", target: ["y"], features: nil, task: .classification, classes: 3)
      Issue.record("no error")
    } catch {
      #expect(error.id == "data.fileUnreadable")
      #expect(error.message == "cannot read '\(f.root)/nope.csv': no such file or directory")
    }
    do {
      _ = try CSVLoader.load(path: f.root, target: ["y"], features: nil, task: .classification, classes: 3)
      Issue.record("no error")
    } catch {
      #expect(error.message.hasSuffix("it is a directory"))
    }
  }

  @Test func anUnclosedQuoteIsReportedWhereItOpens() throws {
    let e = try #require(try DataFixture().csvError("a,y\n1,0\n\"2,\n1\n"))
    #expect(e.id == "data.csvSyntax")
    #expect((e.line, e.column) == (3, 1))
  }

  @Test func textAfterAClosingQuoteIsReported() throws {
    let e = try #require(try DataFixture().csvError("a,y\n\"1\"x,0\n"))
    #expect(e.id == "data.csvSyntax")
    #expect((e.line, e.column) == (2, 1))
  }

  @Test func lineNumbersCountLineBreaksInsideQuotes() throws {
    let e = try #require(try DataFixture().csvError("\"a\nb\",y\n1,0\n1,x\n"))
    #expect(e.id == "data.classLabel")
    #expect(e.line == 4)
    #expect(e.message.hasPrefix("column 2 ('y')"))
  }

  @Test func classificationWithTwoTargetsIsRejected() throws {
    #expect(throws: DataError.self) { try DataFixture().loadCSV("a,y,z\n1,0,1\n", target: ["y", "z"]) }
  }
}
