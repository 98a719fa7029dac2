/// NPY files (numpy's format, versions 1.0, 2.0 and 3.0): the header and the values.
///
/// In: the bytes of a `.npy` file. Out: its shape and its values as Float32 or, for
/// labels, as Double (every supported integer type converts exactly up to 2⁵³).
/// Little-endian and C order only; see https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html

/// The element types dlc reads.
enum NPYDtype: String {
  case f4, f8, i1, i2, i4, i8, u1, b1

  /// Bytes per element.
  var size: Int {
    switch self {
    case .i1, .u1, .b1: return 1
    case .i2: return 2
    case .f4, .i4: return 4
    case .f8, .i8: return 8
    }
  }
}

/// An NPY array in memory: its header and the file's bytes.
struct NPYArray {
  var path: String
  var dtype: NPYDtype
  var shape: [Int]
  var bytes: [UInt8]
  var dataOffset: Int

  /// The number of elements.
  var count: Int { shape.reduce(1, *) }

  /// Reads and checks `path`: magic, header, dtype, order, and that the data is all there.
  init(path: String) throws(DataError) {
    try self.init(path: path, bytes: try DataFile.read(path))
  }

  /// Checks `bytes` as an NPY file named `path`.
  init(path: String, bytes: [UInt8]) throws(DataError) {
    self.path = path
    self.bytes = bytes
    let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
    guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw .npyHeader(path, "the file does not start with the NPY magic number") }
    let (length, start): (Int, Int)
    switch bytes[6] {
    case 1: (length, start) = (Int(bytes[8]) | Int(bytes[9]) << 8, 10)
    case 2, 3:
      guard bytes.count >= 12 else { throw .npyHeader(path, "the header is truncated") }
      (length, start) = ((8..<12).reduce(0) { $0 | Int(bytes[$1]) << (8 * ($1 - 8)) }, 12)
    default: throw .npyHeader(path, "unknown format version \(bytes[6]).\(bytes[7])")
    }
    guard start + length <= bytes.count else { throw .npyHeader(path, "the header is truncated") }
    var parser = PythonLiteralParser(Array(bytes[start..<start + length]))
    guard let header = parser.parseDict() else { throw .npyHeader(path, "the header is not a Python dict literal") }
    guard case .string(let descr)? = header["descr"] else { throw .npyHeader(path, "the header has no 'descr' string") }
    guard case .bool(let fortran)? = header["fortran_order"] else { throw .npyHeader(path, "the header has no 'fortran_order'") }
    guard case .tuple(let dims)? = header["shape"] else { throw .npyHeader(path, "the header has no 'shape' tuple") }
    dtype = try Self.dtype(descr, path: path)
    if fortran, dims.count > 1 { throw .npyFortranOrder(path) }
    shape = []
    for d in dims {
      guard case .int(let n) = d, n >= 0 else { throw .npyHeader(path, "the shape holds something other than sizes") }
      shape.append(n)
    }
    dataOffset = start + length
    // `bound` treats a zero dimension as one, so every product of dimensions taken later
    // (per-sample sizes, label widths) fits an `Int` too, not only the total.
    var needed = dtype.size
    var bound = dtype.size
    var overflow = false
    for n in shape {
      let (product, o) = needed.multipliedReportingOverflow(by: n)
      let (b, ob) = bound.multipliedReportingOverflow(by: max(n, 1))
      (needed, bound, overflow) = (product, b, overflow || o || ob)
    }
    guard !overflow else { throw .npyHeader(path, "the shape \(shapeText(shape)) is too large") }
    guard needed <= bytes.count - dataOffset else { throw .npyTruncated(path, needed, bytes.count - dataOffset) }
  }

  /// The dtype for a `descr` such as `<f4`, or why it is not supported.
  private static func dtype(_ descr: String, path: String) throws(DataError) -> NPYDtype {
    guard descr.count == 3, let order = descr.first, let type = NPYDtype(rawValue: String(descr.dropFirst())) else {
      throw .npyDtype(path, descr)
    }
    if type.size > 1, order == ">" { throw .npyBigEndian(path, descr) }
    guard type.size == 1 || order == "<" else { throw .npyDtype(path, descr) }
    return type
  }

  /// Element `i` as a Double (exact for every supported type).
  @inline(__always)
  func double(at i: Int) -> Double {
    bytes.withUnsafeBytes { raw -> Double in
      let at = dataOffset + i * dtype.size
      switch dtype {
      case .f4: return Double(Float(bitPattern: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self).littleEndian))
      case .f8: return Double(bitPattern: raw.loadUnaligned(fromByteOffset: at, as: UInt64.self).littleEndian)
      case .i1: return Double(Int8(bitPattern: raw[at]))
      case .u1, .b1: return Double(raw[at])
      case .i2: return Double(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: Int16.self)))
      case .i4: return Double(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: Int32.self)))
      case .i8: return Double(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: Int64.self)))
      }
    }
  }

  /// Every element as Float32.
  func floats() -> [Float] {
    let n = count
    if dtype == .f4 {
      return [Float](unsafeUninitializedCapacity: n) { out, done in
        bytes.withUnsafeBytes { raw in
          for i in 0..<n {
            out[i] = Float(bitPattern: raw.loadUnaligned(fromByteOffset: dataOffset + 4 * i, as: UInt32.self).littleEndian)
          }
        }
        done = n
      }
    }
    return (0..<n).map { Float(double(at: $0)) }
  }
}
