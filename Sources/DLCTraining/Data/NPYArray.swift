/// NPY files (numpy's format, versions 1.0, 2.0 and 3.0): the header and the values.
///
/// In: the bytes of a `.npy` file. Out: its shape and its values as Float32 or, for
/// labels, as Double (every supported integer type converts exactly up to 2⁵³).
/// Little-endian and C order only. The header is read by `NPYHeader` (DLCBasics), the
/// same reader `dlc check` uses.
import DLCBasics

/// An NPY array in memory: its header and the file's bytes.
struct NPYArray {
  var path: String
  var dtype: NPYDtype
  var shape: [Int]
  var bytes: [UInt8]
  var dataOffset: Int
  /// The number of elements (checked against the file's size when read).
  var count: Int

  /// Reads and checks `path`: magic, header, dtype, order, and that the data is all there.
  init(path: String) throws(DataError) {
    try self.init(path: path, bytes: try DataFile.read(path))
  }

  /// Checks `bytes` as an NPY file named `path`.
  init(path: String, bytes: [UInt8]) throws(DataError) {
    self.path = path
    self.bytes = bytes
    switch NPYHeader.parse(bytes, fileSize: bytes.count) {
    case .success(let header):
      dtype = header.dtype
      shape = header.shape
      dataOffset = header.dataOffset
      count = header.count
    case .failure(let problem):
      throw DataError(npy: problem, path: path)
    }
  }

  /// Element `i` as a Double (exact for every supported type).
  @inline(__always)
  func double(at i: Int) -> Double {
    bytes.withUnsafeBytes { dtype.double(in: $0, at: dataOffset + i * dtype.size) }
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

extension DataError {
  /// The data error of an NPY header problem.
  init(npy problem: NPYHeaderProblem, path: String) {
    switch problem {
    case .malformed: self = .npyHeader(path, problem.message)
    case .dtype(let d): self = .npyDtype(path, d)
    case .bigEndian(let d): self = .npyBigEndian(path, d)
    case .fortranOrder: self = .npyFortranOrder(path)
    case .truncated(let needed?, let available): self = .npyTruncated(path, needed, available)
    case .truncated(nil, _): self = .npyTooLarge(path, problem.message)
    }
  }
}
