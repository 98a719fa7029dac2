@testable import DLCTraining
import Testing

/// Reconstruction with `bce_with_logits` reconstructs values in [0, 1].
@Suite struct ProbabilityTargetPreparationTests {
  private func config(_ normalize: Normalization) -> DataConfig {
    DataConfig(source: .npy(x: "x.npy", y: nil), task: .reconstruction, features: 2,
               split: SplitFractions(valid: 0, test: 0, stratify: false), normalize: normalize)
  }

  @Test func minmaxClipsHeldOutValuesIntoTheTrainRange() throws {
    var held = Dataset(x: [-0.25, 0.5, 1.5, 1], y: .reconstruction, count: 2, sampleShape: [2])
    try PreparedData.prepareProbabilityTargets(&held, config: config(.minmax))
    #expect(held.x == [0, 0.5, 1, 1])
  }

  @Test func standardizedValuesAreRefused() {
    var data = Dataset(x: [-1, 1, 1, -1], y: .reconstruction, count: 2, sampleShape: [2])
    let error = #expect(throws: DataError.self) { try PreparedData.prepareProbabilityTargets(&data, config: config(.standardize)) }
    #expect(error?.id == "data.probabilityNormalization")
  }

  @Test func rawValuesOutsideTheUnitIntervalNameTheirSample() {
    let data = Dataset(x: [0, 1, 0.5, 1.25], y: .reconstruction, count: 2, sampleShape: [2])
    let error = #expect(throws: DataError.self) { try PreparedData.checkProbabilities(data, config: config(.none)) }
    #expect(error?.id == "data.probabilityTarget")
    #expect(error?.message.hasPrefix("sample 2 holds 1.25 in feature 2, outside [0, 1]") == true)
  }
}
