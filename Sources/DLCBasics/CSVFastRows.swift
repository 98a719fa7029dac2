/// The fast path of CSV loading: runs of plain rows of numbers, parsed in one pass over
/// the file's bytes.
///
/// Most rows of a data file are plain: no quotes, every cell a finite number, the right
/// number of fields. This reads such rows straight into the feature and target arrays
/// and stops at the first row that is not plain (a quote, a blank line, a missing or
/// extra field, a cell that is not a finite number, a target that is not a class index
/// when one is wanted). The caller re-reads that row with the general scanner, which
/// reports the problem at its place. So the fast path never decides about errors and
/// needs no positions. It lives here rather than in the training module so that it is
/// always compiled with optimization.

/// Where each column's value goes, and what the targets must be.
public struct CSVRowLayout: Sendable {
  /// Per column: `slot ≥ 0` a feature, `-1 - k` target `k`, `Int32.min` unused.
  public var slots: [Int32]
  public var featureCount: Int
  public var targetCount: Int
  /// When set, every target must be an integer in `0..<classLimit` (class indices).
  public var classLimit: Float?

  public init(slots: [Int32], featureCount: Int, targetCount: Int, classLimit: Float?) {
    self.slots = slots
    self.featureCount = featureCount
    self.targetCount = targetCount
    self.classLimit = classLimit
  }
}

/// The plain-row reader.
public enum CSVFastRows {
  /// Reads plain rows of `b` from byte `start` on, appending each row's features to `x`
  /// and its targets to `y`. Returns the byte after the last row read and the number of
  /// rows read (each is one line); stops before the first row that is not plain.
  public static func read(
    _ b: UnsafeBufferPointer<UInt8>, from start: Int, layout: CSVRowLayout, x: inout [Float], y: inout [Float]
  ) -> (end: Int, rows: Int) {
    guard let p = b.baseAddress, !layout.slots.isEmpty else { return (start, 0) }
    let width = layout.featureCount + layout.targetCount
    var row = [Float](repeating: 0, count: width)
    var position = start
    var rows = 0
    layout.slots.withUnsafeBufferPointer { slots in
      row.withUnsafeMutableBufferPointer { out in
        while let end = parseRow(p, count: b.count, from: position, slots: slots, out: out, featureCount: layout.featureCount) {
          if let limit = layout.classLimit, !areClassIndices(out, from: layout.featureCount, limit: limit) { break }
          x.append(contentsOf: UnsafeBufferPointer(rebasing: out[0..<layout.featureCount]))
          y.append(contentsOf: UnsafeBufferPointer(rebasing: out[layout.featureCount...]))
          position = end
          rows += 1
        }
      }
    }
    return (position, rows)
  }

  /// Parses the row at `start` into `out` (features, then targets) and returns the
  /// position after its line break, or nil if the row is not plain.
  @inline(__always)
  static func parseRow(
    _ p: UnsafePointer<UInt8>, count n: Int, from start: Int, slots: UnsafeBufferPointer<Int32>,
    out: UnsafeMutableBufferPointer<Float>, featureCount: Int
  ) -> Int? {
    var i = start
    if i >= n || p[i] == 0x0A || p[i] == 0x0D { return nil }
    let columns = slots.count
    for c in 0..<columns {
      let cellStart = i
      let last = c == columns - 1
      var result = decimal(p, n, &i)
      // Only the last column may end at the end of the file: a short last row must not
      // step past it (found by fuzzing).
      let atEnd = last ? (i == n || p[i] == 0x0A || p[i] == 0x0D) : (i < n && p[i] == 0x2C)
      if result == nil || !atEnd {
        // Not the common form (spaces, many digits, a tie, an exponent beyond 10^±22, or
        // not a number at all): find the cell's end and let the general parser decide.
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
        out[Int(slot)] = result!
      } else if slot != Int32.min {
        out[featureCount + Int(-1 - slot)] = result!
      }
      i += 1  // the comma, or the first byte of the line break
    }
    // Past a CRLF's LF; `i` may be n + 1 when the file ends without a line break.
    if i <= n, i - 1 < n, p[i - 1] == 0x0D, i < n, p[i] == 0x0A { i += 1 }
    return min(i, n)
  }

  /// The number `[+-]digits[.digits][(e|E)[+-]digits]` starting at `i`, when Clinger's
  /// fast path gives its correctly rounded Float (see `NumberParsing`); `i` is left after
  /// the last byte of that form. Nil for anything else, which the caller re-reads.
  @inline(__always)
  static func decimal(_ p: UnsafePointer<UInt8>, _ n: Int, _ i: inout Int) -> Float? {
    var negative = false
    if i < n, p[i] == 0x2D || p[i] == 0x2B {
      negative = p[i] == 0x2D
      i &+= 1
    }
    var mantissa: UInt64 = 0
    var digits = 0  // significant digits (leading zeros are not)
    var exponent = 0
    let integerStart = i
    while i < n, p[i] &- 0x30 < 10 {
      if digits < 19 { mantissa = mantissa &* 10 &+ UInt64(p[i] &- 0x30) } else { exponent &+= 1 }
      if mantissa != 0 { digits &+= 1 }
      i &+= 1
    }
    var sawDigit = i > integerStart
    if i < n, p[i] == 0x2E {
      i &+= 1
      let fractionStart = i
      while i < n, p[i] &- 0x30 < 10 {
        if digits < 19 {
          mantissa = mantissa &* 10 &+ UInt64(p[i] &- 0x30)
          exponent &-= 1
        }
        if mantissa != 0 { digits &+= 1 }
        i &+= 1
      }
      sawDigit = sawDigit || i > fractionStart
    }
    guard sawDigit else { return nil }
    if i < n, p[i] | 0x20 == 0x65 {
      i &+= 1
      var expNegative = false
      if i < n, p[i] == 0x2D || p[i] == 0x2B {
        expNegative = p[i] == 0x2D
        i &+= 1
      }
      guard i < n, p[i] &- 0x30 < 10 else { return nil }
      var written = 0
      while i < n, p[i] &- 0x30 < 10 {
        if written < 100_000 { written = written * 10 + Int(p[i] &- 0x30) }
        i &+= 1
      }
      exponent += expNegative ? -written : written
    }
    guard digits <= 19, mantissa <= 1 << 53, exponent >= -22, exponent <= 22,
          let f = NumberParsing.fastFloat(mantissa, exponent) else { return nil }
    return negative ? -f : f
  }

  /// Whether `out[from...]` are integers in `0..<limit`.
  @inline(__always)
  static func areClassIndices(_ out: UnsafeMutableBufferPointer<Float>, from: Int, limit: Float) -> Bool {
    for k in from..<out.count {
      let v = out[k]
      guard v >= 0, v == v.rounded(.towardZero), v < limit else { return false }
    }
    return true
  }
}
