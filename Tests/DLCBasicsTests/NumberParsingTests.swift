/// The CSV number parser against `strtof`: the same Float, bit for bit, on random
/// decimals of every length and exponent, on decimals that land next to the halfway
/// point between two Floats (where rounding through Double could go wrong), and on edge
/// strings; and the cells it must refuse.
import DLCBasics
import Foundation
import Testing
import _DLCTestSupport

@Suite struct NumberParsingTests {
  /// The parser's result for `text`.
  static func parse(_ text: String) -> ParsedNumber {
    let bytes = Array(text.utf8)
    return bytes.withUnsafeBufferPointer { NumberParsing.parse($0.baseAddress ?? UnsafePointer(bitPattern: 1)!, 0, bytes.count) }
  }

  /// Fails unless the parser gives `strtof`'s Float for `text`, bit for bit.
  static func expectStrtof(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let want = strtof(text, nil)
    guard want.isFinite else {
      #expect(parse(text) == .nonFinite, "\(text)", sourceLocation: sourceLocation)
      return
    }
    guard case .value(let got) = parse(text) else {
      Issue.record("'\(text)' did not parse", sourceLocation: sourceLocation)
      return
    }
    #expect(got.bitPattern == want.bitPattern, "'\(text)': \(got) vs strtof \(want)", sourceLocation: sourceLocation)
  }

  @Test func randomDecimalsRoundLikeStrtof() {
    var rng = SplitMix64(seed: 11)
    for _ in 0..<200_000 {
      let digits = Int.random(in: 1...24, using: &rng)
      var text = Bool.random(using: &rng) ? "-" : ""
      let point = Int.random(in: 0...digits, using: &rng)
      for k in 0..<digits {
        if k == point, k > 0 { text += "." }
        text += String(Int.random(in: 0...9, using: &rng))
      }
      if Int.random(in: 0..<3, using: &rng) == 0 { text += "e\(Int.random(in: -50...45, using: &rng))" }
      Self.expectStrtof(text)
    }
  }

  /// Decimals printed with 9 to 17 significant digits from points halfway between two
  /// adjacent Floats, and from just beside them: the cases where a Double rounded to
  /// Float can differ from the decimal rounded to Float directly.
  @Test func decimalsNearFloatMidpointsRoundLikeStrtof() {
    var rng = SplitMix64(seed: 12)
    for _ in 0..<40_000 {
      let f = Float(bitPattern: UInt32.random(in: 0x3000_0000...0x5E00_0000, using: &rng))
      let mid = (Double(f) + Double(f.nextUp)) / 2
      for d in [mid, mid.nextUp, mid.nextDown] {
        for precision in [9, 12, 15, 16, 17] { Self.expectStrtof(String(format: "%.\(precision)g", d)) }
      }
    }
  }

  @Test(arguments: [
    "0", "-0", "0.0", "-0.0", "1", "+1", "1.", ".5", "00012.500", "1e0", "1E+2", "1e-2", "2.5e-3",
    "16777216", "16777217", "16777218", "16777219", "33554431", "9007199254740993", "18446744073709551615",
    "3.4028234e38", "3.4028235e38", "3.40282356e38", "3.4028236e38", "1e39", "-1e39",
    "1.17549435e-38", "1.4e-45", "7e-46", "1e-50", "0.1", "0.2", "0.3", "1.00000005960464477539062",
    "1.0000000596046447753906250001", "0.000000000000000000000001", "123456789012345678901234567890",
    "1e22", "1e23", "4.9406564584124654e-324", "2.7182818284590452353602874713527",
    "  42  ", "\t-7.25\t", "0.30000001192092896", "8.589973e9", "1.5e-45", "5e-324",
  ])
  func edgeStringsRoundLikeStrtof(_ text: String) {
    Self.expectStrtof(text.trimmingCharacters(in: .whitespaces))
    Self.expectStrtof(text)
  }

  @Test func wordsAndGarbageAreNotNumbers() {
    for text in ["nan", "NaN", "-inf", "Infinity", "+INF"] { #expect(Self.parse(text) == .nonFinite, "\(text)") }
    for text in ["", "   ", "\t"] { #expect(Self.parse(text) == .empty, "\(text)") }
    for text in ["abc", "1.2.3", "1e", "1e+", "e5", "0x10", "1,5", "--1", "1 2", ".", "-", "+.e1", "nanx"] {
      #expect(Self.parse(text) == .invalid, "\(text)")
    }
  }
}
