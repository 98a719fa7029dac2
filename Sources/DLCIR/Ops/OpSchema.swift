/// Op schemas: for each opcode its operands, attributes, traits, shape rule and FLOPs.
///
/// The type checker infers result types with these rules and the verifier re-checks
/// every op with them, so each is the one definition of its op's shape.
///
/// FLOP convention (forward pass, per sample, of the deployed model):
/// - a multiply-add counts 2 (dense: 2·in·out per row; conv2d: 2·C·kh·kw per output
///   element), a bias add 1 per output element;
/// - an elementwise op counts 1 per output element, transcendentals included (relu,
///   sigmoid, gelu…); a merge of k inputs counts k − 1 per element;
/// - a window op counts kh·kw per output element; a reduction 1 per input element;
/// - softmax counts 3 per element (exp, sum, divide); normalizations count their
///   inference form: batchnorm 2 per element (per-channel scale and shift), layernorm
///   5 (mean, variance, normalize, scale, shift);
/// - ops that only move data (reshape, flatten, concat, embedding lookup) and dropout
///   (the identity at inference) count 0;
/// - losses: cross_entropy 4 per logit (log-softmax and the pick), mse and mae 3 per
///   element (difference, square or absolute value, sum), bce_with_logits 5 per element.
///
/// Training forms and backward ops (`@train_step`) follow the same rules for their own
/// work: a training form counts its forward op plus what it adds (dropout_train 1 per
/// element for the mask, batchnorm_train 5 per element for the batch statistics); a
/// product of the backward pass counts its multiply-adds like the forward one
/// (dense_grad_input and dense_grad_weight 2·in·out per row each); an elementwise
/// gradient 2 to 4 per element. Optimizer updates do not scale with the batch: they
/// count their work per step, a few FLOPs per parameter element.

/// A shape or attribute problem, phrased for the person who wrote the spec: lowercase,
/// no trailing period; the fix, if there is one, goes in `help`.
public struct ShapeError: Error, Sendable, Hashable, CustomStringConvertible {
  public var message: String
  public var help: String?

  public init(_ message: String, help: String? = nil) {
    self.message = message
    self.help = help
  }

  /// The message, then `help: …` if any.
  public var description: String { help.map { "\(message) (help: \($0))" } ?? message }
}

/// What passes and backends may assume about an op, declared on its schema so that no
/// pass keeps a list of opcodes of its own.
///
/// `random` and `updatesState` are effects: an op with neither may be removed when its
/// results are unused (`OpSchema.isPure`).
public struct OpTraits: OptionSet, Sendable, Hashable {
  public let rawValue: UInt16
  public init(rawValue: UInt16) { self.rawValue = rawValue }

  /// Draws random numbers while training (dropout); removing it shifts the RNG stream.
  public static let random = OpTraits(rawValue: 1 << 0)
  /// Writes module state while training (batchnorm's running statistics).
  public static let updatesState = OpTraits(rawValue: 1 << 1)
  /// Element i of the result depends only on element i of each operand, and the result
  /// has the elements of its first operand: the emitter fuses chains of such ops into one
  /// loop (see `Fusion.swift`).
  public static let elementwise = OpTraits(rawValue: 1 << 2)
  /// Passes each element on unchanged (`flatten`, `reshape`, `dropout` at inference):
  /// inside a fused loop it is no code at all.
  public static let identity = OpTraits(rawValue: 1 << 3)
  /// Costs a transcendental function per element (exp, erf, tanh): loops over it are
  /// worth splitting over threads at an eighth of the cheap ops' size.
  public static let transcendental = OpTraits(rawValue: 1 << 4)
  /// Treats each unit (feature or channel) of its input on its own, with no parameters:
  /// structured pruning may remove units through it (`relu`, `dropout`).
  public static let perUnit = OpTraits(rawValue: 1 << 5)
  /// Reads module parameters (weights, statistics): a layer that may be frozen.
  public static let hasParameters = OpTraits(rawValue: 1 << 6)

  /// The traits that are effects.
  public static let effects: OpTraits = [.random, .updatesState]
}

/// The operands and attributes of one op, as its rules see them.
public struct OpArguments: Sendable {
  public var opcode: String
  public var operands: [TensorType]
  public var attributes: [String: Attribute]
  /// The result types the op declares, when known (the verifier passes them). A few
  /// backward ops take part of their result type from here, since their operands do not
  /// determine it (`conv2d_grad_input`: a strided convolution maps several input sizes
  /// to one output size); their rules check the declared type against the operands.
  public var declared: [TensorType]? = nil
}

/// Everything the IR knows about one opcode.
public struct OpSchema: Sendable {
  /// Infers result types; throws when the operands or attributes do not fit.
  public typealias InferRule = @Sendable (OpArguments) throws(ShapeError) -> [TensorType]
  /// FLOPs per sample, given operands that fit and the inferred results.
  public typealias FlopsRule = @Sendable (OpArguments, [TensorType]) -> Int

  public let name: String
  public let summary: String
  /// Operand names in order: `bias?` is optional, `rest…` takes any number more.
  public let operands: [String]
  /// Attributes in documentation order.
  public let attributes: [AttributeSpec]
  public let traits: OpTraits
  private let inferRule: InferRule
  private let flopsRule: FlopsRule

  public init(
    name: String, summary: String, operands: [String], attributes: [AttributeSpec] = [], traits: OpTraits = [],
    infer: @escaping InferRule, flops: @escaping FlopsRule
  ) {
    self.name = name
    self.summary = summary
    self.operands = operands
    self.attributes = attributes
    self.traits = traits
    self.inferRule = infer
    self.flopsRule = flops
    minOperands = operands.filter { !$0.hasSuffix("?") && !$0.hasSuffix("…") }.count
    maxOperands = operands.contains { $0.hasSuffix("…") } ? nil : operands.count
    updatesOperands = operands.contains { $0.hasPrefix("@") }
  }

  /// Whether removing an unused instance changes nothing.
  public var isPure: Bool { traits.isDisjoint(with: .effects) }

  /// The fewest operands the op takes (counted once: the verifier asks for every op).
  public let minOperands: Int

  /// The most operands the op takes; nil when unbounded.
  public let maxOperands: Int?
  /// Whether some operand is updated in place (its name starts with `@`).
  public let updatesOperands: Bool

  /// The names of `count` operands given to this op, without their `?`/`…` marks:
  /// optional operands are taken left to right, `rest…` repeats. Names starting with `@`
  /// are updated in place and must be module parameters.
  public func operandNames(count: Int) -> [String] {
    var optionals = max(0, count - minOperands)
    var names: [String] = []
    for name in operands {
      if name.hasSuffix("…") {
        names += Array(repeating: String(name.dropLast()), count: max(0, count - names.count))
      } else if name.hasSuffix("?") {
        if optionals > 0 { names.append(String(name.dropLast())) }
        optionals -= 1
      } else {
        names.append(name)
      }
    }
    return names
  }

  /// The spec of attribute `name`.
  public func attribute(named name: String) -> AttributeSpec? { attributes.first { $0.name == name } }

  /// Result types for these operand types and attributes, or why they do not fit.
  /// Checks the operand count and the attributes (presence, kind) before the shape rule.
  /// `declared` are the op's declared result types, which the few ops whose result type
  /// is not determined by the operands need (see `OpArguments.declared`).
  public func infer(
    operands: [TensorType], attributes: [String: Attribute], declared: [TensorType]? = nil
  ) throws(ShapeError) -> [TensorType] {
    if let problem = arityProblem(operands.count) { throw ShapeError(problem) }
    if let problem = attributeProblems(attributes).first { throw ShapeError(problem) }
    let results = try inferRule(OpArguments(opcode: name, operands: operands, attributes: attributes, declared: declared))
    for result in results { try requireCountable(result) }
    return results
  }

  /// Runs the shape rule alone, under another op's name: training forms and backward ops
  /// check their forward operands with the forward op's rule.
  func rule(_ a: OpArguments) throws(ShapeError) -> [TensorType] { try inferRule(a) }

  /// FLOPs per sample (see the convention above); 0 when the operands do not fit.
  public func flopsPerSample(operands: [TensorType], results: [TensorType], attributes: [String: Attribute]) -> Int {
    guard let inferred = try? infer(operands: operands, attributes: attributes, declared: results) else { return 0 }
    return flopsRule(OpArguments(opcode: name, operands: operands, attributes: attributes, declared: results), inferred)
  }

  /// Why `count` operands are wrong for this op, or nil.
  public func arityProblem(_ count: Int) -> String? {
    let lower = minOperands
    if count >= lower, maxOperands.map({ count <= $0 }) ?? true { return nil }
    let expected: String
    switch maxOperands {
    case nil: expected = "at least \(lower)"
    case let upper? where upper == lower: expected = "\(lower)"
    case let upper?: expected = "\(lower) to \(upper)"
    }
    let signature = operands.joined(separator: ", ")
    return "'\(name)' takes \(expected) operand\(expected == "1" ? "" : "s") (\(signature)), found \(count)"
  }

  /// Every problem with `attributes`: missing required ones, wrong kinds, unknown
  /// names (sorted), in that order.
  public func attributeProblems(_ given: [String: Attribute]) -> [String] {
    var problems: [String] = []
    for spec in attributes {
      if let value = given[spec.name] {
        if !spec.kind.accepts(value) {
          problems.append("attribute '\(spec.name)' of '\(name)' must be \(spec.kind), found \(value)")
        }
      } else if spec.isRequired {
        problems.append("'\(name)' needs attribute '\(spec.name)' (\(spec.kind))")
      }
    }
    for key in given.keys.sorted() where attribute(named: key) == nil {
      problems.append("'\(name)' has no attribute '\(key)'")
    }
    return problems
  }
}
