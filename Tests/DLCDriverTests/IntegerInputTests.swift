import DLCDriver
import Foundation
import Testing
import _DLCTestSupport

/// A model over token ids (`input_dtype: i32`, `embedding`) checks, but the data layer
/// reads features as floats: training refuses it with a message instead of feeding float
/// bits as ids.
@Suite struct IntegerInputTests {
  @Test func trainingAModelOverTokenIdsIsRefusedClearly() throws {
    let scratch = try ScratchFolder("ids")
    defer { scratch.remove() }
    let spec = try scratch.write("""
      dlc: 1
      name: ids
      data:
        source: {csv: \(Golden.root)/specs/data/digits.csv, target: label}
        task: classification
      model:
        input: [64]
        input_dtype: i32
        layers:
          - embedding: {vocab: 17, dim: 4}
          - flatten
          - dense: 10
      loss: cross_entropy
      train:
        optimizer: {adam: 1e-3}
        batch_size: 32
        epochs: 1
      """, to: "ids.yaml")
    #expect(Driver.check(SpecOptions(path: spec)).status == 0)
    let result = Driver.train(TrainOptions(spec: SpecOptions(path: spec), outputDirectory: scratch.path + "/runs")) { _ in }
    #expect(result.status == 1)
    #expect(result.stderr.contains("'i32' inputs"), "\(result.stderr)")
  }
}
