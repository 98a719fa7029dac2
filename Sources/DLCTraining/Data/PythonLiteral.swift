/// The Python literals of an NPY header: `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`.

/// A Python literal value as NPY headers use them.
enum PythonLiteral: Equatable {
  case string(String)
  case bool(Bool)
  case int(Int)
  case tuple([PythonLiteral])
}

/// A parser for a dict of string keys to literals; anything else fails (nil).
struct PythonLiteralParser {
  private let bytes: [UInt8]
  private var i = 0

  init(_ bytes: [UInt8]) { self.bytes = bytes }

  /// The dict the bytes hold (trailing spaces and newline allowed), or nil.
  mutating func parseDict() -> [String: PythonLiteral]? {
    guard take(UInt8(ascii: "{")) else { return nil }
    var out: [String: PythonLiteral] = [:]
    while !take(UInt8(ascii: "}")) {
      guard case .string(let key)? = value(), take(UInt8(ascii: ":")), let v = value() else { return nil }
      out[key] = v
      if !take(UInt8(ascii: ",")) {
        guard take(UInt8(ascii: "}")) else { return nil }
        break
      }
    }
    skipSpace()
    return i == bytes.count ? out : nil
  }

  /// One literal.
  private mutating func value() -> PythonLiteral? {
    skipSpace()
    guard i < bytes.count else { return nil }
    switch bytes[i] {
    case UInt8(ascii: "'"), UInt8(ascii: "\""): return string()
    case UInt8(ascii: "("):
      i += 1
      var items: [PythonLiteral] = []
      while !take(UInt8(ascii: ")")) {
        guard let v = value() else { return nil }
        items.append(v)
        if !take(UInt8(ascii: ",")) {
          guard take(UInt8(ascii: ")")) else { return nil }
          break
        }
      }
      return .tuple(items)
    case UInt8(ascii: "0")...UInt8(ascii: "9"):
      var n = 0
      while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 {
        let (m, o1) = n.multipliedReportingOverflow(by: 10)
        let (s, o2) = m.addingReportingOverflow(Int(bytes[i] - 0x30))
        guard !o1, !o2 else { return nil }
        n = s
        i += 1
      }
      // numpy 1.x on some platforms wrote `3L`.
      if i < bytes.count, bytes[i] == UInt8(ascii: "L") { i += 1 }
      return .int(n)
    default:
      if word("True") { return .bool(true) }
      if word("False") { return .bool(false) }
      return nil
    }
  }

  /// A quoted string without escapes (numpy writes none).
  private mutating func string() -> PythonLiteral? {
    let quote = bytes[i]
    i += 1
    let start = i
    while i < bytes.count, bytes[i] != quote {
      if bytes[i] == UInt8(ascii: "\\") { return nil }
      i += 1
    }
    guard i < bytes.count else { return nil }
    defer { i += 1 }
    return .string(String(decoding: bytes[start..<i], as: UTF8.self))
  }

  /// Consumes `w` if it is next.
  private mutating func word(_ w: String) -> Bool {
    let u = Array(w.utf8)
    guard bytes.count - i >= u.count, Array(bytes[i..<i + u.count]) == u else { return false }
    i += u.count
    return true
  }

  /// Skips spaces, then consumes `b` if it is next.
  private mutating func take(_ b: UInt8) -> Bool {
    skipSpace()
    guard i < bytes.count, bytes[i] == b else { return false }
    i += 1
    return true
  }

  private mutating func skipSpace() {
    while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x09 || bytes[i] == 0x0D { i += 1 }
  }
}
