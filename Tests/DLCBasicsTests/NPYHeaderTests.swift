/// The one NPY header reader of the checker and the loader: the headers numpy writes,
/// and hostile ones — deep nesting, huge lengths, shapes whose size overflows or exceeds
/// the file — refused with a problem that says where, in time linear in the header.
import DLCBasics
import Testing

@Suite struct NPYHeaderTests {
  /// An NPY file (version `version`) with `header` padded as numpy pads it, and `data`.
  static func file(_ header: String, version: UInt8 = 1, data: Int = 0) -> [UInt8] {
    var h = Array(header.utf8)
    let prefix = version == 1 ? 10 : 12
    while (prefix + h.count + 1) % 64 != 0 { h.append(0x20) }
    h.append(0x0A)
    var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0]
    let n = h.count
    out += version == 1 ? [UInt8(n & 0xFF), UInt8(n >> 8)] : (0..<4).map { UInt8((n >> (8 * $0)) & 0xFF) }
    return out + h + [UInt8](repeating: 0, count: data)
  }

  static func parse(_ bytes: [UInt8]) -> Result<NPYHeader, NPYHeaderProblem> { NPYHeader.parse(bytes, fileSize: bytes.count) }

  @Test func numpysHeadersAreRead() throws {
    let b = Self.file("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", data: 48)
    let h = try Self.parse(b).get()
    #expect(h.dtype == .f4 && h.shape == [3, 4] && h.dataOffset == b.count - 48 && h.dataOffset % 64 == 0 && h.dataBytes == 48 && h.count == 12)
    for (header, shape) in [("{'descr': '|u1', 'fortran_order': False, 'shape': (5,), }", [5]),
                            ("{'descr': '<i8', 'fortran_order': True, 'shape': (5,), }", [5]),
                            ("{\"descr\": \"<i2\", \"shape\": (5L,), \"fortran_order\": False}", [5]),
                            ("{'descr': '<f8', 'fortran_order': False, 'shape': (), }", [])] {
      #expect(try Self.parse(Self.file(header, version: 2, data: 40)).get().shape == shape, "\(header)")
    }
  }

  /// 9,000 nested tuples fit numpy's header length and are refused at the second bracket;
  /// 400,000 (a version 2 header) are refused by the length limit before any parsing.
  @Test func deepNestingIsRefusedWhereItStarts() throws {
    let deep = "{'descr': '<f4', 'fortran_order': False, 'shape': " + String(repeating: "(", count: 9_000)
    let at = 10 + deep.utf8.count - 9_000 + 1
    #expect(Self.parse(Self.file(deep)) == .failure(.malformed("expected a size (an integer ≥ 0) in the shape tuple", offset: at)))
    let huge = Self.file(String(repeating: "(", count: 400_000), version: 2)
    guard case .failure(.malformed(let text, offset: 8)) = Self.parse(huge) else { Issue.record("accepted"); return }
    #expect(text.hasPrefix("the header is 400") && text.hasSuffix("bytes long; numpy reads at most 10000"))
    for bad in ["[[[[[[", "{'descr': [[[[[[[", "{'shape': {{{{", "{((((((((("] {
      guard case .failure(.malformed(_, offset: let offset?)) = Self.parse(Self.file(bad)) else {
        Issue.record("'\(bad)' was not refused with a position")
        continue
      }
      #expect((10..<10 + bad.utf8.count).contains(offset), "\(bad): \(offset)")
    }
  }

  /// A shape whose byte count overflows, or exceeds what the file holds, is refused
  /// without allocating anything.
  @Test func shapesLargerThanTheFileAreRefused() {
    let rows = 1 << 61
    #expect(Self.parse(Self.file("{'descr': '<f4', 'fortran_order': False, 'shape': (\(rows),), }", data: 16))
      == .failure(.truncated(needed: nil, available: 16)))
    #expect(Self.parse(Self.file("{'descr': '|u1', 'fortran_order': False, 'shape': (\(rows),), }", data: 16))
      == .failure(.truncated(needed: rows, available: 16)))
    #expect(Self.parse(Self.file("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4), }"))
      == .failure(.truncated(needed: nil, available: 0)))
    #expect(Self.parse(Self.file("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }"))
      == .failure(.malformed("the size is too large", offset: 61)))
    let dims = String(repeating: "1, ", count: 65)
    guard case .failure(.malformed(let text, _)) = Self.parse(Self.file("{'descr': '<f4', 'fortran_order': False, 'shape': (\(dims)), }", data: 4))
    else { Issue.record("65 dimensions accepted"); return }
    #expect(text == "the shape has more than 64 dimensions")
  }

  @Test func problemsSayWhatAndWhere() {
    #expect(Self.parse(Array("not numpy".utf8)) == .failure(.malformed("the file does not start with the NPY magic number", offset: nil)))
    #expect(Self.parse(Self.file("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", data: 4)) == .failure(.bigEndian(">f4")))
    #expect(Self.parse(Self.file("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", data: 8)) == .failure(.dtype("<c8")))
    #expect(Self.parse(Self.file("{'descr': '<f4', 'fortran_order': True, 'shape': (1, 2), }", data: 8)) == .failure(.fortranOrder))
    #expect(Self.parse(Self.file("{'descr': '<f4', 'fortran_order': False, 'shape': (1, -2), }"))
      == .failure(.malformed("expected a size (an integer ≥ 0) in the shape tuple", offset: 64)))
    #expect(NPYHeaderProblem.malformed("x", offset: 63).message == "x (at byte 63 of the file)")
    var cut = Self.file("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", data: 4)
    cut.removeLast(40)
    #expect(Self.parse(cut) == .failure(.malformed("the header is truncated", offset: cut.count)))
  }
}
