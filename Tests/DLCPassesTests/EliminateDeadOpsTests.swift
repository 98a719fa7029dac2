import DLCIR
import DLCPasses
import Testing

@Suite struct EliminateDeadOpsTests {
  private let withDeadOps = """
    module @m {
      param @w : tensor<4x4xf32>
      param @unused : tensor<4xf32>

      func @predict(%x: tensor<Nx4xf32>) -> (tensor<Nx4xf32>) {
        %a = dense(%x, @w) : tensor<Nx4xf32>
        %dead_1 = sigmoid(%a) : tensor<Nx4xf32>
        %dead_2 = tanh(%dead_1) : tensor<Nx4xf32>
        %b = relu(%a) : tensor<Nx4xf32>
        %dead_3 = dense(%b, @w) : tensor<Nx4xf32>
        return %b
      }

      func @loss(%output: tensor<Nx4xf32>, %target: tensor<Nx4xf32>) -> (tensor<f32>) {
        %unused = mae(%output, %target) : tensor<f32>
        %loss = mse(%output, %target) : tensor<f32>
        return %loss
      }
    }

    """

  private let withoutDeadOps = """
    module @m {
      param @w : tensor<4x4xf32>
      param @unused : tensor<4xf32>

      func @predict(%x: tensor<Nx4xf32>) -> (tensor<Nx4xf32>) {
        %a = dense(%x, @w) : tensor<Nx4xf32>
        %b = relu(%a) : tensor<Nx4xf32>
        return %b
      }

      func @loss(%output: tensor<Nx4xf32>, %target: tensor<Nx4xf32>) -> (tensor<f32>) {
        %loss = mse(%output, %target) : tensor<f32>
        return %loss
      }
    }

    """

  @Test func removesUnusedChainsAndKeepsParameters() throws {
    var m = try parseModule(withDeadOps)
    EliminateDeadOps().run(on: &m)
    #expect(printModule(m) == withoutDeadOps)
    #expect(verify(m).isEmpty)
  }

  @Test func isIdempotent() throws {
    var m = try parseModule(withDeadOps)
    EliminateDeadOps().run(on: &m)
    let once = m
    EliminateDeadOps().run(on: &m)
    #expect(m == once)
  }

  @Test func leavesLiveModulesAlone() throws {
    var m = try parseModule(withoutDeadOps)
    EliminateDeadOps().run(on: &m)
    #expect(printModule(m) == withoutDeadOps)
  }

  @Test func keepsOpsItKnowsNothingAbout() throws {
    // An unknown op may have effects (a future optimizer update), so it stays, and so
    // does what it uses.
    var m = try parseModule("""
      module @m {
        func @f(%x: tensor<Nx4xf32>) -> (tensor<Nx4xf32>) {
          %a = relu(%x) : tensor<Nx4xf32>
          %log = print_tensor(%a) : tensor<Nx4xf32>
          %dead = tanh(%x) : tensor<Nx4xf32>
          return %x
        }
      }
      """)
    EliminateDeadOps().run(on: &m)
    #expect(m.functions[0].body.map(\.opcode) == ["relu", "print_tensor"])
  }

  @Test func keepsOpsWithEffects() throws {
    // Dropout draws random numbers and batchnorm updates running statistics while
    // training: removing them would change the numbers of what follows.
    var m = try parseModule("""
      module @m {
        param @g : tensor<4xf32>

        func @f(%x: tensor<Nx4xf32>) -> (tensor<Nx4xf32>) {
          %drop = dropout(%x) {rate = 0.5} : tensor<Nx4xf32>
          %bn = batchnorm(%x, @g, @g, @g, @g) {eps = 1e-05, momentum = 0.1} : tensor<Nx4xf32>
          %gone = relu(%bn) : tensor<Nx4xf32>
          return %x
        }
      }
      """)
    EliminateDeadOps().run(on: &m)
    #expect(m.functions[0].body.map(\.opcode) == ["dropout", "batchnorm"])
    #expect(verify(m).isEmpty)
  }

  @Test func runsUnderThePassManager() throws {
    let dumps = Log()
    let pm = PassManager(passes: PassPipeline.default, printAfter: ["eliminate-dead-ops"]) { dumps.entries.append($0) }
    let m = try pm.running(try parseModule(withDeadOps))
    #expect(printModule(m) == withoutDeadOps)
    #expect(dumps.entries == ["// -----// IR after eliminate-dead-ops //----- //\n" + withoutDeadOps])
  }
}
