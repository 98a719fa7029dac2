/// NPY loading: the dtypes and versions read, and every rejection.
import Testing
@testable import DLCTraining

@Suite struct NPYLoaderTests {
  /// Writes x (float32 `[n, f]`) and y (`yDescr` with `yBytes`) and loads them.
  private func load(
    _ f: DataFixture, x: [Float], xShape: [Int], yDescr: String = "<i8", yShape: [Int]? = nil, yBytes: [UInt8]? = nil,
    task: DataTask = .classification, classes: Int? = 3, sampleShape: [Int]? = nil
  ) throws -> Dataset {
    let xp = try f.write("x.npy", DataFixture.npy(header: DataFixture.npyHeader("<f4", xShape), data: DataFixture.f32(x)))
    let n = xShape[0]
    let yb = yBytes ?? TensorData.littleEndianBytes((0..<n).map { Int64($0 % 3) })
    let yp = try f.write("y.npy", DataFixture.npy(header: DataFixture.npyHeader(yDescr, yShape ?? [n]), data: yb))
    return try NPYLoader.load(x: xp, y: task == .reconstruction ? nil : yp, task: task, classes: classes, sampleShape: sampleShape)
  }

  /// The error of loading a features file with `header` and `data`.
  private func xError(_ header: String, _ data: [UInt8], version: UInt8 = 1) throws -> DataError? {
    let f = try DataFixture()
    let xp = try f.write("x.npy", DataFixture.npy(header: header, data: data, version: version))
    do {
      _ = try NPYLoader.load(x: xp, y: nil, task: .reconstruction, classes: nil, sampleShape: nil)
      return nil
    } catch { return error }
  }

  @Test func featuresAndLabelsLoad() throws {
    let d = try load(DataFixture(), x: [1, 2, 3, 4, 5, 6], xShape: [3, 2])
    #expect(d.count == 3)
    #expect(d.sampleShape == [2])
    #expect(d.x == [1, 2, 3, 4, 5, 6])
    #expect(d.y == .classes([0, 1, 2]))
  }

  @Test func theModelShapeIsTakenWhenTheCountsAgree() throws {
    let d = try load(DataFixture(), x: [Float](repeating: 0, count: 8), xShape: [2, 4], sampleShape: [1, 2, 2])
    #expect(d.sampleShape == [1, 2, 2])
    #expect(throws: DataError.self) { try load(DataFixture(), x: [Float](repeating: 0, count: 8), xShape: [2, 4], sampleShape: [3]) }
  }

  @Test(arguments: [
    ("<f8", TensorData.littleEndianBytes([1.0, 2.0, 0.0].map { (v: Double) in v.bitPattern })),
    ("<i4", TensorData.littleEndianBytes([Int32(1), 2, 0])), ("<i2", TensorData.littleEndianBytes([Int16(1), 2, 0])),
    ("|i1", [1, 2, 0]), ("|u1", [1, 2, 0]), ("<f4", DataFixture.f32([1, 2, 0])),
  ])
  func labelDtypes(descr: String, bytes: [UInt8]) throws {
    let d = try load(DataFixture(), x: [0, 0, 0], xShape: [3, 1], yDescr: descr, yBytes: bytes)
    #expect(d.y == .classes([1, 2, 0]))
  }

  @Test func boolAndColumnLabelsAndRegressionTargets() throws {
    let f = try DataFixture()
    #expect(try load(f, x: [0, 0], xShape: [2, 1], yDescr: "|b1", yBytes: [1, 0], classes: 2).y == .classes([1, 0]))
    #expect(try load(f, x: [0, 0], xShape: [2, 1], yShape: [2, 1], yBytes: TensorData.littleEndianBytes([Int64(2), 1])).y == .classes([2, 1]))
    let r = try load(f, x: [0, 0], xShape: [2, 1], yDescr: "<f4", yShape: [2, 2], yBytes: DataFixture.f32([1, 2, 3, 4]), task: .regression)
    #expect(r.y == .values([1, 2, 3, 4], width: 2))
  }

  @Test func labelsOutsideTheClassesAreReported() throws {
    do {
      _ = try load(DataFixture(), x: [0, 0, 0], xShape: [3, 1], yBytes: TensorData.littleEndianBytes([Int64(0), 1, 3]))
      Issue.record("no error")
    } catch let error as DataError {
      #expect(error.id == "data.classLabel")
      #expect(error.message == "the label of sample 2 holds '3', which is not a class index in 0..<3")
    }
  }

  @Test func sampleCountsMustAgree() throws {
    do {
      _ = try load(DataFixture(), x: [0, 0, 0], xShape: [3, 1], yShape: [2], yBytes: TensorData.littleEndianBytes([Int64(0), 1]))
      Issue.record("no error")
    } catch let error as DataError {
      #expect(error.id == "data.npySampleCount")
      #expect(error.path.hasSuffix("y.npy"))
    }
  }

  @Test func versionsTwoAndThreeAreRead() throws {
    for v: UInt8 in [2, 3] { #expect(try xError(DataFixture.npyHeader("<f4", [1, 2]), DataFixture.f32([1, 2]), version: v) == nil) }
  }

  @Test(arguments: [
    ("{'descr': '>f4', 'fortran_order': False, 'shape': (1, 2), }", "data.npyBigEndian"),
    ("{'descr': '<c8', 'fortran_order': False, 'shape': (1, 1), }", "data.npyDtype"),
    ("{'descr': '<u4', 'fortran_order': False, 'shape': (1, 2), }", "data.npyDtype"),
    ("{'descr': '<f4', 'fortran_order': True, 'shape': (1, 2), }", "data.npyFortranOrder"),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", "data.npyTruncated"),
    ("{'descr': '<f4', 'shape': (1, 2), }", "data.npyHeader"),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (1, -2), }", "data.npyHeader"),
    ("['descr', '<f4']", "data.npyHeader"),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", "data.npyShape"),
    // Deep nesting once overflowed the stack of `train` and `predict`; huge shapes trapped.
    ("{'descr': '<f4', 'fortran_order': False, 'shape': " + String(repeating: "(", count: 9_000), "data.npyHeader"),
    (String(repeating: "{", count: 9_000), "data.npyHeader"),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (2305843009213693952,), }", "data.npyTooLarge"),
    ("{'descr': '|u1', 'fortran_order': False, 'shape': (2305843009213693952,), }", "data.npyTruncated"),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", "data.npyTooLarge"),
  ])
  func badHeadersAreRejected(header: String, id: String) throws {
    #expect(try xError(header, DataFixture.f32([1, 2]))?.id == id)
  }

  /// A version 2 header of a million nested tuples (which overflowed the stack of `train`
  /// and `predict`) is refused by numpy's header length limit before it is parsed.
  @Test func aMillionNestedTuplesAreRefused() throws {
    let header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + String(repeating: "(", count: 1_000_000)
    let e = try #require(try xError(header, DataFixture.f32([1, 2]), version: 2))
    #expect(e.id == "data.npyHeader")
    #expect(e.message.hasSuffix("bytes long; numpy reads at most 10000 (at byte 8 of the file)"), "\(e.message)")
  }

  /// Header problems say at which byte of the file they are.
  @Test func headerProblemsArePositioned() throws {
    let e = try #require(try xError("{'descr': '<f4', 'fortran_order': False, 'shape': ((1,), 2), }", DataFixture.f32([1, 2])))
    #expect(e.id == "data.npyHeader")
    #expect(e.message == "not a valid NPY file: expected a size (an integer ≥ 0) in the shape tuple (at byte 61 of the file)")
  }

  @Test func badMagicAndVersionAreRejected() throws {
    let f = try DataFixture()
    for bytes in [Array("not an npy file at all".utf8), [0x93] + Array("NUMPY".utf8) + [9, 0, 0, 0]] {
      let p = try f.write("bad.npy", bytes)
      #expect(throws: DataError.self) { try NPYLoader.load(x: p, y: nil, task: .reconstruction, classes: nil, sampleShape: nil) }
    }
  }

  @Test func nonFiniteFeaturesNameTheirSample() throws {
    let e = try #require(try xError(DataFixture.npyHeader("<f4", [2, 2]), DataFixture.f32([1, 2, 3, .nan])))
    #expect(e.id == "data.nonFinite")
    #expect(e.message == "sample 1, element 1 holds 'nan', which is not a finite number")
  }
}
