import DLCIR
import DLCPasses
import Testing
import _DLCTestSupport

/// `precompute-frozen`: where the frozen prefix ends, what makes it illegal (reported at
/// the op), and that the split model trains the head alone.
@Suite struct PrecomputeFrozenTests {
  /// A model `input → enc (frozen) → <middle> → code (frozen) → head → <tail> → out`.
  static func model(middle: String = "%m = relu(%enc) : tensor<Nx8xf32>", tail: String = "%t = relu(%head) : tensor<Nx4xf32>",
                    freeze: String = "[\"enc\", \"code\"]") -> String {
    """
    module @m attributes {train = {batch_size = 4, epochs = 1, freeze = \(freeze), optimizer = {kind = "sgd", lr = 0.1, momentum = 0.0, dampening = 0.0, nesterov = false, weight_decay = 0.0}}} {
      param @enc.weight : tensor<8x6xf32> {layer = "enc", trainable = true}
      param @code.weight : tensor<5x8xf32> {layer = "code", trainable = true}
      param @head.weight : tensor<4x5xf32> {layer = "head", trainable = true}
      param @out.weight : tensor<3x4xf32> {layer = "out", trainable = true}

      func @predict(%input: tensor<Nx6xf32>) -> (tensor<Nx3xf32>) {
        %enc = dense(%input, @enc.weight) : tensor<Nx8xf32> loc("s.yaml":3:7)
        \(middle) loc("s.yaml":4:7)
        %code = dense(%m, @code.weight) : tensor<Nx5xf32> loc("s.yaml":5:7)
        %code.relu = relu(%code) : tensor<Nx5xf32> loc("s.yaml":5:7)
        %head = dense(%code.relu, @head.weight) : tensor<Nx4xf32> loc("s.yaml":6:7)
        \(tail) loc("s.yaml":7:7)
        %out = dense(%t, @out.weight) : tensor<Nx3xf32> loc("s.yaml":8:7)
        return %out
      }

      func @loss(%output: tensor<Nx3xf32>, %target: tensor<Nxi32>) -> (tensor<f32>) {
        %loss = cross_entropy(%output, %target) {label_smoothing = 0.0} : tensor<f32>
        return %loss
      }
    }

    """
  }

  func split(_ text: String) throws -> Module {
    try PassManager(passes: [PrecomputeFrozen()]).running(parseModule(text))
  }

  /// The error a split of `text` fails with.
  func failure(_ text: String) throws -> PassError? {
    var m = try parseModule(text)
    do { try PrecomputeFrozen().run(on: &m, context: PassContext()) } catch let e as PassError { return e }
    return nil
  }

  @Test func theFrozenLayersAndTheActivationAfterThemArePrecomputed() throws {
    let m = try split(Self.model())
    let precompute = try #require(m.function(named: "precompute"))
    #expect(precompute.body.map { $0.results[0].name } == ["enc", "m", "code", "code.relu"])
    #expect(precompute.returns == ["code.relu"])
    let head = try #require(m.function(named: "predict"))
    #expect(head.arguments.map(\.name) == ["code.relu"])
    #expect(head.body.map { $0.results[0].name } == ["head", "t", "out"])
    #expect(m.parameters.count == 4, "every parameter stays, frozen ones included")
  }

  @Test func autodiffThenTrainsTheHeadAlone() throws {
    let m = try PassManager(passes: [PrecomputeFrozen(), Autodiff()]).running(parseModule(Self.model()))
    let step = try #require(m.function(named: "train_step"))
    #expect(step.arguments[0].name == "code.relu")
    #expect(!step.body.contains { $0.operands.contains(.param("enc.weight")) })
    let state = m.parameters.filter { $0.attributes["state"]?.stringValue == "optimizer" }
    #expect(state.isEmpty, "sgd without momentum has no state")
  }

  @Test func rejoiningGivesTheOriginalModelBack() throws {
    let original = try parseModule(Self.model())
    #expect(PrecomputeFrozen.rejoined(try split(Self.model())) == original)
  }

  @Test func aDropoutBetweenFrozenLayersIsAnErrorAtTheDropout() throws {
    let e = try #require(try failure(Self.model(middle: "%m = dropout(%enc) {rate = 0.5} : tensor<Nx8xf32>")))
    #expect(e.message == "layer 'm' (dropout) in the frozen prefix draws random numbers at training time; precomputing would freeze one draw")
    #expect(e.location == IRLocation(file: "s.yaml", line: 4, column: 7))
    #expect(e.help?.contains("frozen layer 'code'") == true)
  }

  @Test func aDropoutAfterTheFrozenLayersStaysInTheHead() throws {
    let m = try split(Self.model(tail: "%t = dropout(%head) {rate = 0.5} : tensor<Nx4xf32>"))
    #expect(m.function(named: "predict")?.body.contains { $0.opcode == "dropout" } == true)
    #expect(m.function(named: "precompute")?.body.contains { $0.opcode == "dropout" } == false)
  }

  @Test func aTrainedFirstLayerLeavesNothingToPrecompute() throws {
    let e = try #require(try failure(Self.model(freeze: "[\"code\"]")))
    #expect(e.message == "no frozen layer reads the model input: 'enc' comes first and is trained")
    #expect(e.location?.line == 3)
  }

  @Test func aHeadReadingTwoPrefixValuesIsAnError() throws {
    let twoReads = Self.model(tail: "%t = add(%head, %enc) : tensor<Nx4xf32>")
      .replacingOccurrences(of: "tensor<8x6xf32>", with: "tensor<4x6xf32>")
      .replacingOccurrences(of: "%enc = dense(%input, @enc.weight) : tensor<Nx8xf32>", with: "%enc = dense(%input, @enc.weight) : tensor<Nx4xf32>")
      .replacingOccurrences(of: "%m = relu(%enc) : tensor<Nx8xf32>", with: "%m = relu(%enc) : tensor<Nx4xf32>")
      .replacingOccurrences(of: "tensor<5x8xf32>", with: "tensor<5x4xf32>")
    let e = try #require(try failure(twoReads))
    #expect(e.message.hasPrefix("the rest of the model reads 2 values of the frozen prefix, 'code.relu' (read by 'head'), 'enc' (read by 't')"))
  }

  @Test func theBackendDescriptionKeysOnTheIRWithoutLocations() throws {
    let a = try #require(PrecomputeFrozen.Prefix(of: try split(Self.model())))
    let moved = Self.model().replacingOccurrences(of: "\"s.yaml\":3:7", with: "\"s.yaml\":30:7")
    let b = try #require(PrecomputeFrozen.Prefix(of: try split(moved)))
    #expect(a == b)
    #expect(a.outputShape == [5])
    #expect(a.parameters == ["enc.weight", "code.weight"])
    #expect(!a.diskCache)
  }
}
