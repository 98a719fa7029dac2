/// The holdout split: sizes, stratification, determinism.
import Testing
import _DLCTestSupport
@testable import DLCTraining

@Suite struct HoldoutSplitTests {
  /// 100 samples of class 0, 50 of class 1, 7 of class 2, interleaved.
  private let labels: [Int32] = {
    var g = SplitMix64(seed: 99)
    return (0..<157).map { i in i < 100 ? 0 : (i < 150 ? 1 : 2) }.shuffled(using: &g)
  }()

  @Test func partsAreDisjointAndCoverEverySample() throws {
    let s = try HoldoutSplit(count: 157, fractions: SplitFractions(valid: 0.15, test: 0.15, stratify: true), classes: labels, seed: 42)
    #expect((s.train + s.valid + s.test).sorted() == Array(0..<157))
    #expect(s.valid.count == 24)  // round(157 · 0.15) = round(23.55)
    #expect(s.test.count == 24)
    #expect(s.train == s.train.sorted())
  }

  @Test func eachClassIsSplitByTheFractions() throws {
    let s = try HoldoutSplit(count: 157, fractions: SplitFractions(valid: 0.15, test: 0.15, stratify: true), classes: labels, seed: 7)
    func perClass(_ part: [Int]) -> [Int] { (0..<3).map { c in part.count { labels[$0] == c } } }
    // Shares: test 15, 7.5, 1.05 → 15 + 7 + 1 = 23, the 24th seat goes to class 1 (largest remainder 0.5).
    #expect(perClass(s.test) == [15, 8, 1])
    // Left: 85, 42, 6; valid shares 15, 7.5, 1.05 → 15 + 7 + 1, then class 1.
    #expect(perClass(s.valid) == [15, 8, 1])
    #expect(perClass(s.train) == [70, 34, 5])
  }

  @Test func theSplitIsDeterministicAndSeeded() throws {
    let f = SplitFractions(valid: 0.2, test: 0.1, stratify: false)
    let a = try HoldoutSplit(count: 100, fractions: f, classes: nil, seed: 1)
    #expect(a == (try HoldoutSplit(count: 100, fractions: f, classes: nil, seed: 1)))
    #expect(a != (try HoldoutSplit(count: 100, fractions: f, classes: nil, seed: 2)))
    #expect((a.train.count, a.valid.count, a.test.count) == (70, 20, 10))
  }

  @Test func emptyValidAndTestPartsAreAllowed() throws {
    let s = try HoldoutSplit(count: 10, fractions: SplitFractions(valid: 0, test: 0, stratify: true), classes: [Int32](repeating: 1, count: 10), seed: 3)
    #expect(s.train == Array(0..<10))
    #expect(s.valid.isEmpty && s.test.isEmpty)
  }

  @Test func aSplitWithoutTrainingSamplesIsAnError() {
    #expect(throws: DataError.self) { try HoldoutSplit(count: 2, fractions: SplitFractions(valid: 0.5, test: 0.5, stratify: false), classes: nil, seed: 1) }
  }

  @Test func largestRemainderKeepsTheTotalAndTheCaps() {
    #expect(HoldoutSplit.allocate(3, shares: [0.9, 0.9, 0.9, 0.3], caps: [1, 1, 1, 1]) == [1, 1, 1, 0])
    #expect(HoldoutSplit.allocate(2, shares: [1.5, 0.5], caps: [1, 5]) == [1, 1])
  }
}
