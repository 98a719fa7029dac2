/// The header of an NPY file (numpy's format, versions 1–3): dtype, order and shape.
import DLCSyntax

/// A parsed NPY header.
struct NPYHeader {
  var descr: String
  var fortranOrder: Bool
  var shape: [Int]
  var dataOffset: Int

  static let supported = ["<f4": 4, "<f8": 8, "<i4": 4, "<i8": 8, "|u1": 1, "|i1": 1, "<i2": 2, "<u2": 2]

  /// Parses the header at the start of `b`.
  static func parse(_ b: [UInt8]) -> Result<NPYHeader, FileReadError> {
    func fail(_ s: String) -> Result<NPYHeader, FileReadError> { .failure(FileReadError(reason: s)) }
    guard b.count >= 10, b[0] == 0x93, Array(b[1..<6]) == Array("NUMPY".utf8) else { return fail("no NPY magic number") }
    let major = b[6]
    let (len, start): (Int, Int)
    switch major {
    case 1: (len, start) = (Int(b[8]) | Int(b[9]) << 8, 10)
    case 2, 3:
      guard b.count >= 12 else { return fail("truncated header") }
      (len, start) = (Int(b[8]) | Int(b[9]) << 8 | Int(b[10]) << 16 | Int(b[11]) << 24, 12)
    default: return fail("unknown format version \(major)")
    }
    guard len < 1 << 20, start + len <= b.count else { return fail("truncated header") }
    let text = String(decoding: b[start..<start + len], as: UTF8.self)
    guard let descr = value(of: "descr", in: text)?.trimmingCharacters(in: "'\" ") else { return fail("header has no 'descr'") }
    guard supported[descr] != nil else {
      return fail("dtype '\(descr)' is not supported (use little-endian float32/float64 or integers)")
    }
    let fortran = value(of: "fortran_order", in: text)?.trimmingCharacters(in: " ") == "True"
    if fortran { return fail("Fortran-ordered arrays are not supported; save with numpy.ascontiguousarray") }
    guard let shapeText = value(of: "shape", in: text) else { return fail("header has no 'shape'") }
    let dims = shapeText.trimmingCharacters(in: "() ").split(separator: ",").map { $0.trimmingCharacters(in: " ") }.filter { !$0.isEmpty }
    let shape = dims.compactMap { Int($0) }
    guard shape.count == dims.count, !shape.isEmpty, shape.allSatisfy({ $0 >= 0 }) else { return fail("bad shape '\(shapeText)'") }
    guard fitsInBytes(shape, itemSize: supported[descr]!) else { return fail("shape '\(shapeText)' is too large") }
    return .success(NPYHeader(descr: descr, fortranOrder: fortran, shape: shape, dataOffset: start + len))
  }

  /// Whether every product of dimensions, times the item size, fits an `Int` (a zero
  /// dimension counts as one), so no later size computation can overflow.
  static func fitsInBytes(_ shape: [Int], itemSize: Int) -> Bool {
    var bound = itemSize
    for d in shape {
      let (p, overflow) = bound.multipliedReportingOverflow(by: max(d, 1))
      if overflow { return false }
      bound = p
    }
    return true
  }

  /// The text after `'key':` up to the next top-level comma.
  private static func value(of key: String, in text: String) -> String? {
    let needle = Array("'\(key)':")
    let chars = Array(text)
    guard let at = chars.indices.first(where: { chars[$0...].starts(with: needle) }) else { return nil }
    var depth = 0
    var out = ""
    for c in chars[(at + needle.count)...] {
      if c == "(" { depth += 1 }
      if c == ")" { depth -= 1 }
      if (c == "," && depth == 0) || c == "}" { break }
      out.append(c)
    }
    return out
  }

  /// All values as integers, or nil if any is not a non-negative integer or the data is truncated.
  static func integers(_ b: [UInt8], _ h: NPYHeader) -> [Int]? {
    let size = supported[h.descr]!
    let count = h.shape.reduce(1, *)
    guard count * size <= b.count - h.dataOffset else { return nil }
    var out: [Int] = []
    out.reserveCapacity(count)
    for i in 0..<count {
      let o = h.dataOffset + i * size
      var bits: UInt64 = 0
      for k in 0..<size { bits |= UInt64(b[o + k]) << (8 * UInt64(k)) }
      let v: Double
      switch h.descr {
      case "<f4": v = Double(Float(bitPattern: UInt32(bits)))
      case "<f8": v = Double(bitPattern: bits)
      case "<i4": v = Double(Int32(bitPattern: UInt32(bits)))
      case "<i8": v = Double(Int64(bitPattern: bits))
      case "<i2": v = Double(Int16(bitPattern: UInt16(bits)))
      case "|i1": v = Double(Int8(bitPattern: UInt8(bits)))
      default: v = Double(bits)
      }
      guard v >= 0, v == v.rounded(), v < 1e9 else { return nil }
      out.append(Int(v))
    }
    return out
  }
}

extension StringProtocol {
  func trimmingCharacters(in set: String) -> String {
    var s = Substring(self)
    while let f = s.first, set.contains(f) { s = s.dropFirst() }
    while let l = s.last, set.contains(l) { s = s.dropLast() }
    return String(s)
  }
}
