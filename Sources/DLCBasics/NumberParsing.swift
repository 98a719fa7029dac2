/// Decimal numbers straight from bytes, without making a String per cell, rounded to
/// Float32 exactly as `strtof` rounds them.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a cell held.
public enum ParsedNumber: Equatable, Sendable {
  case value(Float)
  /// Only spaces, or nothing.
  case empty
  /// `nan`, `inf`, `infinity` (any case, any sign) or a number too large for Float32.
  case nonFinite
  /// Anything else.
  case invalid
}

/// A decimal number parser for `[+-]digits[.digits][(e|E)[+-]digits]`, with spaces
/// around it allowed.
///
/// Most cells take Clinger's fast path (W. D. Clinger, "How to read floating point
/// numbers accurately", PLDI 1990): when the significant digits fit in 2⁵³ and the power
/// of ten is at most 10²², one Double multiplication or division gives the decimal value
/// correctly rounded to Double. Rounding that Double to Float is then the correct Float
/// unless the Double is exactly halfway between two Floats (double rounding can only go
/// wrong at a tie, since every Float midpoint is a Double and rounding is monotonic);
/// that rare case, and every number outside the fast path, goes through `strtof`.
public enum NumberParsing {
  /// Parses bytes `start..<end` of `p`.
  @inlinable
  public static func parse(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> ParsedNumber {
    var i = start
    var e = end
    while i < e, p[i] == 0x20 || p[i] == 0x09 { i += 1 }
    while e > i, p[e - 1] == 0x20 || p[e - 1] == 0x09 { e -= 1 }
    if i == e { return .empty }
    let first = i
    var negative = false
    if p[i] == 0x2D || p[i] == 0x2B {
      negative = p[i] == 0x2D
      i += 1
    }
    var mantissa: UInt64 = 0
    var digits = 0  // significant digits seen (leading zeros are not significant)
    var exponent = 0
    var sawDigit = false
    while i < e, p[i] &- 0x30 < 10 {
      if digits < 19 { mantissa = mantissa &* 10 &+ UInt64(p[i] &- 0x30) } else { exponent += 1 }
      if mantissa != 0 { digits += 1 }
      sawDigit = true
      i += 1
    }
    if i < e, p[i] == 0x2E {
      i += 1
      while i < e, p[i] &- 0x30 < 10 {
        if digits < 19 {
          mantissa = mantissa &* 10 &+ UInt64(p[i] &- 0x30)
          exponent -= 1
        }
        if mantissa != 0 { digits += 1 }
        sawDigit = true
        i += 1
      }
    }
    guard sawDigit else { return isNonFiniteWord(p, first, e) ? .nonFinite : .invalid }
    if i < e, p[i] | 0x20 == 0x65 {
      i += 1
      var expNegative = false
      if i < e, p[i] == 0x2D || p[i] == 0x2B {
        expNegative = p[i] == 0x2D
        i += 1
      }
      guard i < e, p[i] &- 0x30 < 10 else { return .invalid }
      var written = 0
      while i < e, p[i] &- 0x30 < 10 {
        if written < 100_000 { written = written * 10 + Int(p[i] &- 0x30) }
        i += 1
      }
      exponent += expNegative ? -written : written
    }
    guard i == e else { return .invalid }
    if digits <= 19, mantissa <= 1 << 53, exponent >= -22, exponent <= 22, let f = fastFloat(mantissa, exponent) {
      return .value(negative ? -f : f)
    }
    return slowPath(p, first, e)
  }

  /// `mantissa × 10^exponent` as a correctly rounded Float, or nil when the one rounding
  /// through Double may differ from the correct one (a tie, or an overflow).
  @inlinable @inline(__always)
  static func fastFloat(_ mantissa: UInt64, _ exponent: Int) -> Float? {
    let m = Double(mantissa)  // exact: mantissa ≤ 2⁵³
    let d = exponent < 0 ? m / power(-exponent) : m * power(exponent)
    let f = Float(d)
    let back = Double(f)
    if back == d { return f }
    guard f.isFinite else { return nil }
    // The Float on the other side of d; the sum of two adjacent Floats is exact in Double.
    let other = Double(back < d ? f.nextUp : f.nextDown)
    return back + other == 2 * d ? nil : f
  }

  /// 10^k for k in 0...22, all exact in Double (a literal table: no lazy global in the hot path).
  @inlinable @inline(__always)
  static func power(_ k: Int) -> Double {
    let table: (Double, Double, Double, Double, Double, Double, Double, Double, Double, Double, Double, Double,
                Double, Double, Double, Double, Double, Double, Double, Double, Double, Double, Double) =
      (1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22)
    return withUnsafeBytes(of: table) { $0.load(fromByteOffset: k * 8, as: Double.self) }
  }

  /// `strtof` on a NUL-terminated copy; the grammar was already checked.
  @usableFromInline
  static func slowPath(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> ParsedNumber {
    let v = withUnsafeTemporaryAllocation(of: CChar.self, capacity: end - start + 1) { buf -> Float in
      for k in 0..<(end - start) { buf[k] = CChar(bitPattern: p[start + k]) }
      buf[end - start] = 0
      return strtof(buf.baseAddress!, nil)
    }
    return v.isFinite ? .value(v) : .nonFinite
  }

  /// `nan`, `inf` or `infinity`, optionally signed, in any case.
  @usableFromInline
  static func isNonFiniteWord(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
    var i = start
    if i < end, p[i] == 0x2D || p[i] == 0x2B { i += 1 }
    let word = String(decoding: UnsafeBufferPointer(start: p + i, count: end - i), as: UTF8.self).lowercased()
    return word == "nan" || word == "inf" || word == "infinity"
  }
}
