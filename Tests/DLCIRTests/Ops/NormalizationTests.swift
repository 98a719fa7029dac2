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
      == "'batchnorm' takes 5 operands (x, gamma, beta, running_mean, running_var), found 2")
    let zeroEps: [String: Attribute] = ["momentum": 0.1, "eps": 0.0]
    #expect(failure("batchnorm", [t("Nx16"), t("16"), t("16"), t("16"), t("16")], zeroEps)?.message
      == "eps must be a positive number, found 0.0")
    let badMomentum: [String: Attribute] = ["momentum": 1.5, "eps": 1e-5]
    #expect(failure("batchnorm", [t("Nx16"), t("16"), t("16"), t("16"), t("16")], badMomentum)?.message
      == "momentum must be in [0, 1], found 1.5")
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
