/// The header of an NPY file (numpy's format, versions 1.0, 2.0 and 3.0), read the same
/// way by the checker and by the data loader.
///
/// In: the first bytes of a file (at least the header) and the file's size. Out: the dtype,
/// the shape, where the data starts and how many data bytes the shape needs — or a
/// problem with the byte offset in the file where it was found.
///
/// The header is a Python dict literal, `{'descr': '<f4', 'fortran_order': False,
/// 'shape': (3, 4), }`. It is read in one pass without recursion: its length is bounded
/// by numpy's own reading limit, a value is a string, a boolean, an integer or a flat
/// tuple of integers, so hostile nesting is refused at its first extra bracket.
/// See https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html

/// The element types dlc reads.
public enum NPYDtype: String, Sendable, CaseIterable {
  case f4, f8, i1, i2, i4, i8, u1, u2, b1

  /// Bytes per element.
  public var size: Int {
    switch self {
    case .i1, .u1, .b1: return 1
    case .i2, .u2: return 2
    case .f4, .i4: return 4
    case .f8, .i8: return 8
    }
  }

  /// The element at byte `offset` of `raw` as a Double (exact for every type up to 2⁵³).
  @inlinable
  public func double(in raw: UnsafeRawBufferPointer, at offset: Int) -> Double {
    switch self {
    case .f4: return Double(Float(bitPattern: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self).littleEndian))
    case .f8: return Double(bitPattern: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self).littleEndian)
    case .i1: return Double(Int8(bitPattern: raw[offset]))
    case .u1, .b1: return Double(raw[offset])
    case .i2: return Double(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int16.self)))
    case .u2: return Double(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
    case .i4: return Double(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int32.self)))
    case .i8: return Double(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int64.self)))
    }
  }
}

/// Why an NPY header was refused.
public enum NPYHeaderProblem: Error, Sendable, Equatable {
  /// The bytes are not an NPY header; `offset` is the byte of the file where reading stopped.
  case malformed(String, offset: Int?)
  /// A dtype dlc does not read.
  case dtype(String)
  /// A big-endian multi-byte dtype.
  case bigEndian(String)
  /// A multi-dimensional array in Fortran order.
  case fortranOrder
  /// The shape needs more data bytes than the file holds (`needed` nil: more than any file can).
  case truncated(needed: Int?, available: Int)

  /// The problem in words, for a diagnostic.
  public var message: String {
    switch self {
    case .malformed(let text, let offset?): return "\(text) (at byte \(offset) of the file)"
    case .malformed(let text, nil): return text
    case .dtype(let d): return "dtype '\(d)' is not supported (use float32, float64, int8/16/32/64, uint8/16 or bool)"
    case .bigEndian(let d): return "the array is big-endian ('\(d)')"
    case .fortranOrder: return "the array is in Fortran order"
    case .truncated(let needed?, let available):
      return "the file is truncated: its shape needs \(needed) data bytes, it has \(available)"
    case .truncated(nil, let available):
      return "the shape needs more data bytes than any file can hold (the file has \(available))"
    }
  }
}

/// A checked NPY header.
public struct NPYHeader: Sendable, Equatable {
  public var dtype: NPYDtype
  public var shape: [Int]
  /// The byte where the data starts.
  public var dataOffset: Int
  /// The data bytes the shape needs (`dtype.size × ∏ shape`, checked against the file size).
  public var dataBytes: Int

  /// The number of elements (it fits: `dataBytes` does).
  public var count: Int { dataBytes / dtype.size }

  /// numpy refuses to read headers longer than this (`numpy.lib.format._MAX_HEADER_SIZE`).
  public static let maxHeaderLength = 10_000
  /// The most dimensions numpy has (`NPY_MAXDIMS` in numpy 2).
  public static let maxDimensions = 64

  /// Reads the header at the start of `prefix`, the first bytes of a file of `fileSize` bytes.
  public static func parse(_ prefix: [UInt8], fileSize: Int) -> Result<NPYHeader, NPYHeaderProblem> {
    prefix.withUnsafeBufferPointer { parse($0, fileSize: fileSize) }
  }

  /// Reads the header at the start of `b`, the first bytes of a file of `fileSize` bytes.
  public static func parse(_ b: UnsafeBufferPointer<UInt8>, fileSize: Int) -> Result<NPYHeader, NPYHeaderProblem> {
    do {
      return .success(try read(b, fileSize: fileSize))
    } catch {
      return .failure(error)
    }
  }

  /// The steps: magic and version, the dict, its three keys, the data size.
  private static func read(_ b: UnsafeBufferPointer<UInt8>, fileSize: Int) throws(NPYHeaderProblem) -> NPYHeader {
    let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
    guard b.count >= 10, (0..<6).allSatisfy({ b[$0] == magic[$0] }) else {
      throw .malformed("the file does not start with the NPY magic number", offset: nil)
    }
    let length: Int, start: Int
    switch b[6] {
    case 1: (length, start) = (Int(b[8]) | Int(b[9]) << 8, 10)
    case 2, 3:
      guard b.count >= 12 else { throw .malformed("the header is truncated", offset: b.count) }
      (length, start) = (Int(b[8]) | Int(b[9]) << 8 | Int(b[10]) << 16 | Int(b[11]) << 24, 12)
    default: throw .malformed("unknown format version \(b[6]).\(b[7])", offset: 6)
    }
    guard length <= maxHeaderLength else {
      throw .malformed("the header is \(length) bytes long; numpy reads at most \(maxHeaderLength)", offset: 8)
    }
    guard start + length <= b.count else { throw .malformed("the header is truncated", offset: b.count) }
    var dict = NPYDictReader(UnsafeBufferPointer(rebasing: b[start..<start + length]), base: start)
    let fields = try dict.read()
    let dtype = try self.dtype(fields.descr)
    if fields.fortranOrder, fields.shape.count > 1 { throw .fortranOrder }
    let dataOffset = start + length
    let available = max(0, fileSize - dataOffset)
    // `bound` counts a zero dimension as one, so every product of dimensions taken later
    // (per-sample sizes, label widths) fits an `Int` too, not only the total (found by fuzzing).
    var needed = dtype.size
    var bound = dtype.size
    for n in fields.shape {
      let (product, overflow) = needed.multipliedReportingOverflow(by: n)
      let (b, boundOverflow) = bound.multipliedReportingOverflow(by: max(n, 1))
      guard !overflow, !boundOverflow else { throw .truncated(needed: nil, available: available) }
      needed = product
      bound = b
    }
    guard needed <= available else { throw .truncated(needed: needed, available: available) }
    return NPYHeader(dtype: dtype, shape: fields.shape, dataOffset: dataOffset, dataBytes: needed)
  }

  /// The dtype for a `descr` such as `<f4`, or why it is not supported.
  private static func dtype(_ descr: String) throws(NPYHeaderProblem) -> NPYDtype {
    let u = Array(descr.utf8)
    guard u.count == 3, let type = NPYDtype(rawValue: String(decoding: u[1...], as: UTF8.self)) else { throw .dtype(descr) }
    if type.size > 1, u[0] == UInt8(ascii: ">") { throw .bigEndian(descr) }
    guard type.size == 1 || u[0] == UInt8(ascii: "<") || u[0] == UInt8(ascii: "=") else {
      throw .dtype(descr)
    }
    return type
  }
}

/// The three entries of an NPY header dict.
struct NPYHeaderFields {
  var descr: String
  var fortranOrder: Bool
  var shape: [Int]
}

/// One pass over the header's dict literal: no recursion, every byte looked at a bounded
/// number of times.
struct NPYDictReader {
  private let b: UnsafeBufferPointer<UInt8>
  /// The file offset of `b[0]`, for positions in problems.
  private let base: Int
  private var i = 0

  init(_ bytes: UnsafeBufferPointer<UInt8>, base: Int) {
    b = bytes
    self.base = base
  }

  /// A literal value of the dict.
  private enum Value {
    case string(String)
    case bool(Bool)
    case int(Int)
    case tuple([Int])
  }

  /// Reads the dict and picks out `descr`, `fortran_order` and `shape`.
  mutating func read() throws(NPYHeaderProblem) -> NPYHeaderFields {
    try expect("{", "the header is not a Python dict literal")
    var descr: String?, fortran: Bool?, shape: [Int]?
    while !take("}") {
      let keyAt = i
      guard case .string(let key) = try value() else { throw fail("a key of the header dict is not a string", at: keyAt) }
      try expect(":", "expected ':' after the key '\(key)'")
      let valueAt = i
      let v = try value()
      switch (key, v) {
      case ("descr", .string(let s)): descr = s
      case ("descr", _): throw fail("'descr' is not a string (structured dtypes are not supported)", at: valueAt)
      case ("fortran_order", .bool(let f)): fortran = f
      case ("fortran_order", _): throw fail("'fortran_order' is not True or False", at: valueAt)
      case ("shape", .tuple(let dims)): shape = dims
      case ("shape", _): throw fail("'shape' is not a tuple of sizes", at: valueAt)
      default: break  // numpy writes no other keys; others are ignored
      }
      if !take(",") {
        try expect("}", "expected ',' or '}' in the header dict")
        break
      }
    }
    skipSpace()
    guard i == b.count else { throw fail("text after the header dict", at: i) }
    guard let descr else { throw fail("the header has no 'descr'", at: nil) }
    guard let fortran else { throw fail("the header has no 'fortran_order'", at: nil) }
    guard let shape else { throw fail("the header has no 'shape'", at: nil) }
    return NPYHeaderFields(descr: descr, fortranOrder: fortran, shape: shape)
  }

  /// One value: a string, `True`, `False`, an integer or a flat tuple of integers.
  private mutating func value() throws(NPYHeaderProblem) -> Value {
    skipSpace()
    guard i < b.count else { throw fail("the header dict is not closed", at: i) }
    switch b[i] {
    case UInt8(ascii: "'"), UInt8(ascii: "\""): return .string(try string())
    case UInt8(ascii: "("): return .tuple(try tuple())
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return .int(try integer())
    default:
      if word("True") { return .bool(true) }
      if word("False") { return .bool(false) }
      throw fail("expected a string, True, False, a size or a tuple of sizes", at: i)
    }
  }

  /// A tuple of non-negative integers, at most `maxDimensions` of them.
  private mutating func tuple() throws(NPYHeaderProblem) -> [Int] {
    i += 1
    var dims: [Int] = []
    while !take(")") {
      skipSpace()
      guard i < b.count, b[i] >= 0x30, b[i] <= 0x39 else {
        throw fail("expected a size (an integer ≥ 0) in the shape tuple", at: i)
      }
      guard dims.count < NPYHeader.maxDimensions else {
        throw fail("the shape has more than \(NPYHeader.maxDimensions) dimensions", at: i)
      }
      dims.append(try integer())
      if !take(",") {
        try expect(")", "expected ',' or ')' in the shape tuple")
        break
      }
    }
    return dims
  }

  /// A decimal integer that fits in `Int` (numpy 1.x on some platforms wrote `3L`).
  private mutating func integer() throws(NPYHeaderProblem) -> Int {
    let start = i
    var n = 0
    while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
      let (m, o1) = n.multipliedReportingOverflow(by: 10)
      let (s, o2) = m.addingReportingOverflow(Int(b[i] - 0x30))
      guard !o1, !o2 else { throw fail("the size is too large", at: start) }
      n = s
      i += 1
    }
    if i < b.count, b[i] == UInt8(ascii: "L") { i += 1 }
    return n
  }

  /// A quoted string without escapes (numpy writes none).
  private mutating func string() throws(NPYHeaderProblem) -> String {
    let open = i
    let quote = b[i]
    i += 1
    let start = i
    while i < b.count, b[i] != quote {
      if b[i] == UInt8(ascii: "\\") { throw fail("escapes in header strings are not supported", at: i) }
      i += 1
    }
    guard i < b.count else { throw fail("a string in the header is not closed", at: open) }
    i += 1
    return String(decoding: UnsafeBufferPointer(rebasing: b[start..<i - 1]), as: UTF8.self)
  }

  /// Consumes `w` if it is next.
  private mutating func word(_ w: StaticString) -> Bool {
    let n = w.utf8CodeUnitCount
    guard b.count - i >= n else { return false }
    for k in 0..<n where b[i + k] != w.utf8Start[k] { return false }
    i += n
    return true
  }

  /// Skips spaces, then consumes `c` if it is next.
  private mutating func take(_ c: Unicode.Scalar) -> Bool {
    skipSpace()
    guard i < b.count, b[i] == UInt8(ascii: c) else { return false }
    i += 1
    return true
  }

  /// Skips spaces, then consumes `c` or fails with `problem` at the current byte.
  private mutating func expect(_ c: Unicode.Scalar, _ problem: String) throws(NPYHeaderProblem) {
    guard take(c) else { throw fail(problem, at: i) }
  }

  private mutating func skipSpace() {
    while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x09 || b[i] == 0x0D { i += 1 }
  }

  /// A problem at byte `at` of the header (nil: the header as a whole).
  private func fail(_ text: String, at: Int?) -> NPYHeaderProblem { .malformed(text, offset: at.map { base + $0 }) }
}
