import DLCIR
import DLCKernels
import DLCPasses
import Testing
import _DLCTestSupport

@Suite struct QuantizeTests {
  /// The IR before and after each mode (without weights: calibrated ranges are placeholders).
  @Test(arguments: PassGoldens.cases("quantize"))
  func staticGolden(_ input: String) throws { try PassGoldens.check(Quantize(), input: input) }

  @Test(arguments: PassGoldens.cases("quantize-dynamic"))
  func dynamicGolden(_ input: String) throws { try PassGoldens.check(Quantize(activations: .dynamic), input: input) }

  @Test(arguments: PassGoldens.cases("quantize-fp16"))
  func halfGolden(_ input: String) throws { try PassGoldens.check(Quantize(weights: .fp16, activations: .float), input: input) }

  @Test func goldenCasesExist() {
    #expect(PassGoldens.cases("quantize").count >= 3)
    #expect(PassGoldens.cases("quantize-dynamic").count >= 2)
    #expect(PassGoldens.cases("quantize-fp16").count >= 2)
  }

  /// Calibrated ranges become the ops' scales and zero points (ranges widened to hold 0),
  /// and each weight row gets its own symmetric scale.
  @Test func calibrationAndWeightsFollowTheAffineScheme() throws {
    var module = try parseModule(RepoRoot.read("golden/passes/quantize/mlp_chain.ir")!)
    let w1: [Float] = (0..<32).map { Float($0 % 9) - 4 }
    let context = PassContext(weights: Weights([
      "d1.weight": .init(shape: [8, 4], floats: w1), "d1.bias": .init(shape: [8], floats: [Float](repeating: 0.5, count: 8)),
      "d2.weight": .init(shape: [6, 8], floats: [Float](repeating: 0.25, count: 48)),
      "d3.weight": .init(shape: [3, 6], floats: [Float](repeating: -1, count: 18)), "d3.bias": .init(shape: [3], floats: [0, 1, 2]),
    ]))
    // Each value is shown in two batches: the input ranges over [1, 3] (widened to [0, 3]),
    // the ReLU outputs over [0, 5.1].
    var asked: [String] = []
    context.observeActivations = { _, _, values, batches, observe in
      asked = values
      #expect(batches == 8)
      for v in values {
        let batch: [Float] = v == "input" ? [1, 2, 3, 2.5] : [0, 5.1, 2, 0]
        batch.withUnsafeBufferPointer { observe(v, $0) }
        batch.withUnsafeBufferPointer { observe(v, $0) }
      }
    }
    try Quantize().run(on: &module, context: context)
    #expect(Set(asked) == ["input", "r1", "r2"])
    let ops = module.function(named: "predict")!.body
    #expect(ops.map(\.opcode) == ["quantize", "dense_int8", "dense_int8", "dense_int8"])
    #expect(ops[0].attributes["scale"] == .float(Double(Float(3) / 255)) && ops[0].attributes["zero_point"] == .int(0))
    #expect(ops[1].attributes["y_scale"] == .float(Double(Float(5.1) / 255)) && ops[1].attributes["relu"] == .bool(true))
    #expect(ops[1].results[0].name == "r1" && ops[1].results[0].type.element == .u8)
    #expect(ops[3].results[0].type.element == .f32 && ops[3].attributes["y_scale"] == nil)

    let weights = try #require(context.weights)
    guard case .i8(let q)? = weights["d1.weight"]?.storage, let scales = weights["d1.weight_scale"]?.floats else {
      Issue.record("d1.weight is not i8 or has no scales")
      return
    }
    for row in 0..<8 {
      let real = w1[(row * 4)..<(row * 4 + 4)]
      let scale = real.map(abs).max()! / 127
      #expect(scales[row] == scale)
      for k in 0..<4 { #expect(abs(Float(q[row * 4 + k]) * scale - real[row * 4 + k]) <= scale / 2) }
    }
    #expect(module.parameter(named: "d1.weight")?.type.element == .i8)
    #expect(module.parameter(named: "d1.weight")?.isTrainable == false)
  }

  @Test func staticInt8WithoutCalibrationIsExplained() throws {
    var module = try parseModule(RepoRoot.read("golden/passes/quantize/mlp_chain.ir")!)
    let ones = { (n: Int) in [Float](repeating: 1, count: n) }
    let context = PassContext(weights: Weights([
      "d1.weight": .init(shape: [8, 4], floats: ones(32)), "d1.bias": .init(shape: [8], floats: ones(8)),
      "d2.weight": .init(shape: [6, 8], floats: ones(48)), "d3.weight": .init(shape: [3, 6], floats: ones(18)),
      "d3.bias": .init(shape: [3], floats: ones(3)),
    ]))
    #expect(throws: PassError.self) { try Quantize().run(on: &module, context: context) }
  }

  @Test func fp16StoresHalfBits() throws {
    var module = try parseModule(RepoRoot.read("golden/passes/quantize-fp16/mlp_chain.ir")!)
    let context = PassContext(weights: Weights([
      "d1.weight": .init(shape: [8, 4], floats: [Float](repeating: 1 / 3, count: 32)), "d1.bias": .init(shape: [8], floats: [Float](repeating: 0, count: 8)),
      "d2.weight": .init(shape: [6, 8], floats: [Float](repeating: 65504, count: 48)), "d3.weight": .init(shape: [3, 6], floats: [Float](repeating: 1, count: 18)),
      "d3.bias": .init(shape: [3], floats: [0, 0, 0]),
    ]))
    try Quantize(weights: .fp16, activations: .float).run(on: &module, context: context)
    guard case .f16(let third)? = context.weights?["d1.weight"]?.storage, case .f16(let big)? = context.weights?["d2.weight"]?.storage else {
      Issue.record("weights are not f16")
      return
    }
    #expect(third.allSatisfy { $0 == 0x3555 } && big.allSatisfy { $0 == 0x7BFF })
  }

  @Test func optionsMustFitTogether() {
    #expect(throws: PassError.self) { try Quantize(options: ["weights": .string("fp16"), "activations": .string("int8")]) }
    #expect(throws: PassError.self) { try Quantize(options: ["weights": .string("int8"), "activations": .string("float")]) }
    let dynamic: [String: Attribute] = [
      "weights": "int8", "activations": "dynamic", "calibration": "minmax", "percentile": 99.99, "calibration_batches": 8,
    ]
    #expect(throws: Never.self) { try Quantize(options: dynamic) }
    // An option missing from the entry is refused, not given the catalog's default here.
    var partial = dynamic
    partial["calibration_batches"] = nil
    #expect(throws: PassError.self) { try Quantize(options: partial) }
  }
}
