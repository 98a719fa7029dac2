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
