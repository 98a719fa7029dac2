import DLCIR
import Testing

@Suite struct TrainingTests {
  private let step = TensorType(dims: [], element: .i64)

  @Test func dropoutTrainTakesTheStep() throws {
    #expect(try infer("dropout_train", [t("Nx8"), step], ["rate": 0.5, "stream": 0]) == [t("Nx8")])
    #expect(failure("dropout_train", [t("Nx8"), t("")], ["rate": 0.5, "stream": 0])?.message
      == "the step of 'dropout_train' must be tensor<i64>, found tensor<f32>")
    #expect(failure("dropout_train", [t("Nx8"), step], ["rate": 0.5, "stream": -1])?.message
      == "the stream of 'dropout_train' must not be negative, found -1")
    #expect(failure("dropout_train", [t("Nx8"), step], ["rate": 1.0, "stream": 0])?.message
      == "the dropout rate must be in [0, 1), found 1.0")
    #expect(failure("dropout_train", [t("Nx8"), step], ["rate": 0.5])?.message == "'dropout_train' needs attribute 'stream' (an integer)")
  }

  @Test func batchnormTrainReturnsTheBatchStatistics() throws {
    let bn: [String: Attribute] = ["momentum": 0.1, "eps": 1e-5]
    #expect(try infer("batchnorm_train", [t("Nx4x8x8"), t("4"), t("4"), t("4"), t("4")], bn) == [t("Nx4x8x8"), t("4"), t("4")])
    #expect(failure("batchnorm_train", [t("Nx4x8x8"), t("3"), t("4"), t("4"), t("4")], bn)?.message
      == "the gamma of 'batchnorm_train' is [3] but must be [4] for 4 channels")
  }

  @Test func selfAttentionTrainKeepsWhatTheBackwardNeeds() throws {
    let attrs: [String: Attribute] = ["heads": 2, "causal": false, "dropout": 0.1, "bias": true, "stream": 3]
    let operands = [t("Nx6x8"), t("24x8"), t("24"), t("8x8"), t("8"), step]
    #expect(try infer("self_attention_train", operands, attrs) == [t("Nx6x8"), t("Nx6x24"), t("Nx2x6x6"), t("Nx6x8")])
    var unbiased = attrs
    unbiased["bias"] = false
    #expect(try infer("self_attention_train", [t("Nx6x8"), t("24x8"), t("8x8"), step], unbiased).count == 4)
    #expect(failure("self_attention_train", Array(operands.dropLast()), attrs)?.message
      == "'self_attention_train' with bias = true takes 6 operands, found 5")
    #expect(failure("self_attention_train", [t("Nx6x8"), t("24x8"), t("8x8"), step], attrs)?.message
      == "'self_attention_train' with bias = true takes 6 operands, found 4")
  }

  @Test func trainingFormsCountTheirExtraWork() {
    #expect(flops("dropout_train", [t("Nx8"), step], ["rate": 0.5, "stream": 0]) == 8)
    #expect(flops("batchnorm_train", [t("Nx4"), t("4"), t("4"), t("4"), t("4")], ["momentum": 0.1, "eps": 1e-5]) == 28)
  }
}
