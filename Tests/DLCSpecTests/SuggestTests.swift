import Testing
@testable import DLCSpec

@Suite struct SuggestTests {
  @Test func typosFindTheirName() {
    let layers = Catalog.entries(.layer).map(\.name)
    #expect(Suggest.closest(to: "dense2d", in: layers) == "dense")
    #expect(Suggest.closest(to: "conv2", in: layers) == "conv2d")
    #expect(Suggest.closest(to: "dropuot", in: layers) == "dropout")
    #expect(Suggest.closest(to: "Dense", in: layers) == "dense")
    #expect(Suggest.closest(to: "adamm", in: ["sgd", "adam", "adamw"]) == "adam")
  }

  /// The spellings of other frameworks (PyTorch's class names, Keras's strings) are not
  /// aliases: each finds the one catalog name, which "did you mean" then offers.
  @Test(arguments: [
    ("hardswish", "hard_swish"), ("Hardswish", "hard_swish"), ("hardsigmoid", "hard_sigmoid"), ("hardtanh", "hard_tanh"),
    ("logsigmoid", "log_sigmoid"), ("LogSigmoid", "log_sigmoid"), ("logsoftmax", "log_softmax"), ("LogSoftmax", "log_softmax"),
    ("SiLU", "silu"), ("ReLU6", "relu6"), ("SELU", "selu"), ("CELU", "celu"), ("Mish", "mish"), ("Softplus", "softplus"),
    ("Softsign", "softsign"), ("ELiSH", "elish"), ("HardELiSH", "hard_elish"), ("hard_silu", "hard_swish"),
  ])
  func otherFrameworksActivationNamesFindOurs(_ typed: String, _ ours: String) {
    let known = Catalog.entries(.layer).map(\.name) + Catalog.entries(.activation).map(\.name)
    #expect(Suggest.closest(to: typed, in: known) == ours)
  }

  @Test func farNamesFindNothing() {
    #expect(Suggest.closest(to: "transformer", in: ["dense", "relu"]) == nil)
    #expect(Suggest.closest(to: "x", in: ["dense", "relu"]) == nil)
  }

  @Test func distanceCountsTranspositionsOnce() {
    #expect(Suggest.distance("ab", "ba") == 1)
    #expect(Suggest.distance("kitten", "sitting") == 3)
    #expect(Suggest.distance("", "abc") == 3)
  }
}
