import DLCIR
import Testing

@Suite struct GradientTests {
  private let conv: [String: Attribute] = ["stride": ints(2, 2), "padding": ints(1, 1), "dilation": ints(1, 1)]
  private let pool: [String: Attribute] = ["size": ints(2, 2), "stride": ints(2, 2), "padding": ints(0, 0)]

  /// Infers with declared result types, as the verifier does.
  private func inferDeclared(_ opcode: String, _ operands: [TensorType], _ attrs: [String: Attribute], _ declared: [TensorType]) throws(ShapeError) -> [TensorType] {
    try OpRegistry.schema(opcode)!.infer(operands: operands, attributes: attrs, declared: declared)
  }

  private func declaredFailure(_ opcode: String, _ operands: [TensorType], _ attrs: [String: Attribute], _ declared: [TensorType]) -> String? {
    do {
      _ = try inferDeclared(opcode, operands, attrs, declared)
      return nil
    } catch {
      return error.message
    }
  }

  @Test func denseGradientsHaveTheTypesOfWhatTheyDifferentiate() throws {
    #expect(try infer("dense_grad_input", [t("Nx10"), t("10x64")]) == [t("Nx64")])
    #expect(try infer("dense_grad_input", [t("Nx8x10"), t("10x64")]) == [t("Nx8x64")])
    #expect(try infer("dense_grad_weight", [t("Nx8x10"), t("Nx8x64")]) == [t("10x64")])
    #expect(try infer("dense_grad_bias", [t("Nx8x10")]) == [t("10")])
    #expect(failure("dense_grad_input", [t("Nx10"), t("64x10")])?.message
      == "the weight of 'dense_grad_input' is [64, 10] but must be [10, in] for a gradient of 10 units")
    #expect(failure("dense_grad_weight", [t("Nx8x10"), t("Nx4x64")])?.message
      == "'dense_grad_weight' needs a gradient and an input with the same rows, found [8, 10] and [4, 64]")
    #expect(flops("dense_grad_input", [t("Nx10"), t("10x64")]) == 2 * 10 * 64)
  }

  @Test func conv2dGradInputChecksTheDeclaredInput() throws {
    // A stride of 2 maps inputs of 8 and 7 rows to 4 outputs: the declared type decides.
    #expect(try inferDeclared("conv2d_grad_input", [t("Nx4x4x4"), t("4x1x3x3")], conv, [t("Nx1x8x8")]) == [t("Nx1x8x8")])
    #expect(try inferDeclared("conv2d_grad_input", [t("Nx4x4x4"), t("4x1x3x3")], conv, [t("Nx1x7x7")]) == [t("Nx1x7x7")])
    #expect(declaredFailure("conv2d_grad_input", [t("Nx4x4x4"), t("4x1x3x3")], conv, [t("Nx1x12x12")])
      == "'conv2d_grad_input' has a gradient [4, 4, 4], but 'conv2d' of the declared input [1, 12, 12] gives [4, 6, 6]")
    #expect(declaredFailure("conv2d_grad_input", [t("Nx4x4x4"), t("4x1x3x3")], conv, [t("Nx2x8x8")])
      == "the weight of 'conv2d' is [4, 1, 3, 3] but must be [K, 2, kh, kw] for 2 input channels")
    #expect(failure("conv2d_grad_input", [t("Nx4x4x4"), t("4x1x3x3")], conv)?.message
      == "'conv2d_grad_input' takes the input size from its declared result type, which is missing")
  }

  @Test func conv2dGradWeightAndBias() throws {
    #expect(try inferDeclared("conv2d_grad_weight", [t("Nx4x4x4"), t("Nx1x8x8")], conv, [t("4x1x3x3")]) == [t("4x1x3x3")])
    #expect(declaredFailure("conv2d_grad_weight", [t("Nx4x4x4"), t("Nx1x8x8")], conv, [t("8x1x3x3")])
      == "'conv2d_grad_weight' has a gradient [4, 4, 4], but 'conv2d' of the input and the declared weight [8, 1, 3, 3] gives [8, 4, 4]")
    #expect(try infer("conv2d_grad_bias", [t("Nx4x4x4")]) == [t("4")])
    #expect(failure("conv2d_grad_bias", [t("Nx4")])?.message == "'conv2d_grad_bias' needs a gradient [K, H, W] per sample, found [4]")
  }

  @Test func poolGradients() throws {
    #expect(try infer("maxpool2d_grad", [t("Nx4x4x4"), t("Nx4x8x8")], pool) == [t("Nx4x8x8")])
    #expect(failure("maxpool2d_grad", [t("Nx4x3x3"), t("Nx4x8x8")], pool)?.message
      == "'maxpool2d_grad' has a gradient [4, 3, 3], but 'maxpool2d' of the input [4, 8, 8] gives [4, 4, 4]")
    #expect(try inferDeclared("avgpool2d_grad", [t("Nx4x4x4")], pool, [t("Nx4x9x9")]) == [t("Nx4x9x9")])
    #expect(try inferDeclared("global_avgpool_grad", [t("Nx4")], [:], [t("Nx4x8x8")]) == [t("Nx4x8x8")])
    #expect(try inferDeclared("global_avgpool_grad", [t("Nx8")], [:], [t("Nx6x8")]) == [t("Nx6x8")])
    #expect(declaredFailure("global_avgpool_grad", [t("Nx4")], [:], [t("Nx6x8")])
      == "'global_avgpool_grad' has a gradient [4], but 'global_avgpool' of the declared input [6, 8] gives [8]")
  }

  @Test func activationGradientsNeedOneType() throws {
    #expect(try infer("relu_grad", [t("Nx10"), t("Nx10")]) == [t("Nx10")])
    #expect(try infer("softmax_grad", [t("Nx10"), t("Nx10")], ["axis": -1]) == [t("Nx10")])
    #expect(failure("sigmoid_grad", [t("Nx10"), t("Nx12")])?.message
      == "the output of 'sigmoid_grad' must have the type of the gradient, tensor<Nx10xf32>, found tensor<Nx12xf32>")
    #expect(failure("leaky_relu_grad", [t("Nx10"), t("Nx10")])?.message == "'leaky_relu_grad' needs attribute 'slope' (a number)")
  }

  @Test func lossGradientsHaveTheOutputsType() throws {
    let i32 = TensorType(dims: [.batch], element: .i32)
    #expect(try infer("cross_entropy_grad", [t("Nx10"), i32], ["label_smoothing": 0.1, "class_weights": "balanced"]) == [t("Nx10")])
    #expect(try infer("mse_grad", [t("Nx3"), t("Nx3")]) == [t("Nx3")])
    #expect(failure("cross_entropy_grad", [t("Nx10"), t("Nx10")], ["label_smoothing": 0.0])?.message
      == "'cross_entropy' needs class indices tensor<Nxi32> as target, found tensor<Nx10xf32>")
  }

  @Test func normalizationGradients() throws {
    let step = TensorType(dims: [], element: .i64)
    #expect(try infer("layernorm_grad", [t("Nx6x8"), t("Nx6x8"), t("8")], ["eps": 1e-5]) == [t("Nx6x8"), t("8"), t("8")])
    #expect(try infer("batchnorm_grad", [t("Nx4x8x8"), t("Nx4x8x8"), t("4"), t("4"), t("4")]) == [t("Nx4x8x8"), t("4"), t("4")])
    #expect(failure("batchnorm_grad", [t("Nx4x8x8"), t("Nx4x8x8"), t("4"), t("4"), t("3")])?.message
      == "the invstd of 'batchnorm_grad' is [3] but must be [4] for 4 channels")
    #expect(try infer("batchnorm_grad", [t("Nx4x8x8"), t("Nx4x8x8"), t("4"), t("4")]) == [t("Nx4x8x8")])
    #expect(try infer("dropout_grad", [t("Nx8"), step], ["rate": 0.2, "stream": 1]) == [t("Nx8")])
  }

  @Test func selfAttentionGradGivesBiasGradientsWithBias() throws {
    let step = TensorType(dims: [], element: .i64)
    var attrs: [String: Attribute] = ["heads": 2, "causal": true, "dropout": 0.0, "bias": true, "stream": 0]
    let operands = [t("Nx6x8"), t("Nx6x8"), t("Nx6x24"), t("Nx2x6x6"), t("Nx6x8"), t("24x8"), t("8x8"), step]
    #expect(try infer("self_attention_grad", operands, attrs) == [t("Nx6x8"), t("24x8"), t("24"), t("8x8"), t("8")])
    attrs["bias"] = false
    #expect(try infer("self_attention_grad", operands, attrs) == [t("Nx6x8"), t("24x8"), t("8x8")])
    var wrong = operands
    wrong[3] = t("Nx6x6")
    #expect(failure("self_attention_grad", wrong, attrs)?.message
      == "the probs of 'self_attention_grad' must be tensor<Nx2x6x6xf32> for an input [6, 8], found tensor<Nx6x6xf32>")
  }

  @Test func embeddingGradTakesTheVocabularyFromItsResult() throws {
    let ids = TensorType(dims: [.batch, .fixed(6)], element: .i32)
    #expect(try inferDeclared("embedding_grad", [t("Nx6x8"), ids], [:], [t("50x8")]) == [t("50x8")])
    #expect(declaredFailure("embedding_grad", [t("Nx6x8"), ids], [:], [t("50x4")])
      == "the result of 'embedding_grad' must be a table [V, 8] of f32, found tensor<50x4xf32>")
  }

  @Test func sliceTakesAPart() throws {
    #expect(try infer("slice", [t("Nx6x8")], ["axis": -1, "start": 2, "length": 3]) == [t("Nx6x3")])
    #expect(failure("slice", [t("Nx6x8")], ["axis": 0, "start": 4, "length": 3])?.message
      == "'slice' of 3 from 4 does not fit axis 0 of [6, 8]")
  }
}
