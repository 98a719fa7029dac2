/// Normalization: statistics from the train split only, applied anywhere, saved and restored.
import Testing
@testable import DLCTraining

@Suite struct NormalizerTests {
  /// Train: feature 0 = 1, 3 (mean 2, std 1); feature 1 constant 5.
  private let train = Dataset(x: [1, 5, 3, 5], y: .classes([0, 1]), count: 2, sampleShape: [2])
  private let other = Dataset(x: [100, -100], y: .classes([0]), count: 1, sampleShape: [2])

  @Test func standardizeUsesPopulationStdAndMapsZeroToOne() {
    let n = Normalizer(kind: .standardize, fitting: train)
    #expect(n.shift == [2, 5])
    #expect(n.scale == [1, 1])
    var t = train
    n.apply(to: &t)
    #expect(t.x == [-1, 0, 1, 0])
  }

  @Test func minmaxMapsTrainToTheUnitInterval() {
    let n = Normalizer(kind: .minmax, fitting: train)
    #expect(n.shift == [1, 5])
    #expect(n.scale == [2, 1])
    var t = train
    n.apply(to: &t)
    #expect(t.x == [0, 0, 1, 0])
  }

  @Test func statisticsComeFromTrainOnlyAndApplyToOtherSplits() {
    let n = Normalizer(kind: .standardize, fitting: train)
    var o = other
    n.apply(to: &o)
    #expect(o.x == [98, -105])
    #expect(n == Normalizer(kind: .standardize, fitting: train))
  }

  @Test func noneChangesNothing() {
    var t = train
    Normalizer(kind: .none, fitting: train).apply(to: &t)
    #expect(t == train)
    #expect(Normalizer(kind: .none, fitting: train).tensors().isEmpty)
  }

  @Test func statisticsRoundTripThroughNamedTensors() throws {
    for kind in [Normalization.standardize, .minmax] {
      let n = Normalizer(kind: kind, fitting: train)
      let tensors = n.tensors()
      #expect(Set(tensors.keys) == (kind == .standardize ? ["preprocess.mean", "preprocess.std"] : ["preprocess.min", "preprocess.range"]))
      #expect(try Normalizer(tensors: tensors) == n)
    }
    #expect(try Normalizer(tensors: [:]).kind == .none)
  }

  @Test func reconstructionTargetsAreTheNormalizedInputs() throws {
    var d = Dataset(x: [1, 5, 3, 5], y: .reconstruction, count: 2, sampleShape: [2])
    Normalizer(kind: .minmax, fitting: d).apply(to: &d)
    var x = [Float](repeating: -1, count: 4)
    var y = [Float](repeating: -1, count: 4)
    try x.withUnsafeMutableBufferPointer { xb in
      try y.withUnsafeMutableBytes { try d.gather([0, 1], x: xb.baseAddress!, target: $0.baseAddress!, as: .values(2)) }
    }
    #expect(x == [0, 0, 1, 0])
    #expect(y == x)
  }
}
