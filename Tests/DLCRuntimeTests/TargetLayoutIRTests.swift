import DLCIR
import DLCRuntime
import DLCTraining
import Testing
import _DLCTestSupport

/// The interpreter writes targets in the type `@loss` declares, and refuses data that
/// does not fit it before a step runs.
@Suite struct TargetLayoutIRTests {
  private func golden(_ name: String, _ stage: String = "train.ir") throws -> Module {
    try parseModule(try #require(RepoRoot.read("golden/specs/\(name).\(stage)")))
  }

  @Test func theLayoutIsTheLossTargetType() throws {
    let expected: [(String, TargetLayout)] = [
      ("breast_cancer", .classIndices), ("breast_cancer_binary", .values(1)), ("diabetes_regression", .values(1)),
      ("digits_autoencoder", .values(64)),
    ]
    for (name, layout) in expected {
      let module = try golden(name)
      #expect(TargetLayout(lossTargetOf: module) == layout, "\(name)")
      #expect(InterpreterBackend(module: module, seed: 1).targetLayout == layout, "\(name)")
    }
  }

  /// Class indices of a binary model reach `bce_with_logits` as the floats 0 and 1, and
  /// data of another shape is refused instead of read as other bits.
  @Test func aTrainingBatchIsWrittenInTheDeclaredType() throws {
    let backend = InterpreterBackend(module: try golden("breast_cancer_binary"), seed: 1)
    let data = Dataset(x: [Float](repeating: 0.5, count: 3 * 30), y: .classes([1, 0, 1]), count: 3, sampleShape: [30])
    let buffers = try backend.trainBuffers(batch: 3)
    try data.gather([0, 1, 2], x: buffers.x, target: buffers.target, as: backend.targetLayout)
    let target = buffers.target.assumingMemoryBound(to: Float.self)
    #expect([target[0], target[1], target[2]] == [1, 0, 1])

    let wide = Dataset(x: [Float](repeating: 0.5, count: 3 * 30), y: .values([Float](repeating: 0, count: 6), width: 2), count: 3, sampleShape: [30])
    #expect(throws: TrainingError.self) { try wide.gather([0, 1, 2], x: buffers.x, target: buffers.target, as: backend.targetLayout) }
  }
}
