import DLCIR
import Testing

@Suite struct NormalizationTests {
  private let bn: [String: Attribute] = ["momentum": 0.1, "eps": 1e-5]

  @Test func batchnormPerFeatureOrChannel() throws {
    #expect(try infer("batchnorm", [t("Nx16"), t("16"), t("16"), t("16"), t("16")], bn) == [t("Nx16")])
    #expect(try infer("batchnorm", [t("Nx4x8x8"), t("4"), t("4"), t("4"), t("4")], bn) == [t("Nx4x8x8")])
  }

  @Test func batchnormErrors() {
    #expect(failure("batchnorm", [t("Nx6x8"), t("8"), t("8"), t("8"), t("8")], bn)
      == ShapeError("batchnorm over a sequence [6, 8] is ambiguous", help: "use '- layernorm' to normalize each position"))
    #expect(failure("batchnorm", [t("Nx16"), t("16"), t("8"), t("16"), t("16")], bn)?.message
      == "the beta of 'batchnorm' is [8] but must be [16] for 16 features")
    #expect(failure("batchnorm", [t("Nx4x8x8"), t("4"), t("4"), t("4"), t("8")], bn)?.message
      == "the running_var of 'batchnorm' is [8] but must be [4] for 4 channels")
    #expect(failure("batchnorm", [t("Nx16"), t("16")], bn)?.message
      == "'batchnorm' takes 3 to 5 operands (x, gamma?, beta?, running_mean, running_var), found 2")
    let zeroEps: [String: Attribute] = ["momentum": 0.1, "eps": 0.0]
    #expect(failure("batchnorm", [t("Nx16"), t("16"), t("16"), t("16"), t("16")], zeroEps)?.message
      == "eps must be a positive number, found 0.0")
    let badMomentum: [String: Attribute] = ["momentum": 1.5, "eps": 1e-5]
    #expect(failure("batchnorm", [t("Nx16"), t("16"), t("16"), t("16"), t("16")], badMomentum)?.message
      == "momentum must be in [0, 1], found 1.5")
  }

  /// Without gamma and beta (`affine: false`): x and the running statistics only.
  @Test func batchnormWithoutAffine() throws {
    #expect(try infer("batchnorm", [t("Nx16"), t("16"), t("16")], bn) == [t("Nx16")])
    #expect(try infer("batchnorm_train", [t("Nx4x8x8"), t("4"), t("4")], bn) == [t("Nx4x8x8"), t("4"), t("4")])
    #expect(failure("batchnorm", [t("Nx16"), t("16"), t("16"), t("16")], bn)?.message
      == "'batchnorm' takes both gamma and beta or neither, found 4 operands")
    #expect(failure("batchnorm", [t("Nx4x8x8"), t("4"), t("8")], bn)?.message
      == "the running_var of 'batchnorm' is [8] but must be [4] for 4 channels")
  }

  /// groupnorm over (N, C, *) as PyTorch: images, features and sequences (whose channels
  /// are the positions), with or without the affine part.
  @Test func groupnormOverChannelGroups() throws {
    let g: [String: Attribute] = ["groups": 2, "eps": 1e-5]
    #expect(try infer("groupnorm", [t("Nx4x8x8"), t("4"), t("4")], g) == [t("Nx4x8x8")])
    #expect(try infer("groupnorm", [t("Nx4x8x8")], g) == [t("Nx4x8x8")])
    #expect(try infer("groupnorm", [t("Nx6")], g) == [t("Nx6")])
    #expect(try infer("groupnorm", [t("Nx6x5"), t("6"), t("6")], g) == [t("Nx6x5")])
    #expect(flops("groupnorm", [t("Nx4x8x8"), t("4"), t("4")], g) == 5 * 256)
    #expect(try infer("groupnorm_grad", [t("Nx4x8x8"), t("Nx4x8x8"), t("4")], g) == [t("Nx4x8x8"), t("4"), t("4")])
    #expect(try infer("groupnorm_grad", [t("Nx4x8x8"), t("Nx4x8x8")], g) == [t("Nx4x8x8")])
  }

  @Test func groupnormErrors() {
    #expect(failure("groupnorm", [t("Nx6x4x4")], ["groups": 4, "eps": 1e-5])
      == ShapeError("4 groups do not divide 6 channels", help: "use a number of groups that divides 6: 1, 2, 3 or 6"))
    #expect(failure("groupnorm", [t("Nx6x4x4")], ["groups": 0, "eps": 1e-5])?.message == "0 groups do not divide 6 channels")
    #expect(failure("groupnorm", [t("Nx6x4x4"), t("4"), t("6")], ["groups": 3, "eps": 1e-5])?.message
      == "the gamma of 'groupnorm' is [4] but must be [6] for 6 channels")
    #expect(failure("groupnorm", [t("Nx6x4x4"), t("6")], ["groups": 3, "eps": 1e-5])?.message
      == "'groupnorm' takes both gamma and beta or neither, found 2 operands")
    #expect(failure("groupnorm", [t("Nx6")], ["groups": 3, "eps": 0.0])?.message == "eps must be a positive number, found 0.0")
  }

  @Test func groupChoicesListTheDivisors() {
    #expect(groupChoices(1) == "1")
    #expect(groupChoices(7) == "1 or 7")
    #expect(groupChoices(12) == "1, 2, 3, 4, 6 or 12")
    #expect(groupChoices(720) == "1, 2, 3, 4, …, 360 or 720")
  }

  @Test func layernormOverTheLastAxis() throws {
    #expect(try infer("layernorm", [t("Nx6x8"), t("8"), t("8")], ["eps": 1e-5]) == [t("Nx6x8")])
    #expect(failure("layernorm", [t("Nx6x8"), t("6"), t("8")], ["eps": 1e-5])?.message
      == "the gamma of 'layernorm' is [6] but must be [8] for 8 features")
  }

  @Test func dropoutRateIsAProbability() throws {
    #expect(try infer("dropout", [t("Nx8")], ["rate": 0.2]) == [t("Nx8")])
    #expect(try infer("dropout", [t("Nx8")], ["rate": 0]) == [t("Nx8")])
    #expect(failure("dropout", [t("Nx8")], ["rate": 1.0])?.message == "the dropout rate must be in [0, 1), found 1.0")
    #expect(failure("dropout", [t("Nx8")], ["rate": -0.1])?.message == "the dropout rate must be in [0, 1), found -0.1")
    #expect(failure("dropout", [t("Nx8")], ["rate": .float(.nan)])?.message == "the dropout rate must be in [0, 1), found nan")
  }

  @Test func flopsCountTheInferenceForm() {
    #expect(flops("batchnorm", [t("Nx4x8x8"), t("4"), t("4"), t("4"), t("4")], bn) == 2 * 256)
    #expect(flops("layernorm", [t("Nx6x8"), t("8"), t("8")], ["eps": 1e-5]) == 5 * 48)
    #expect(flops("dropout", [t("Nx8")], ["rate": 0.5]) == 0)
  }
}
