/// The emitted `Model.swift` of every example equals its golden (`golden/specs/<x>.swift`),
/// is deterministic, fuses what `Fusion.swift` promises, and type-checks against the
/// built DLCKernels and DLCTraining modules.
import DLCIR
import DLCPasses
import Foundation
import Testing
import _DLCTestSupport

@testable import DLCCodegen

@Suite struct ModelEmitterTests {
  static let examples = Golden.files(in: "specs", ending: ".yaml").map { String($0.dropFirst("specs/".count).dropLast(".yaml".count)) }

  /// The module after autodiff (its golden, which ExampleSpecTests keep fresh) and the spec text.
  static func module(_ example: String) throws -> (Module, String) {
    let ir = try #require(RepoRoot.read("golden/specs/\(example).train.ir"), "no training IR for \(example)")
    return (try parseModule(ir), RepoRoot.read("specs/\(example).yaml") ?? "")
  }

  /// The examples with deployment passes: their optimized IR (golden `<x>.opt.ir`) and
  /// the passes, as `dlc compile -o` emits their deployed model.
  static let deployedExamples = examples.filter { RepoRoot.read("golden/specs/\($0).opt.ir") != nil }

  static func deployed(_ example: String) throws -> EmittedModel {
    let ir = try #require(RepoRoot.read("golden/specs/\(example).opt.ir"))
    let module = try parseModule(ir)
    let passes = OptimizePipeline.entries(of: module).filter { !$0.runsAtTraining }.map(\.passName)
    return try ModelEmitter.emitDeployed(module, passes: passes, specText: RepoRoot.read("specs/\(example).yaml") ?? "")
  }

  @Test func thereAreExamples() {
    #expect(Self.examples.count >= 8)
    #expect(Self.deployedExamples.contains("digits_mlp"))
  }

  /// The deployed model (`DeployedModel.swift`) of every example with deployment passes.
  @Test(arguments: deployedExamples)
  func deployedModelMatchesGolden(_ example: String) throws {
    let model = try Self.deployed(example)
    #expect(model.typeName.hasSuffix("DeployedModel") && model.trainArenaBytes == 0)
    if let failure = Golden.check(model.source, against: "golden/specs/\(example).deployed.swift") {
      Issue.record(Comment(rawValue: failure))
    }
    #expect(try Self.deployed(example).source == model.source)
    #expect(model.source.contains("public func trainStep") && model.source.contains("is for inference"))
  }

  @Test(arguments: examples)
  func emittedModelMatchesGolden(_ example: String) throws {
    let (module, spec) = try Self.module(example)
    let model = try ModelEmitter.emit(module, specText: spec)
    #expect(model.typeName == SwiftName.typeName(module.name) + "Model")
    if let failure = Golden.check(model.source, against: "golden/specs/\(example).swift") {
      Issue.record(Comment(rawValue: failure))
    }
    // Deterministic: a second emission is the same text.
    #expect(try ModelEmitter.emit(module, specText: spec).source == model.source)
    // Readable: two-space indentation, no tabs, no trailing spaces, lines mostly short.
    for line in model.source.split(separator: "\n") {
      #expect(!line.contains("\t") && !line.hasSuffix(" "), "\(example): \(line)")
      let indent = line.prefix { $0 == " " }.count
      #expect(indent % 2 == 0, "\(example): odd indentation: \(line)")
    }
    let long = model.source.split(separator: "\n").filter { $0.count > 120 }
    #expect(long.count <= 2, "\(example): \(long.count) lines over 120 characters:\n\(long.joined(separator: "\n"))")
  }

  /// The fusions the emitter documents happen where the IR allows them.
  @Test func digitsMLPFusesActivationDropoutAndTheirGradients() throws {
    let (module, spec) = try Self.module("digits_mlp")
    let source = try ModelEmitter.emit(module, specText: spec).source
    // relu → dropout_train in one loop; dropout_grad → relu_grad in one loop.
    #expect(source.contains("let relu_1 = ReLU.forward(batchnorm_1[i], PointwiseParameters())"))
    #expect(source.contains("dropout_1[i] = Scalar.dropout(relu_1, factor: factors0[i & 3])"))
    #expect(source.contains("let relu_1_grad = Scalar.dropout(dropout_1_grad[i], factor: factors0[i & 3])"))
    #expect(source.contains("batchnorm_1_grad[i] = ReLU.derivative(dy: relu_1_grad, batchnorm_1[i], PointwiseParameters())"))
    // Intermediates of fused loops get no buffer; unused kernels are not emitted.
    #expect(!source.contains("let relu_1 = arena"))
    #expect(!source.contains("Conv2DKernel") && !source.contains("AttentionKernel"))
    // Hyperparameters are literals.
    #expect(source.contains("beta1: 0.9, beta2: 0.999, eps: 1e-08"))
  }

  @Test func residualGradientsFuseTheirSumIntoReluGrad() throws {
    let (module, spec) = try Self.module("residual_mlp")
    let source = try ModelEmitter.emit(module, specText: spec).source
    #expect(source.contains("let stem_relu_grad = block1_grad[i] + stem_relu_grad_b1_fc1[i]"))
    #expect(source.contains("stem_grad[i] = ReLU.derivative(dy: stem_relu_grad, stem[i], PointwiseParameters())"))
  }

  @Test func aModuleWithoutATrainingStepIsAnError() throws {
    var (module, _) = try Self.module("iris")
    module.functions.removeAll { $0.name == "train_step" }
    #expect(throws: CodegenError.self) { try ModelEmitter.emit(module) }
  }

  @Test func namesAndLiterals() {
    #expect(SwiftName.typeName("digits_mlp") == "DigitsMlp")
    #expect(SwiftName.identifier("dense_1.weight.exp_avg") == "dense_1_weight_exp_avg")
    #expect(SwiftName.identifier("1x") == "_1x")
    for value: Float in [0.9, 0.999, 1e-8, 1.25, 0.1, 1 / 0.9, 3.4e38, -0.5] {
      #expect(Float(SwiftName.float(value)) == value, "\(value)")
    }
    #expect(SwiftName.int(65536) == "65_536" && SwiftName.int(4096) == "4096")
  }
}
