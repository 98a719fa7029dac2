/// The plain-row fast path: every cell rounded like `strtof` (its own decimal reader is
/// checked on the same random and near-midpoint decimals as the general parser), rows
/// ended by LF, CRLF or CR, and a stop before every row it must leave to the general scanner.
import DLCBasics
import Foundation
import Testing
import _DLCTestSupport

@Suite struct CSVFastRowsTests {
  /// Reads `text` from byte 0 with one feature per column and no targets.
  static func read(_ text: String, columns: Int, classLimit: Float? = nil, targets: Int = 0) -> (end: Int, rows: Int, x: [Float], y: [Float]) {
    let bytes = Array(text.utf8)
    let slots = (0..<columns).map { $0 < columns - targets ? Int32($0) : Int32(-1 - ($0 - (columns - targets))) }
    let layout = CSVRowLayout(slots: slots, featureCount: columns - targets, targetCount: targets, classLimit: classLimit)
    var x: [Float] = [], y: [Float] = []
    let (end, rows) = bytes.withUnsafeBufferPointer { CSVFastRows.read($0, from: 0, layout: layout, x: &x, y: &y) }
    return (end, rows, x, y)
  }

  /// Random decimals like NumberParsingTests's, four to a row: the same Floats as `strtof`.
  @Test func cellsRoundLikeStrtof() {
    var rng = SplitMix64(seed: 21)
    var cells: [String] = []
    for _ in 0..<40_000 {
      let digits = Int.random(in: 1...22, using: &rng)
      var text = Bool.random(using: &rng) ? "-" : ""
      let point = Int.random(in: 0...digits, using: &rng)
      for k in 0..<digits {
        if k == point, k > 0 { text += "." }
        text += String(Int.random(in: 0...9, using: &rng))
      }
      if Bool.random(using: &rng) { text += "e\(Int.random(in: -40...35, using: &rng))" }
      cells.append(text)
      let f = Float(bitPattern: UInt32.random(in: 0x3000_0000...0x5E00_0000, using: &rng))
      let mid = (Double(f) + Double(f.nextUp)) / 2
      cells.append(String(format: "%.\(Int.random(in: 9...17, using: &rng))g", [mid, mid.nextUp, mid.nextDown][Int.random(in: 0...2, using: &rng)]))
    }
    cells = cells.filter { strtof($0, nil).isFinite }
    cells.removeLast(cells.count % 4)
    let text = stride(from: 0, to: cells.count, by: 4).map { cells[$0..<$0 + 4].joined(separator: ",") }.joined(separator: "\n") + "\n"
    let r = Self.read(text, columns: 4)
    #expect(r.rows == cells.count / 4)
    #expect(r.end == text.utf8.count)
    for (cell, v) in zip(cells, r.x) where v.bitPattern != strtof(cell, nil).bitPattern {
      Issue.record("'\(cell)': \(v) vs strtof \(strtof(cell, nil))")
    }
  }

  @Test func everyLineBreakEndsARow() {
    let r = Self.read("1,2\r3,4\r\n5,6\n7,8", columns: 2)
    #expect(r.rows == 4 && r.x == [1, 2, 3, 4, 5, 6, 7, 8])
  }

  /// The fast path stops before (never past, never inside) each row it does not handle.
  @Test(arguments: [
    ("1,2\n\"3\",4\n", 4), ("1,2\n3\n", 4), ("1,2\n3,4,5\n", 4), ("1,2\n,4\n", 4), ("1,2\nnan,4\n", 4),
    ("1,2\n1e39,4\n", 4), ("1,2\nx,4\n", 4), ("1,2\n\n3,4\n", 4), ("1,2\r\n3,4,\r\n", 5),
  ])
  func stopsBeforeRowsItLeavesToTheScanner(_ text: String, _ end: Int) {
    let r = Self.read(text, columns: 2)
    #expect(r.rows == 1 && r.end == end && r.x == [1, 2], "\(text.debugDescription): \(r)")
  }

  @Test func classTargetsMustBeIndicesBelowTheLimit() {
    #expect(Self.read("1,0\n2,2\n3,1.5\n", columns: 2, classLimit: 3, targets: 1).rows == 2)
    #expect(Self.read("1,0\n2,3\n", columns: 2, classLimit: 3, targets: 1).rows == 1)
    #expect(Self.read("1,-1\n", columns: 2, classLimit: 3, targets: 1).rows == 0)
    let r = Self.read(" 1 ,2\n3, 4\n", columns: 1 + 1, classLimit: 5, targets: 1)
    #expect(r.rows == 2 && r.x == [1, 3] && r.y == [2, 4])
  }
}
