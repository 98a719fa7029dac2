import DLCIR
import DLCPasses
import Testing

@Suite struct AutodiffTests {
  static let adam = #"{amsgrad = false, betas = [0.9, 0.999], eps = 1e-08, kind = "adam", lr = 0.001, weight_decay = 0.0}"#

  /// A small residual model: %h feeds both %a and %sum, so its gradient is a sum; `bn`
  /// sits after the first layer; `optimizer` and `freeze` go into the `train` attribute.
  /// `affine: false` leaves out the batchnorm's gamma and beta.
  static func model(optimizer: String = adam, freeze: String = "[]", headTrainable: Bool = true, affine: Bool = true) -> Module {
    let affineParameters = affine ? """
        param @bn.gamma : tensor<8xf32> {layer = "bn", trainable = true}
        param @bn.beta : tensor<8xf32> {layer = "bn", trainable = true}

      """ : ""
    let text = """
      module @m attributes {train = {freeze = \(freeze), optimizer = \(optimizer)}} {
        param @first.weight : tensor<8x4xf32> {layer = "first", trainable = true}
        param @first.bias : tensor<8xf32> {layer = "first", trainable = true}
      \(affineParameters)  param @bn.running_mean : tensor<8xf32> {layer = "bn", trainable = false}
        param @bn.running_var : tensor<8xf32> {layer = "bn", trainable = false}
        param @a.weight : tensor<8x8xf32> {layer = "a", trainable = true}
        param @head.weight : tensor<3x8xf32> {layer = "head", trainable = \(headTrainable)}

        func @predict(%input: tensor<Nx4xf32>) -> (tensor<Nx3xf32>) {
          %first = dense(%input, @first.weight, @first.bias) : tensor<Nx8xf32> loc("m.yaml":1:1)
          %bn = batchnorm(%first, \(affine ? "@bn.gamma, @bn.beta, " : "")@bn.running_mean, @bn.running_var) {eps = 1e-05, momentum = 0.1} : tensor<Nx8xf32> loc("m.yaml":2:1)
          %h = relu(%bn) : tensor<Nx8xf32> loc("m.yaml":3:1)
          %a = dense(%h, @a.weight) : tensor<Nx8xf32> loc("m.yaml":4:1)
          %drop = dropout(%a) {rate = 0.1} : tensor<Nx8xf32> loc("m.yaml":5:1)
          %sum = add(%h, %drop) : tensor<Nx8xf32> loc("m.yaml":6:1)
          %head = dense(%sum, @head.weight) : tensor<Nx3xf32> loc("m.yaml":7:1)
          return %head
        }

        func @loss(%output: tensor<Nx3xf32>, %target: tensor<Nxi32>) -> (tensor<f32>) {
          %loss = cross_entropy(%output, %target) {class_weights = "balanced", label_smoothing = 0.0} : tensor<f32> loc("m.yaml":9:1)
          return %loss
        }
      }

      """
    do { return try parseModule(text) } catch { fatalError("fixture does not parse: \(error)") }
  }

  /// The module after autodiff, verified.
  private func trained(_ m: Module) throws -> Module {
    let out = try PassManager(passes: [Autodiff()]).running(m)
    #expect(verify(out).isEmpty)
    return out
  }

  private func trainStep(_ m: Module) throws -> Function { try #require(m.function(named: "train_step")) }

  /// Every value name an op of `f` defines.
  private func defined(_ f: Function) -> Set<String> { Set(f.body.flatMap(\.results).map(\.name)) }

  /// The updated parameters, in order.
  private func updates(_ f: Function) -> [String] {
    f.body.filter { $0.results.isEmpty }.map { $0.operands[0].name }
  }

  @Test func theSignatureIsTheContract() throws {
    let f = try trainStep(try trained(Self.model()))
    #expect(f.arguments.map(\.name) == ["input", "target", "lr", "step"])
    #expect(f.arguments.map(\.type).suffix(2) == [.scalarF32, TensorType(dims: [], element: .i64)])
    #expect(f.results == [.scalarF32, TensorType(perSample: [3])])
    #expect(f.returns == ["loss", "head"])
  }

  @Test func trainingFormsAndStreams() throws {
    let f = try trainStep(try trained(Self.model()))
    let bn = try #require(f.body.first { $0.opcode == "batchnorm_train" })
    #expect(bn.results.map(\.name) == ["bn", "bn.mean", "bn.invstd"])
    let drop = try #require(f.body.first { $0.opcode == "dropout_train" })
    #expect(drop.operands == [.value("a"), .value("step")])
    #expect(drop.attributes["stream"] == 0)
    let grad = try #require(f.body.first { $0.opcode == "dropout_grad" })
    #expect(grad.attributes == drop.attributes)
    #expect(!f.body.contains { $0.opcode == "dropout" || $0.opcode == "batchnorm" })
    // Class weights stay "balanced": the runtime resolves them.
    #expect(f.body.first { $0.opcode == "cross_entropy_grad" }?.attributes["class_weights"] == "balanced")
  }

  @Test func aValueWithTwoUsersGetsTheSumOfItsGradients() throws {
    let f = try trainStep(try trained(Self.model()))
    let sum = try #require(f.body.first { $0.results.first?.name == "h.grad" })
    #expect(sum.opcode == "add")
    // Through the add, %h's gradient is %sum's; through %a, a partial named after %a.
    // The sum comes with the last of them, at the op that gave it.
    #expect(sum.operands == [.value("sum.grad"), .value("h.grad.a")])
    #expect(sum.location == IRLocation(file: "m.yaml", line: 4, column: 1))
  }

  @Test func theModelInputGetsNoGradient() throws {
    let f = try trainStep(try trained(Self.model()))
    #expect(!defined(f).contains("input.grad"))
    #expect(!f.body.contains { $0.opcode == "dense_grad_input" && $0.operands[1] == .param("first.weight") })
    #expect(!f.body.contains { $0.operands.contains(.value("target.grad")) })
  }

  @Test func frozenParametersGetNoGradientOrUpdate() throws {
    for m in [Self.model(freeze: #"["head"]"#), Self.model(headTrainable: false)] {
      let out = try trained(m)
      let f = try trainStep(out)
      #expect(!defined(f).contains("head.weight.grad"))
      #expect(!updates(f).contains("head.weight"))
      #expect(out.parameter(named: "head.weight.exp_avg") == nil)
      // The gradient still flows through the frozen head to the layers before it.
      #expect(updates(f).contains("first.weight"))
    }
  }

  @Test func aFrozenPrefixIsNotDifferentiated() throws {
    let f = try trainStep(try trained(Self.model(freeze: #"["first", "bn", "a"]"#)))
    #expect(updates(f) == ["head.weight"])
    // A frozen batchnorm runs in its inference form.
    #expect(f.body.contains { $0.opcode == "batchnorm" })
    #expect(f.body.filter { !$0.results.isEmpty && $0.results[0].name.contains(".grad") }.map(\.opcode)
      == ["cross_entropy_grad", "dense_grad_weight"])
  }

  /// A batchnorm without gamma and beta trains with batch statistics (its gradient op has
  /// no gamma and gives dx alone); frozen by name, it runs in its inference form.
  @Test func aBatchnormWithoutAffine() throws {
    let f = try trainStep(try trained(Self.model(affine: false)))
    let bn = try #require(f.body.first { $0.opcode == "batchnorm_train" })
    #expect(bn.operands == [.value("first"), .param("bn.running_mean"), .param("bn.running_var")])
    let grad = try #require(f.body.first { $0.opcode == "batchnorm_grad" })
    #expect(grad.operands.count == 4 && grad.results.map(\.name) == ["first.grad"])
    #expect(updates(f).contains("first.weight"))
    let frozen = try trainStep(try trained(Self.model(freeze: #"["first", "bn", "a"]"#, affine: false)))
    #expect(frozen.body.contains { $0.opcode == "batchnorm" } && !frozen.body.contains { $0.opcode == "batchnorm_train" })
    #expect(throws: (any Error).self) { try PassManager(passes: [Autodiff()]).running(Self.model(freeze: #"["bn"]"#, affine: false)) }
  }

  @Test func aFrozenBatchnormAfterTrainableLayersIsRejected() {
    #expect(throws: (any Error).self) { try PassManager(passes: [Autodiff()]).running(Self.model(freeze: #"["bn"]"#)) }
  }

  @Test func eachUpdateFollowsItsGradientAndItsLastRead() throws {
    let f = try trainStep(try trained(Self.model()))
    #expect(updates(f) == ["head.weight", "a.weight", "bn.gamma", "bn.beta", "first.weight", "first.bias"])
    for p in updates(f) {
      let at = try #require(f.body.firstIndex { $0.results.isEmpty && $0.operands[0] == .param(p) })
      let reads = f.body.indices.filter { f.body[$0].operands.contains(.param(p)) && $0 != at }
      #expect(reads.allSatisfy { $0 < at }, "@\(p) is read after its update")
      #expect(f.body[..<at].contains { $0.results.contains { $0.name == "\(p).grad" } })
    }
  }

  @Test func adamStateParameters() throws {
    let out = try trained(Self.model())
    for p in ["first.weight", "first.bias", "bn.gamma", "bn.beta", "a.weight", "head.weight"] {
      let param = try #require(out.parameter(named: p))
      for role in ["exp_avg", "exp_avg_sq"] {
        let state = try #require(out.parameter(named: "\(p).\(role)"))
        #expect(state.type == param.type)
        #expect(state.attributes["trainable"] == false && state.attributes["state"] == "optimizer")
        #expect(state.attributes["init"] == ["kind": "zeros"])
      }
      #expect(out.parameter(named: "\(p).max_exp_avg_sq") == nil)
    }
    #expect(out.parameter(named: "bn.running_mean.exp_avg") == nil)
    let update = try #require(try trainStep(out).body.first { $0.opcode == "adam_update" })
    #expect(update.attributes["decoupled"] == false && update.attributes["beta2"] == 0.999)
  }

  @Test func amsgradAddsTheMaximum() throws {
    let ams = #"{amsgrad = true, betas = [0.9, 0.99], eps = 1e-08, kind = "adam", lr = 0.001, weight_decay = 0.0}"#
    let out = try trained(Self.model(optimizer: ams))
    #expect(out.parameter(named: "a.weight.max_exp_avg_sq")?.type == TensorType(shape: [8, 8]))
    let update = try #require(try trainStep(out).body.first { $0.opcode == "adam_update" && $0.operands[0] == .param("a.weight") })
    #expect(update.operands.map(\.description) == [
      "@a.weight", "%a.weight.grad", "@a.weight.exp_avg", "@a.weight.exp_avg_sq", "@a.weight.max_exp_avg_sq", "%lr", "%step",
    ])
  }

  @Test func adamwIsDecoupled() throws {
    let adamw = #"{amsgrad = false, betas = [0.9, 0.999], eps = 1e-08, kind = "adamw", lr = 0.001, weight_decay = 0.01}"#
    let f = try trainStep(try trained(Self.model(optimizer: adamw)))
    #expect(f.body.filter { $0.opcode == "adam_update" }.allSatisfy { $0.attributes["decoupled"] == true && $0.attributes["weight_decay"] == 0.01 })
  }

  @Test func sgdKeepsABufferOnlyWithMomentum() throws {
    let plain = #"{dampening = 0.0, kind = "sgd", lr = 0.1, momentum = 0.0, nesterov = false, weight_decay = 0.0}"#
    let out = try trained(Self.model(optimizer: plain))
    #expect(!out.parameters.contains { $0.attributes["state"] != nil })
    #expect(try trainStep(out).body.first { $0.opcode == "sgd_update" }?.operands.count == 4)
    let momentum = #"{dampening = 0.0, kind = "sgd", lr = 0.1, momentum = 0.9, nesterov = true, weight_decay = 0.0001}"#
    let withBuffer = try trained(Self.model(optimizer: momentum))
    #expect(withBuffer.parameter(named: "head.weight.momentum_buffer")?.attributes["role"] == "momentum_buffer")
    #expect(try trainStep(withBuffer).body.first { $0.opcode == "sgd_update" }?.operands[2] == .param("head.weight.momentum_buffer"))
  }

  @Test func everyEmittedOpHasALocationAndTheResultRoundTrips() throws {
    let out = try trained(Self.model())
    #expect(try trainStep(out).body.allSatisfy { $0.location != nil })
    let text = printModule(out)
    #expect(printModule(try parseModule(text)) == text)
  }

  @Test func thePassIsListedByName() throws {
    #expect(PassPipeline.pass(named: "autodiff") is Autodiff)
    #expect(try PassPipeline.training([]).map(\.name) == ["autodiff"])
  }

  @Test func rmspropStateAndOperandsFollowItsOptions() throws {
    let centered = #"{alpha = 0.99, centered = true, eps = 1e-08, kind = "rmsprop", lr = 0.01, momentum = 0.9, weight_decay = 0.0}"#
    let out = try trained(Self.model(optimizer: centered))
    let update = try #require(try trainStep(out).body.first { $0.opcode == "rmsprop_update" && $0.operands[0] == .param("a.weight") })
    #expect(update.operands.map(\.description) == [
      "@a.weight", "%a.weight.grad", "@a.weight.square_avg", "@a.weight.momentum_buffer", "@a.weight.grad_avg", "%lr", "%step",
    ])
    #expect(update.attributes == ["alpha": 0.99, "centered": true, "eps": 1e-8, "momentum": 0.9, "weight_decay": 0.0])
    let plain = #"{alpha = 0.9, centered = false, eps = 1e-08, kind = "rmsprop", lr = 0.01, momentum = 0.0, weight_decay = 0.0}"#
    let plainOut = try trained(Self.model(optimizer: plain))
    #expect(plainOut.parameters.filter { $0.attributes["state"] != nil }.allSatisfy { $0.attributes["role"] == "square_avg" })
    #expect(try trainStep(plainOut).body.first { $0.opcode == "rmsprop_update" }?.operands.count == 5)
  }

  @Test func unknownOptimizersAndRepeatsAreErrors() {
    let lion = #"{kind = "lion", lr = 0.01}"#
    #expect(throws: (any Error).self) { try PassManager(passes: [Autodiff()]).running(Self.model(optimizer: lion)) }
    // An optimizer missing a parameter its update needs (the catalog's default is not assumed).
    let rmsprop = #"{kind = "rmsprop", lr = 0.01}"#
    #expect(throws: (any Error).self) { try PassManager(passes: [Autodiff()]).running(Self.model(optimizer: rmsprop)) }
    #expect(throws: (any Error).self) { try PassManager(passes: [Autodiff(), Autodiff()]).running(Self.model()) }
  }
}
