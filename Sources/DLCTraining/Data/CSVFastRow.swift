/// The fast path of CSV loading: one unquoted row of numbers, parsed in a single pass.
///
/// Most rows of a data file are plain: no quotes, every cell a number, the right number
/// of fields. This reads such a row straight into a row buffer. On anything else (a quote,
/// a blank line, a missing or extra field, a cell that is not a finite number) it gives up
/// and the caller re-reads the row with the general scanner, which reports the problem at
/// its place. So the fast path never decides about errors and needs no positions.

/// Where each column's value goes: `slot ≥ 0` a feature, `-1 - k` target `k`, `Int32.min` unused.
struct CSVColumnSlots {
  var slots: [Int32]
  var featureCount: Int
  var targetCount: Int
}

/// The plain-row reader.
enum CSVFastRow {
  /// Parses the row at `start` into `out` (features, then targets) and returns the
  /// position after its line break, or nil if the row is not plain.
  @inline(__always)
  static func parse(
    _ p: UnsafePointer<UInt8>, count n: Int, from start: Int, slots: UnsafePointer<Int32>, columns: Int,
    out: UnsafeMutablePointer<Float>, featureCount: Int
  ) -> Int? {
    var i = start
    if i >= n || p[i] == 0x0A || p[i] == 0x0D { return nil }
    for c in 0..<columns {
      let cellStart = i
      var value: UInt64 = 0
      var digits = 0
      while i < n, p[i] &- 0x30 < 10 {
        value = value &* 10 &+ UInt64(p[i] &- 0x30)
        digits += 1
        i += 1
      }
      let last = c == columns - 1
      // Only the last column may end at the end of the file; a row that ends early is
      // not plain (and `i` must not step past `n`).
      let atEnd = last ? (i == n || p[i] == 0x0A || p[i] == 0x0D) : (i < n && p[i] == 0x2C)
      let result: Float
      if atEnd, digits > 0, digits <= 15 {
        // A plain integer: exact in Double, so one correctly rounded conversion.
        result = Float(Double(value))
      } else {
        while i < n, p[i] != 0x2C, p[i] != 0x0A, p[i] != 0x0D {
          if p[i] == 0x22 { return nil }
          i += 1
        }
        if last ? (i < n && p[i] == 0x2C) : (i == n || p[i] != 0x2C) { return nil }
        guard case .value(let v) = NumberParsing.parse(p, cellStart, i) else { return nil }
        result = v
      }
      let slot = slots[c]
      if slot >= 0 {
        out[Int(slot)] = result
      } else if slot != Int32.min {
        out[featureCount + Int(-1 - slot)] = result
      }
      i += 1  // the comma, or the first byte of the line break
    }
    // Past a CRLF's LF; `i` may be n + 1 when the file ends without a line break.
    if i <= n, i - 1 < n, p[i - 1] == 0x0D, i < n, p[i] == 0x0A { i += 1 }
    return min(i, n)
  }
}
