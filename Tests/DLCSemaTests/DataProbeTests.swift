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
    (npy(">f4", "(2, 2, 2)", data: []), "dtype '>f4' is not supported"),
    (Array("not numpy at all".utf8), "no NPY magic number"),
    (Array(npy("<f4", "(2, 2, 2)", data: []).prefix(20)), "truncated header"),
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
