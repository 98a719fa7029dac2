import DLCIR
import DLCKernels
import DLCPasses
import Testing

@testable import DLCRuntime
@testable import DLCTraining

/// Every op's VJP, end to end: the IR `autodiff` derives, run by the interpreter on the
/// real kernels, against central finite differences of the same program's loss.
///
/// Each case is a small model (a trainable layer in front of the op under test, so the
/// op's input gradient is exercised through that layer's weight gradient) at an odd
/// batch size and at batch 1. The optimizer updates are taken out of `@train_step` and
/// the gradients returned instead, so both sides run the same forward (dropout masks
/// included: they are a function of the step).
///
/// Tolerance, for Float32: the loss is a mean of O(1) terms summed in Float32, so its
/// rounding error is about 1e-6 and a central difference with h = 1e-2 carries about
/// 1e-6 / 1e-2 = 1e-4 of rounding noise plus h²·|f'''|/6 ≈ 1e-5 of truncation error.
/// |fd − g| ≤ 1e-3 + 3e-2·|g| leaves a 10× margin over both and still catches a wrong
/// sign, a missing term or a wrong scale. Ops with kinks (relu, max pooling, mae) can
/// put an input within h of a kink: they use h = 2e-3 and a few elements may disagree
/// (≤ 3%).
@Suite struct GradientCheckTests {
  struct Case: CustomTestStringConvertible {
    var name: String
    var input: [Int]
    var params: [(String, [Int])]
    var body: String
    var output: [Int]
    var loss = "mse"
    var target: String? = nil
    var kinked = false
    /// Token ids in 0..<vocabulary instead of float inputs (embedding).
    var vocabulary: Int? = nil
    var testDescription: String { name }
  }

  static let cases: [Case] = [
    Case(name: "dense+relu", input: [5], params: [("d.weight", [4, 5]), ("d.bias", [4])],
         body: "%d = dense(%input, @d.weight, @d.bias) : T[4]\n%y = relu(%d) : T[4]", output: [4], kinked: true),
    Case(name: "leaky_relu", input: [5], params: [("d.weight", [4, 5])],
         body: "%d = dense(%input, @d.weight) : T[4]\n%y = leaky_relu(%d) {slope = 0.1} : T[4]", output: [4], kinked: true),
    Case(name: "sigmoid", input: [5], params: [("d.weight", [4, 5])],
         body: "%d = dense(%input, @d.weight) : T[4]\n%y = sigmoid(%d) : T[4]", output: [4]),
    Case(name: "elu", input: [5], params: [("d.weight", [4, 5])],
         body: "%d = dense(%input, @d.weight) : T[4]\n%y = elu(%d) {alpha = 0.7} : T[4]", output: [4], kinked: true),
    Case(name: "tanh", input: [5], params: [("d.weight", [4, 5])],
         body: "%d = dense(%input, @d.weight) : T[4]\n%y = tanh(%d) : T[4]", output: [4]),
    Case(name: "gelu", input: [5], params: [("d.weight", [4, 5])],
         body: "%d = dense(%input, @d.weight) : T[4]\n%y = gelu(%d) {approximate = \"none\"} : T[4]", output: [4]),
    Case(name: "gelu tanh", input: [5], params: [("d.weight", [4, 5])],
         body: "%d = dense(%input, @d.weight) : T[4]\n%y = gelu(%d) {approximate = \"tanh\"} : T[4]", output: [4]),
    Case(name: "softmax", input: [5], params: [("d.weight", [4, 5])],
         body: "%d = dense(%input, @d.weight) : T[4]\n%y = softmax(%d) {axis = -1} : T[4]", output: [4]),
    Case(name: "selu", input: [5], params: [("d.weight", [4, 5])],
         body: "%d = dense(%input, @d.weight) : T[4]\n%y = selu(%d) : T[4]", output: [4], kinked: true),
    Case(name: "celu", input: [5], params: [("d.weight", [4, 5])],
         body: "%d = dense(%input, @d.weight) : T[4]\n%y = celu(%d) {alpha = 0.7} : T[4]", output: [4], kinked: true),
    Case(name: "silu", input: [5], params: [("d.weight", [4, 5])],
         body: "%d = dense(%input, @d.weight) : T[4]\n%y = silu(%d) : T[4]", output: [4]),
    Case(name: "swish", input: [5], params: [("d.weight", [4, 5])],
         body: "%d = dense(%input, @d.weight) : T[4]\n%y = swish(%d) {beta = 1.5} : T[4]", output: [4]),
    Case(name: "mish", input: [5], params: [("d.weight", [4, 5])],
         body: "%d = dense(%input, @d.weight) : T[4]\n%y = mish(%d) : T[4]", output: [4]),
    Case(name: "elish", input: [5], params: [("d.weight", [4, 5])],
         body: "%d = dense(%input, @d.weight) : T[4]\n%y = elish(%d) : T[4]", output: [4]),
    Case(name: "hard_elish", input: [5], params: [("d.weight", [4, 5])],
         body: "%d = dense(%input, @d.weight) : T[4]\n%y = hard_elish(%d) : T[4]", output: [4], kinked: true),
    Case(name: "serlu", input: [5], params: [("d.weight", [4, 5])],
         body: "%d = dense(%input, @d.weight) : T[4]\n%y = serlu(%d) {alpha = 2.90427, lambda = 1.07862} : T[4]", output: [4], kinked: true),
    Case(name: "softplus", input: [5], params: [("d.weight", [4, 5])],
         body: "%d = dense(%input, @d.weight) : T[4]\n%y = softplus(%d) {beta = 2.0, threshold = 3.0} : T[4]", output: [4], kinked: true),
    Case(name: "log_sigmoid", input: [5], params: [("d.weight", [4, 5])],
         body: "%d = dense(%input, @d.weight) : T[4]\n%y = log_sigmoid(%d) : T[4]", output: [4]),
    Case(name: "shifted_relu", input: [5], params: [("d.weight", [4, 5])],
         body: "%d = dense(%input, @d.weight) : T[4]\n%y = shifted_relu(%d) {shift = 0.5} : T[4]", output: [4], kinked: true),
    Case(name: "softsign", input: [5], params: [("d.weight", [4, 5])],
         body: "%d = dense(%input, @d.weight) : T[4]\n%y = softsign(%d) : T[4]", output: [4], kinked: true),
    Case(name: "hard_sigmoid", input: [5], params: [("d.weight", [4, 5])],
         body: "%d = dense(%input, @d.weight) : T[4]\n%y = hard_sigmoid(%d) : T[4]", output: [4], kinked: true),
    Case(name: "hard_swish", input: [5], params: [("d.weight", [4, 5])],
         body: "%d = dense(%input, @d.weight) : T[4]\n%y = hard_swish(%d) : T[4]", output: [4], kinked: true),
    Case(name: "hard_tanh", input: [5], params: [("d.weight", [4, 5])],
         body: "%d = dense(%input, @d.weight) : T[4]\n%y = hard_tanh(%d) {max = 0.5, min = -0.5} : T[4]", output: [4], kinked: true),
    Case(name: "relu6", input: [5], params: [("d.weight", [4, 5])],
         body: "%d = dense(%input, @d.weight) : T[4]\n%y = relu6(%d) : T[4]", output: [4], kinked: true),
    Case(name: "log_softmax", input: [5], params: [("d.weight", [4, 5])],
         body: "%d = dense(%input, @d.weight) : T[4]\n%y = log_softmax(%d) {axis = -1} : T[4]", output: [4]),
    Case(name: "dense on sequences", input: [3, 5], params: [("d.weight", [4, 5]), ("d.bias", [4])],
         body: "%y = dense(%input, @d.weight, @d.bias) : T[3, 4]", output: [3, 4]),
    Case(name: "batchnorm features", input: [5],
         params: [("d.weight", [4, 5]), ("b.gamma", [4]), ("b.beta", [4]), ("b.running_mean", [4]), ("b.running_var", [4])],
         body: """
           %d = dense(%input, @d.weight) : T[4]
           %y = batchnorm(%d, @b.gamma, @b.beta, @b.running_mean, @b.running_var) {eps = 1e-05, momentum = 0.1} : T[4]
           """, output: [4]),
    Case(name: "layernorm", input: [3, 5], params: [("d.weight", [4, 5]), ("n.gamma", [4]), ("n.beta", [4])],
         body: "%d = dense(%input, @d.weight) : T[3, 4]\n%y = layernorm(%d, @n.gamma, @n.beta) {eps = 1e-05} : T[3, 4]",
         output: [3, 4]),
    Case(name: "batchnorm without affine", input: [5],
         params: [("d.weight", [4, 5]), ("b.running_mean", [4]), ("b.running_var", [4])],
         body: """
           %d = dense(%input, @d.weight) : T[4]
           %y = batchnorm(%d, @b.running_mean, @b.running_var) {eps = 1e-05, momentum = 0.1} : T[4]
           """, output: [4]),
    Case(name: "groupnorm channels", input: [1, 4, 4], params: [("c.weight", [4, 1, 3, 3]), ("n.gamma", [4]), ("n.beta", [4])],
         body: """
           %c = conv2d(%input, @c.weight) {dilation = [1, 1], padding = [1, 1], stride = [1, 1]} : T[4, 4, 4]
           %y = groupnorm(%c, @n.gamma, @n.beta) {eps = 1e-05, groups = 2} : T[4, 4, 4]
           """, output: [4, 4, 4]),
    Case(name: "groupnorm without affine, one channel per group (instance norm)", input: [1, 4, 4], params: [("c.weight", [3, 1, 3, 3])],
         body: """
           %c = conv2d(%input, @c.weight) {dilation = [1, 1], padding = [1, 1], stride = [1, 1]} : T[3, 4, 4]
           %y = groupnorm(%c) {eps = 1e-05, groups = 3} : T[3, 4, 4]
           """, output: [3, 4, 4]),
    Case(name: "groupnorm features", input: [5], params: [("d.weight", [6, 5]), ("n.gamma", [6]), ("n.beta", [6])],
         body: "%d = dense(%input, @d.weight) : T[6]\n%y = groupnorm(%d, @n.gamma, @n.beta) {eps = 1e-05, groups = 2} : T[6]",
         output: [6]),
    Case(name: "groupnorm sequence", input: [3, 5], params: [("d.weight", [4, 5]), ("n.gamma", [3]), ("n.beta", [3])],
         body: "%d = dense(%input, @d.weight) : T[3, 4]\n%y = groupnorm(%d, @n.gamma, @n.beta) {eps = 1e-05, groups = 1} : T[3, 4]",
         output: [3, 4]),
    Case(name: "dropout", input: [5], params: [("d.weight", [6, 5])],
         body: "%d = dense(%input, @d.weight) : T[6]\n%y = dropout(%d) {rate = 0.3} : T[6]", output: [6]),
    Case(name: "conv2d", input: [2, 5, 6], params: [("c.weight", [3, 2, 3, 2]), ("c.bias", [3])],
         body: "%y = conv2d(%input, @c.weight, @c.bias) {dilation = [1, 2], padding = [1, 1], stride = [2, 1]} : T[3, 3, 6]",
         output: [3, 3, 6]),
    Case(name: "conv2d input gradient", input: [1, 5, 5], params: [("a.weight", [2, 1, 3, 3]), ("b.weight", [2, 2, 3, 3])],
         body: """
           %a = conv2d(%input, @a.weight) {dilation = [1, 1], padding = [1, 1], stride = [1, 1]} : T[2, 5, 5]
           %y = conv2d(%a, @b.weight) {dilation = [1, 1], padding = [0, 0], stride = [1, 1]} : T[2, 3, 3]
           """, output: [2, 3, 3]),
    Case(name: "batchnorm channels", input: [1, 4, 4],
         params: [("c.weight", [3, 1, 3, 3]), ("b.gamma", [3]), ("b.beta", [3]), ("b.running_mean", [3]), ("b.running_var", [3])],
         body: """
           %c = conv2d(%input, @c.weight) {dilation = [1, 1], padding = [1, 1], stride = [1, 1]} : T[3, 4, 4]
           %y = batchnorm(%c, @b.gamma, @b.beta, @b.running_mean, @b.running_var) {eps = 1e-05, momentum = 0.1} : T[3, 4, 4]
           """, output: [3, 4, 4]),
    Case(name: "maxpool2d", input: [1, 5, 5], params: [("c.weight", [2, 1, 3, 3])],
         body: """
           %c = conv2d(%input, @c.weight) {dilation = [1, 1], padding = [1, 1], stride = [1, 1]} : T[2, 5, 5]
           %y = maxpool2d(%c) {padding = [1, 1], size = [3, 3], stride = [2, 2]} : T[2, 3, 3]
           """, output: [2, 3, 3], kinked: true),
    Case(name: "avgpool2d", input: [1, 5, 5], params: [("c.weight", [2, 1, 3, 3])],
         body: """
           %c = conv2d(%input, @c.weight) {dilation = [1, 1], padding = [1, 1], stride = [1, 1]} : T[2, 5, 5]
           %y = avgpool2d(%c) {padding = [1, 1], size = [3, 3], stride = [2, 2]} : T[2, 3, 3]
           """, output: [2, 3, 3]),
    Case(name: "global_avgpool image", input: [1, 4, 3], params: [("c.weight", [3, 1, 3, 3])],
         body: """
           %c = conv2d(%input, @c.weight) {dilation = [1, 1], padding = [1, 1], stride = [1, 1]} : T[3, 4, 3]
           %y = global_avgpool(%c) : T[3]
           """, output: [3]),
    Case(name: "global_avgpool sequence", input: [3, 5], params: [("d.weight", [4, 5])],
         body: "%d = dense(%input, @d.weight) : T[3, 4]\n%y = global_avgpool(%d) : T[4]", output: [4]),
    Case(name: "add, multiply, two consumers", input: [5], params: [("a.weight", [4, 5]), ("b.weight", [4, 4])],
         body: """
           %a = dense(%input, @a.weight) : T[4]
           %b = dense(%a, @b.weight) : T[4]
           %s = add(%a, %b) : T[4]
           %y = multiply(%s, %a) : T[4]
           """, output: [4]),
    Case(name: "concat, flatten, reshape", input: [2, 3], params: [("a.weight", [4, 3]), ("b.weight", [2, 3])],
         body: """
           %a = dense(%input, @a.weight) : T[2, 4]
           %b = dense(%input, @b.weight) : T[2, 2]
           %c = concat(%a, %b) {axis = -1} : T[2, 6]
           %f = flatten(%c) : T[12]
           %y = reshape(%f) {shape = [3, 4]} : T[3, 4]
           """, output: [3, 4]),
    Case(name: "self_attention", input: [3, 4],
         params: [("d.weight", [4, 4]), ("s.w_qkv", [12, 4]), ("s.b_qkv", [12]), ("s.w_out", [4, 4]), ("s.b_out", [4])],
         body: """
           %d = dense(%input, @d.weight) : T[3, 4]
           %y = self_attention(%d, @s.w_qkv, @s.b_qkv, @s.w_out, @s.b_out) {bias = true, causal = false, dropout = 0.0, heads = 2} : T[3, 4]
           """, output: [3, 4]),
    Case(name: "self_attention causal, dropout, no bias", input: [4, 6],
         params: [("d.weight", [6, 6]), ("s.w_qkv", [18, 6]), ("s.w_out", [6, 6])],
         body: """
           %d = dense(%input, @d.weight) : T[4, 6]
           %y = self_attention(%d, @s.w_qkv, @s.w_out) {bias = false, causal = true, dropout = 0.2, heads = 3} : T[4, 6]
           """, output: [4, 6]),
    Case(name: "cross_entropy with smoothing and weights", input: [5], params: [("d.weight", [3, 5]), ("d.bias", [3])],
         body: "%y = dense(%input, @d.weight, @d.bias) : T[3]", output: [3],
         loss: "cross_entropy(%output, %target) {class_weights = [1.0, 2.0, 0.5], label_smoothing = 0.1}", target: "classes"),
    Case(name: "embedding", input: [4], params: [("e.table", [7, 3]), ("d.weight", [2, 3])],
         body: "%e = embedding(%input, @e.table) : T[4, 3]\n%y = dense(%e, @d.weight) : T[4, 2]", output: [4, 2], vocabulary: 7),
    Case(name: "mae", input: [5], params: [("d.weight", [3, 5])],
         body: "%y = dense(%input, @d.weight) : T[3]", output: [3], loss: "mae(%output, %target)", kinked: true),
    Case(name: "bce_with_logits", input: [5], params: [("d.weight", [3, 5])],
         body: "%y = dense(%input, @d.weight) : T[3]", output: [3],
         loss: "bce_with_logits(%output, %target) {pos_weight = [1.0, 3.0, 0.5]}", target: "binary"),
  ]

  /// Every row of the pointwise table has a case of its own (its name, or `dense+name`).
  @Test func everyPointwiseRowIsChecked() {
    let names = Set(Self.cases.map { $0.name.replacingOccurrences(of: "dense+", with: "") })
    for row in PointwiseOps.all { #expect(names.contains(row.name), "no gradient check for '\(row.name)'") }
  }

  @Test(arguments: cases, [1, 3])
  func vjpMatchesFiniteDifferences(_ c: Case, batch: Int) throws {
    let module = try Self.module(c)
    let (gradients, lossOf) = try Self.prepare(module, c, batch: batch)
    for (param, analytic) in gradients {
      let store = lossOf.parameters
      let values = store.values(param)
      var failures: [String] = []
      for i in values.indices {
        // Near a kink a smaller step crosses it less often; its larger rounding noise
        // (1e-6 / 2e-3 = 5e-4) gets a matching absolute tolerance.
        let (h, absolute): (Float, Double) = c.kinked ? (2e-3, 5e-3) : (1e-2, 1e-3)
        var plus = values, minus = values
        plus[i] += h
        minus[i] -= h
        try store.set(param, plus)
        let up = lossOf.loss()
        try store.set(param, minus)
        let down = lossOf.loss()
        try store.set(param, values)
        let fd = (up - down) / Double(2 * h)
        let g = Double(analytic[i])
        if abs(fd - g) > absolute + 3e-2 * abs(g) { failures.append("\(param)[\(i)]: fd \(fd), vjp \(g)") }
      }
      let allowed = c.kinked ? max(1, values.count * 3 / 100) : 0
      #expect(failures.count <= allowed, "\(c.name), batch \(batch): \(failures.prefix(5).joined(separator: "; "))")
    }
  }

  // MARK: building and running a case

  /// The IR module of a case: parameters initialized from N(0, 0.5²) by the runtime,
  /// running variances at 1, SGD so the state stays out of the way.
  static func module(_ c: Case) throws -> Module {
    func type(_ dims: [Int], batched: Bool = true, element: String = "f32") -> String {
      "tensor<" + ((batched ? ["N"] : []) + dims.map(String.init)).joined(separator: "x") + "x\(element)>"
    }
    let t = { (s: String) -> String in
      // `T[3, 4]` in a case body is the batched f32 type of that per-sample shape.
      var s = s
      while let r = s.range(of: #"T\[[0-9, ]+\]"#, options: .regularExpression) {
        let dims = s[r].dropFirst(2).dropLast().split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces))! }
        s.replaceSubrange(r, with: type(dims))
      }
      return s
    }
    var text = """
      module @check attributes {seed = 7, train = {freeze = [], optimizer = {dampening = 0.0, kind = "sgd", lr = 0.1, \
      momentum = 0.0, nesterov = false, weight_decay = 0.0}}} {

      """
    for (name, shape) in c.params {
      let role = String(name.split(separator: ".").last!)
      let layer = String(name.split(separator: ".").first!)
      let initializer = role == "running_var" ? "{kind = \"constant\", value = 1.0}"
        : role == "running_mean" ? "{kind = \"zeros\"}" : "{kind = \"normal\", mean = 0.0, std = 0.5}"
      let trainable = role.hasPrefix("running") ? "false" : "true"
      text += "  param @\(name) : \(type(shape, batched: false)) {init = \(initializer), layer = \"\(layer)\", role = \"\(role)\", trainable = \(trainable)}\n"
    }
    let output = type(c.output)
    let targetType = c.target == "classes" ? "tensor<Nxi32>" : output
    let lossCall = c.loss == "mse" ? "mse(%output, %target)" : c.loss
    text += """

        func @predict(%input: \(type(c.input, element: c.vocabulary == nil ? "f32" : "i32"))) -> (\(output)) {
      \(t(c.body).split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
          return %y
        }

        func @loss(%output: \(output), %target: \(targetType)) -> (tensor<f32>) {
          %loss = \(lossCall) : tensor<f32>
          return %loss
        }
      }

      """
    var module = try parseModule(text)
    let problems = verify(module)
    #expect(problems.isEmpty, "\(problems)")
    try Autodiff().run(on: &module)
    return module
  }

  /// A program that evaluates the case's loss, and the analytic gradients from
  /// `@train_step` with its updates removed.
  static func prepare(_ module: Module, _ c: Case, batch: Int) throws -> ([(String, [Float])], LossProbe) {
    var module = module
    var step = module.function(named: "train_step")!
    var gradients: [(param: String, value: String)] = []
    step.body.removeAll { op in
      guard op.opcode.hasSuffix("_update") else { return false }
      gradients.append((op.operands[0].name, op.operands[1].name))
      return true
    }
    let types = Dictionary(step.body.flatMap(\.results).map { ($0.name, $0.type) }, uniquingKeysWith: { a, _ in a })
    step.returns = [step.returns[0]] + gradients.map(\.value)
    step.results = [step.results[0]] + gradients.map { types[$0.value]! }
    module.functions = module.functions.filter { $0.name != "train_step" } + [step]

    let parameters = ParameterStore(module: module)
    try parameters.slots.initialize(seed: 11)
    let program = try Program(module: module, function: "train_step", batch: batch, parameters: parameters,
                              options: Program.Options(seed: 7))
    let probe = LossProbe(program: program, parameters: parameters, case: c, batch: batch)
    probe.fillArguments()
    program.run()
    let values = gradients.enumerated().map { i, g in
      (g.param, Array(UnsafeBufferPointer(start: program.floatResult(i + 1), count: parameters.count(g.param))))
    }
    return (values, probe)
  }

  /// Runs the loss of a program whose inputs stay fixed.
  final class LossProbe {
    let program: Program
    let parameters: ParameterStore
    let c: Case
    let batch: Int

    init(program: Program, parameters: ParameterStore, case c: Case, batch: Int) {
      self.program = program
      self.parameters = parameters
      self.c = c
      self.batch = batch
    }

    /// Seeded inputs and targets, lr 0 and step 1.
    func fillArguments() {
      let inputCount = batch * c.input.reduce(1, *)
      let x = RandomStream(seed: 3, purpose: .augmentation)
      if let vocabulary = c.vocabulary {
        // Ids repeat within a batch, so the scatter-add of the table gradient is exercised.
        let ids = program.argument(0).assumingMemoryBound(to: Int32.self)
        for i in 0..<inputCount { ids[i] = Int32(x.integer(below: vocabulary, at: i)) }
      } else {
        for i in 0..<inputCount { program.floatArgument(0)[i] = x.normal(at: i) }
      }
      let outputCount = batch * c.output.reduce(1, *)
      let t = RandomStream(seed: 4, purpose: .augmentation)
      switch c.target {
      case "classes":
        let ids = program.argument(1).assumingMemoryBound(to: Int32.self)
        for i in 0..<batch { ids[i] = Int32(t.integer(below: c.output.last!, at: i)) }
      case "binary":
        for i in 0..<outputCount { program.floatArgument(1)[i] = t.uniform(at: i) < 0.5 ? 0 : 1 }
      default:
        for i in 0..<outputCount { program.floatArgument(1)[i] = t.normal(at: i) }
      }
      program.floatArgument(2).pointee = 0
      program.argument(3).assumingMemoryBound(to: Int64.self).pointee = 1
    }

    /// The loss at the current parameters.
    func loss() -> Double {
      program.run()
      return Double(program.floatResult(0).pointee)
    }
  }
}
