import DLCIR
import Testing

@Suite struct OpSchemaTests {
  @Test func everyOpIsRegisteredOnce() {
    let names = OpRegistry.all.map(\.name)
    #expect(Set(names).count == names.count)
    // The pointwise activations and their gradients come from the table's rows.
    let pointwise = Set(PointwiseOps.all.flatMap { [$0.name, $0.gradientName] })
    #expect(pointwise.isSuperset(of: ["relu", "leaky_relu", "sigmoid", "tanh", "gelu", "relu_grad", "gelu_grad"]))
    #expect(Set(names).subtracting(pointwise) == [
      "dense", "conv2d", "embedding", "self_attention", "maxpool2d", "avgpool2d", "global_avgpool", "flatten", "reshape",
      "batchnorm", "layernorm", "groupnorm", "dropout", "add", "multiply", "concat",
      "softmax", "log_softmax", "expression", "cross_entropy", "mse", "mae", "bce_with_logits", "slice",
      // What @train_step adds: training forms, backward ops, optimizer updates.
      "dropout_train", "batchnorm_train", "self_attention_train",
      "cross_entropy_grad", "mse_grad", "mae_grad", "bce_with_logits_grad",
      "dense_grad_input", "dense_grad_weight", "dense_grad_bias", "embedding_grad",
      "conv2d_grad_input", "conv2d_grad_weight", "conv2d_grad_bias", "maxpool2d_grad", "avgpool2d_grad", "global_avgpool_grad",
      "softmax_grad", "log_softmax_grad", "expression_grad",
      "layernorm_grad", "groupnorm_grad", "batchnorm_grad", "dropout_grad", "self_attention_grad",
      "sgd_update", "adam_update", "rmsprop_update", "apply_mask",
      // What the quantize pass writes.
      "quantize", "dequantize", "dense_int8", "conv2d_int8", "dense_dynamic_int8", "dense_f16", "conv2d_f16",
    ])
    for name in names { #expect(OpRegistry.schema(name)?.name == name) }
    #expect(OpRegistry.schema("dense2d") == nil)
    #expect(OpRegistry.opcodes == names.sorted())
  }

  @Test func everySchemaIsDocumented() {
    for s in OpRegistry.all {
      #expect(!s.summary.isEmpty, "\(s.name)")
      #expect(!s.operands.isEmpty, "\(s.name)")
      for a in s.attributes { #expect(!a.summary.isEmpty, "\(s.name).\(a.name)") }
    }
  }

  @Test func effectsMarkWhatMustNotBeRemoved() {
    let impure = OpRegistry.all.filter { !$0.isPure }.map(\.name).sorted()
    #expect(impure == [
      "adam_update", "apply_mask", "batchnorm", "batchnorm_train", "dropout", "dropout_train", "rmsprop_update", "self_attention", "self_attention_train",
      "sgd_update",
    ])
    func effects(_ name: String) -> OpTraits? { OpRegistry.schema(name)?.traits.intersection(.effects) }
    for random in ["dropout_train", "self_attention_train"] { #expect(effects(random) == .random) }
    for state in ["batchnorm_train", "sgd_update", "adam_update", "rmsprop_update", "apply_mask"] { #expect(effects(state) == .updatesState) }
    // Backward ops regenerate their forward op's mask: no effect of their own.
    #expect(OpRegistry.schema("dropout_grad")?.isPure == true)
    #expect(effects("dropout") == .random)
    #expect(effects("batchnorm") == .updatesState)
  }

  /// The traits passes query instead of opcode lists: what fuses, what is an identity per
  /// element, what costs a transcendental, what pruning passes through, what has weights.
  @Test func traitsSayWhatPassesMayAssume() {
    func having(_ trait: OpTraits) -> [String] { OpRegistry.all.filter { $0.traits.contains(trait) }.map(\.name).sorted() }
    let rows = PointwiseOps.all.map(\.name)
    #expect(having(.elementwise) == (rows + rows.map { $0 + "_grad" } + [
      "add", "dropout", "dropout_grad", "dropout_train", "expression", "expression_grad", "flatten", "multiply", "reshape",
    ]).sorted())
    #expect(having(.identity) == ["dropout", "flatten", "reshape"])
    #expect(having(.perUnit) == (rows + ["dropout", "expression"]).sorted())
    // Transcendental in the forward only where the derivative reads y (the ELU family,
    // sigmoid, tanh); both where it reads x and needs its own exp.
    #expect(having(.transcendental) == [
      "celu", "elish", "elish_grad", "elu", "expression", "expression_grad", "gelu", "gelu_grad", "hard_elish", "hard_elish_grad", "log_sigmoid",
      "log_sigmoid_grad", "mish", "mish_grad", "selu", "serlu", "serlu_grad", "sigmoid", "silu", "silu_grad", "softplus",
      "softplus_grad", "swish", "swish_grad", "tanh",
    ])
    #expect(having(.hasParameters).contains("dense") && having(.hasParameters).contains("conv2d"))
    #expect(!having(.hasParameters).contains("relu") && !having(.hasParameters).contains("maxpool2d"))
    // softmax is an activation but not pointwise: it neither fuses nor lets pruning through.
    #expect(OpRegistry.schema("softmax")?.traits == [])
    #expect(OpRegistry.schema("log_softmax")?.traits == [])
  }

  /// Each pointwise row gives both schemas; the gradient reads what the row says and
  /// carries the forward op's attributes, paired by name (not by position in a list).
  @Test func pointwiseRowsGiveBothSchemas() throws {
    for row in PointwiseOps.all {
      let forward = try #require(OpRegistry.schema(row.name))
      let gradient = try #require(OpRegistry.schema(row.gradientName))
      #expect(forward.operands == ["x"])
      #expect(gradient.operands == ["dy", row.saved.rawValue], "\(row.name)")
      #expect(gradient.attributes == forward.attributes && forward.attributes == row.attributes, "\(row.name)")
      #expect(PointwiseOps.lookup(row.gradientName)?.isGradient == true)
    }
    #expect(OpRegistry.schema("softmax_grad")?.operands == ["dy", "y"])
    #expect(PointwiseOps.lookup("softmax") == nil)
  }

  @Test func arityComesFromTheOperandNames() throws {
    let dense = try #require(OpRegistry.schema("dense"))
    #expect(dense.operands == ["x", "weight", "bias?"])
    #expect((dense.minOperands, dense.maxOperands) == (2, 3))
    let add = try #require(OpRegistry.schema("add"))
    #expect((add.minOperands, add.maxOperands) == (2, nil))
    #expect(dense.arityProblem(2) == nil)
    #expect(dense.arityProblem(1) == "'dense' takes 2 to 3 operands (x, weight, bias?), found 1")
    #expect(add.arityProblem(1) == "'add' takes at least 2 operands (a, b, rest…), found 1")
    #expect(OpRegistry.schema("relu")?.arityProblem(2) == "'relu' takes 1 operand (x), found 2")
  }

  @Test func attributeSpecsListKindsAndRequirement() throws {
    let conv = try #require(OpRegistry.schema("conv2d"))
    #expect(conv.attributes.map(\.name) == ["stride", "padding", "dilation"])
    #expect(conv.attributes.allSatisfy { $0.isRequired && $0.kind == .list(.int, count: 2) })
    let ce = try #require(OpRegistry.schema("cross_entropy"))
    #expect(ce.attribute(named: "class_weights")?.isRequired == false)
    #expect(OpRegistry.schema("relu")?.attributes.isEmpty == true)
  }

  @Test func attributeProblemsAreAllListed() throws {
    let conv = try #require(OpRegistry.schema("conv2d"))
    #expect(conv.attributeProblems(["stride": ints(1, 1), "padding": ints(0), "colour": .string("red")]) == [
      "attribute 'padding' of 'conv2d' must be a list of 2 integers, found [0]",
      "'conv2d' needs attribute 'dilation' (a list of 2 integers)",
      "'conv2d' has no attribute 'colour'",
    ])
    // infer reports the first problem before any shape rule runs.
    #expect(failure("conv2d", [t("Nx1x8x8"), t("4x1x3x3")], ["stride": ints(1, 1)])?.message
      == "'conv2d' needs attribute 'padding' (a list of 2 integers)")
  }

  @Test func attributeKindsAcceptTheirValues() {
    #expect(AttributeKind.float.accepts(.int(1)))
    #expect(!AttributeKind.int.accepts(.float(1)))
    #expect(AttributeKind.list(.int).accepts(.list([])))
    #expect(!AttributeKind.list(.int).accepts(.list([.float(1)])))
    #expect(!AttributeKind.list(.int, count: 2).accepts(ints(1, 2, 3)))
    #expect(AttributeKind.list(.float).accepts(.list([.float(1), .int(2)])))
    #expect(AttributeKind.any.accepts(.dict([:])))
    #expect(AttributeKind.dict.accepts(.dict([:])))
    #expect(!AttributeKind.string.accepts(.bool(true)))
    #expect(AttributeKind.choice(["none", "tanh"]).accepts(.string("tanh")))
    #expect(!AttributeKind.choice(["none", "tanh"]).accepts(.string("fast")))
    let weights = AttributeKind.either([.list(.float), .choice(["balanced"])])
    #expect(weights.accepts(.string("balanced")) && weights.accepts(.list([.float(1)])) && !weights.accepts(.float(1)))
    #expect(weights.description == "a list of numbers or one of \"balanced\"")
  }

  @Test func flopsOfOperandsThatDoNotFitAreZero() throws {
    let dense = try #require(OpRegistry.schema("dense"))
    #expect(dense.flopsPerSample(operands: [t("Nx64")], results: [t("Nx128")], attributes: [:]) == 0)
    #expect(dense.flopsPerSample(operands: [t(""), t("")], results: [], attributes: [:]) == 0)
    for s in OpRegistry.all {
      // No rule may trap on nonsense: every one is guarded by inference.
      #expect(s.flopsPerSample(operands: [], results: [], attributes: [:]) == 0)
    }
  }

  @Test func shapeErrorsReadAsMessages() {
    let e = ShapeError("kernel 5×5 does not fit input 4×4 with padding 0", help: "use 'padding: same' or a smaller kernel")
    #expect(e.description == "kernel 5×5 does not fit input 4×4 with padding 0 (help: use 'padding: same' or a smaller kernel)")
    // Every message a rule can produce starts lowercase (or with a quote or number) and has no trailing period.
    #expect(!e.message.hasSuffix("."))
  }
}
