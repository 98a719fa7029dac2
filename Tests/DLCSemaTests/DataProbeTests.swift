/// What the checker reads of data files, and how it reports their problems.
import DLCIR
import Foundation
import Testing

@Suite struct DataProbeTests {
  @Test func classesAreReadFromTheLabelColumn() throws {
    let f = try SemaFixture(["data.csv": SemaFixture.csv, "spec.yaml": SemaFixture.classifier("    - dense: 3")])
    let (m, diags) = f.check()
    #expect(diags.isEmpty, "\(diags.map(\.message.text))")
    guard case .dict(let data)? = m?.attributes["data"] else { Issue.record("no data attribute"); return }
    #expect(data["classes"] == .int(3))
    #expect(data["features"] == .int(4))
  }

  @Test func aBadLabelIsReportedInTheDataFile() throws {
    let csv = "a,b,c,d,y\n1,2,3,4,0\n5,6,7,8,cat\n"
    let f = try SemaFixture(["data.csv": csv, "spec.yaml": SemaFixture.classifier("    - dense: 3")])
    let (_, diags) = f.check()
    let d = try #require(diags.first)
    #expect(d.id == "sema.dataFormat")
    #expect(d.range?.file.path.hasSuffix("data.csv") == true)
    #expect(d.range?.start.line == 3)
    #expect(d.range?.start.column == 9)
  }

  @Test func givenClassesTheLabelColumnIsNotRead() throws {
    // The bad label would be an error if the column were read.
    let csv = "a,b,c,d,y\n1,2,3,4,0\n5,6,7,8,cat\n"
    let spec = SemaFixture.classifier("    - dense: 3").replacingOccurrences(of: "task: classification", with: "task: classification\n  classes: 3")
    let f = try SemaFixture(["data.csv": csv, "spec.yaml": spec])
    let (m, diags) = f.check()
    #expect(diags.isEmpty, "\(diags.map(\.message.text))")
    #expect(m != nil)
  }

  @Test func aRaggedRowIsReported() throws {
    let csv = "a,b,c,d,y\n1,2,3,4,0\n5,6\n"
    let f = try SemaFixture(["data.csv": csv, "spec.yaml": SemaFixture.classifier("    - dense: 3")])
    let (_, diags) = f.check()
    #expect(diags.first?.id == "sema.dataFormat")
    #expect(diags.first?.range?.start.line == 3)
  }

  @Test func aMissingFileIsReportedAtItsPath() throws {
    let f = try SemaFixture(["spec.yaml": SemaFixture.classifier("    - dense: 3")])
    let (_, diags) = f.check()
    #expect(diags.first?.id == "sema.dataFileUnreadable")
    #expect(diags.first?.message.text.contains("no such file") == true)
    #expect(diags.first?.range?.start.line == 4)
  }

  /// CR, LF and CRLF are line breaks alike: the header ends at the first of them, and the
  /// label column counts the same rows (a CR-only file once read as one long header).
  @Test func everyLineBreakEndsTheHeader() throws {
    for br in ["\r", "\n", "\r\n"] {
      let csv = SemaFixture.csv.replacingOccurrences(of: "\n", with: br)
      let f = try SemaFixture(["data.csv": csv, "spec.yaml": SemaFixture.classifier("    - dense: 3")])
      let (m, diags) = f.check()
      #expect(diags.isEmpty, "\(br.debugDescription): \(diags.map(\.message.text))")
      guard case .dict(let data)? = m?.attributes["data"] else { Issue.record("no data attribute"); continue }
      #expect(data["classes"] == .int(3))
      #expect(data["features"] == .int(4))
    }
  }

  /// A header longer than the first MiB is read whole: the target at its end is found and
  /// every column counted (it was cut at 1 MiB without a word).
  @Test func aHeaderLongerThanAMebibyteIsReadWhole() throws {
    let names = (0..<150_000).map { "feature_\($0)" }
    let csv = (names + ["y"]).joined(separator: ",") + "\n" + Array(repeating: "1", count: 150_001).joined(separator: ",") + "\n"
    #expect(csv.utf8.count > 1 << 21)
    let spec = SemaFixture.classifier("    - dense: 3", input: "[150000]").replacingOccurrences(of: "task: classification", with: "task: classification\n  classes: 3")
    let f = try SemaFixture(["data.csv": csv, "spec.yaml": spec])
    let (m, diags) = f.check()
    #expect(diags.isEmpty, "\(diags.map(\.message.text).prefix(2))")
    guard case .dict(let data)? = m?.attributes["data"] else { Issue.record("no data attribute"); return }
    #expect(data["features"] == .int(150_000))
  }

  /// The IR names every feature column, the default ones too, in feature order.
  @Test func theIRNamesTheFeatureColumns() throws {
    let f = try SemaFixture(["data.csv": "a,y,b,c,d\n1,0,2,3,4\n1,1,2,3,4\n1,2,2,3,4\n", "spec.yaml": SemaFixture.classifier("    - dense: 3")])
    let (m, diags) = f.check()
    #expect(diags.isEmpty, "\(diags.map(\.message.text))")
    guard case .dict(let data)? = m?.attributes["data"] else { Issue.record("no data attribute"); return }
    #expect(data["source"]?["features"] == .list(["a", "b", "c", "d"].map(Attribute.string)))
  }

  @Test func aRepeatedColumnNameIsAnError() throws {
    let f = try SemaFixture(["data.csv": "a,b,a,d,y\n1,2,3,4,0\n", "spec.yaml": SemaFixture.classifier("    - dense: 3")])
    let (_, diags) = f.check()
    #expect(diags.first?.id == "sema.dataFormat")
    #expect(diags.first?.message.text.contains("names column 1 and column 3 both 'a'") == true, "\(diags.map(\.message.text))")
  }

  /// NPY headers are read by the loader's reader: deep nesting and shapes larger than the
  /// file are refused with the place, never a crash.
  @Test(arguments: [
    ("(" + String(repeating: "(", count: 5_000), "at byte 61 of the file"),
    ("(2305843009213693952, 2)", "the shape needs more data bytes than any file can hold"),
    ("(2305843009213693951,)", "the file is truncated: its shape needs 9223372036854775804 data bytes"),
  ])
  func hostileNPYHeadersAreRefused(_ shape: String, _ text: String) throws {
    let f = try SemaFixture(["spec.yaml": Self.npySpec])
    try f.write("x.npy", bytes: Self.npy("<f4", shape, data: [UInt8](repeating: 0, count: 64)))
    try f.write("y.npy", bytes: Self.npy("<i4", "(2,)", data: [UInt8](repeating: 0, count: 8)))
    let (_, diags) = f.check()
    #expect(diags.first?.id == "sema.dataFormat")
    #expect(diags.first?.message.text.contains(text) == true, "\(diags.map(\.message.text))")
  }

  /// An NPY file: magic, version 1.0, header length, header dict, data.
  static func npy(_ descr: String, _ shape: String, fortran: Bool = false, data: [UInt8]) -> [UInt8] {
    var header = "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shape), }"
    while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
    header += "\n"
    let n = header.utf8.count
    return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(n & 0xFF), UInt8(n >> 8)] + Array(header.utf8) + data
  }

  static let npySpec = """
    dlc: 1
    name: t
    data:
      source: {npy: {x: x.npy, y: y.npy}}
      task: classification
    model:
      input: [2, 2]
      layers:
        - flatten
        - dense: 3
    loss: cross_entropy
    train: {optimizer: adam, batch_size: 2, epochs: 1}
    """

  @Test func npyHeadersGiveShapesAndLabelsGiveClasses() throws {
    let x = Self.npy("<f4", "(2, 2, 2)", data: [UInt8](repeating: 0, count: 32))
    let y = Self.npy("<i4", "(2,)", data: [0, 0, 0, 0, 2, 0, 0, 0])
    let f = try SemaFixture(["spec.yaml": Self.npySpec])
    try f.write("x.npy", bytes: x)
    try f.write("y.npy", bytes: y)
    let (m, diags) = f.check()
    #expect(diags.isEmpty, "\(diags.map(\.message.text))")
    guard case .dict(let data)? = m?.attributes["data"] else { Issue.record("no data attribute"); return }
    #expect(data["classes"] == .int(3))
    #expect(data["features"] == .int(4))
  }

  @Test(arguments: [
    (npy("<f4", "(2, 2, 2)", fortran: true, data: []), "Fortran"),
    (npy(">f4", "(2, 2, 2)", data: []), "the array is big-endian ('>f4')"),
    (Array("not numpy at all".utf8), "does not start with the NPY magic number"),
    (Array(npy("<f4", "(2, 2, 2)", data: []).prefix(20)), "the header is truncated"),
  ])
  func brokenNPYFilesAreReported(_ bytes: [UInt8], _ text: String) throws {
    let f = try SemaFixture(["spec.yaml": Self.npySpec])
    try f.write("x.npy", bytes: bytes)
    try f.write("y.npy", bytes: Self.npy("<i4", "(2,)", data: [UInt8](repeating: 0, count: 8)))
    let (_, diags) = f.check()
    #expect(diags.first?.id == "sema.dataFormat")
    #expect(diags.first?.message.text.contains(text) == true, "\(diags.map(\.message.text))")
  }
}
