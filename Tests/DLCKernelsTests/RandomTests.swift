import Testing

@testable import DLCKernels

@Suite struct RandomTests {
  /// Known-answer vectors of Philox4x32-10 from the Random123 distribution (kat_vectors).
  @Test func philoxMatchesRandom123KnownAnswers() {
    func words(_ w: (UInt32, UInt32, UInt32, UInt32)) -> [UInt32] { [w.0, w.1, w.2, w.3] }
    #expect(words(Philox4x32.block((0, 0, 0, 0), key: (0, 0))) == [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8])
    let ones: UInt32 = 0xffff_ffff
    #expect(words(Philox4x32.block((ones, ones, ones, ones), key: (ones, ones))) == [0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd])
    let pi = Philox4x32.block((0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344), key: (0xa409_3822, 0x299f_31d0))
    #expect(words(pi) == [0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1])
  }

  @Test func uniformIsInUnitIntervalAndCentered() {
    let stream = RandomStream(seed: 42, purpose: .dropout, id: 1, step: 7)
    let values = (0..<10_000).map { stream.uniform(at: $0) }
    #expect(values.allSatisfy { $0 >= 0 && $0 < 1 })
    let mean = values.reduce(0, +) / Float(values.count)
    #expect(abs(mean - 0.5) < 0.01)  // standard error 0.0029
    #expect(stream.uniform(at: 123) == stream.uniform(at: 123))
  }

  @Test func normalHasUnitMoments() {
    let stream = RandomStream(seed: 3, purpose: .initialization, id: 4)
    let count = 100_000
    var sum = 0.0, squares = 0.0
    for i in 0..<count {
      let v = Double(stream.normal(at: i))
      #expect(v.isFinite)
      sum += v
      squares += v * v
    }
    let mean = sum / Double(count), variance = squares / Double(count) - mean * mean
    // Standard errors over 1e5 draws: 0.0032 for the mean, 0.0045 for the variance.
    #expect(abs(mean) < 0.015)
    #expect(abs(variance - 1) < 0.02)
  }

  @Test func streamsOfDifferentPurposeOrStepDiffer() {
    let a = RandomStream(seed: 1, purpose: .dropout, id: 0, step: 1)
    let b = RandomStream(seed: 1, purpose: .augmentation, id: 0, step: 1)
    let c = RandomStream(seed: 1, purpose: .dropout, id: 0, step: 2)
    #expect((0..<8).map(a.uint32) != (0..<8).map(b.uint32))
    #expect((0..<8).map(a.uint32) != (0..<8).map(c.uint32))
  }

  @Test(arguments: [0, 1, 2, 10, 1000])
  func permutationIsAPermutationAndDeterministic(count: Int) {
    let stream = RandomStream(seed: 9, purpose: .shuffle, id: 3)
    let order = stream.permutation(count)
    #expect(order.sorted() == Array(0..<count))
    #expect(order == stream.permutation(count))
    if count >= 10 {
      #expect(order != Array(0..<count))
      #expect(order != RandomStream(seed: 9, purpose: .shuffle, id: 4).permutation(count))
    }
  }

  @Test func integerStaysBelowBound() {
    let stream = RandomStream(seed: 11, purpose: .split)
    #expect((0..<1000).allSatisfy { (0..<7).contains(stream.integer(below: 7, at: $0)) })
  }
}
