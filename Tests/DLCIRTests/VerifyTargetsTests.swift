import DLCIR
import Foundation
import Testing

/// The target buffer: `@loss` and `@train_step` read one type, the loss op's rule and
/// the module's task agree with it.
@Suite struct VerifyTargetsTests {
  private let good = Fixture.module(Fixture.digitsMLP)

  private func problems(_ m: Module) -> [String] { verify(m).map(\.description) }

  /// `digits_mlp` with its `@loss` replaced by `text`.
  private func withLoss(_ text: String) -> Module {
    let start = Fixture.digitsMLP.range(of: "  func @loss")!.lowerBound
    let end = Fixture.digitsMLP.range(of: "return %loss\n  }\n")!.upperBound
    return Fixture.module(Fixture.digitsMLP.replacingCharacters(in: start..<end, with: text))
  }

  /// A `@train_step` whose target argument has `type` (the body does not matter here).
  private func withTrainStep(_ m: Module, target type: TensorType) -> Module {
    var m = m
    let input = Value(name: "input", type: TensorType(dims: [.batch, .fixed(64)], element: .f32))
    m.functions.append(Function(name: "train_step", arguments: [input, Value(name: "target", type: type)], results: [], body: [], returns: []))
    return m
  }

  @Test func matchingTargetsPass() {
    #expect(problems(withTrainStep(good, target: TensorType(dims: [.batch], element: .i32))).isEmpty)
  }

  /// The defect this guards against: class indices (`i32`) written where the loss reads
  /// `f32` (binary `bce_with_logits` read label 1 as 1.4e-45).
  @Test func aFloatLossOnClassIndicesIsRefused() {
    let m = withLoss("""
        func @loss(%output: tensor<Nx10xf32>, %target: tensor<Nxi32>) -> (tensor<f32>) {
          %loss = bce_with_logits(%output, %target) : tensor<f32>
          return %loss
        }

      """)
    #expect(problems(m).contains { $0.hasPrefix("in @loss, at 'bce_with_logits %loss': operands do not fit") }, "\(problems(m))")
  }

  @Test func theTrainingStepReadsTheLossTargetType() {
    let m = withTrainStep(good, target: TensorType(dims: [.batch, .fixed(1)], element: .f32))
    #expect(problems(m) == ["in @train_step: the target %target is tensor<Nx1xf32>, but @loss reads its target as tensor<Nxi32>"])
  }

  @Test func theTaskDecidesWhichTargetsAreValid() {
    let floats = withLoss("""
        func @loss(%output: tensor<Nx10xf32>, %target: tensor<Nx10xf32>) -> (tensor<f32>) {
          %loss = mse(%output, %target) : tensor<f32>
          return %loss
        }

      """)
    #expect(problems(floats) == ["in @loss: a classification target is tensor<Nxi32> (class indices) or one f32 0/1 per sample, found tensor<Nx10xf32>"])
    var regression = good
    regression.attributes["data"] = .dict(["task": .string("regression")])
    #expect(problems(regression) == ["in @loss: a regression target is f32 values, found tensor<Nxi32>"])
  }

  @Test func targetsHaveABatchAndANumericType() {
    let unbatched = withLoss("""
        func @loss(%output: tensor<Nx10xf32>, %target: tensor<10xf32>) -> (tensor<f32>) {
          %loss = cross_entropy(%output, %target) {label_smoothing = 0.0} : tensor<f32>
          return %loss
        }

      """)
    #expect(problems(unbatched).contains("in @loss: the target %target is tensor<10xf32>: a batch of targets needs the batch dimension first"))
    let bytes = withLoss("""
        func @loss(%output: tensor<Nx10xf32>, %target: tensor<Nx10xu8>) -> (tensor<f32>) {
          %loss = mse(%output, %target) : tensor<f32>
          return %loss
        }

      """)
    #expect(problems(bytes).contains("in @loss: the target %target is tensor<Nx10xu8>: targets are class indices tensor<Nxi32> or f32 values"))
  }
}
