/// The row type of the pointwise table (`Pointwise.swift`) and what comes from a row:
/// the forward schema `name(x) {attributes}` and the gradient schema
/// `name_grad(dy, x or y) {attributes}`.
///
/// A pointwise op computes y = f(x) element by element with a few number or choice
/// attributes. Its formulas live in DLCKernels (one `PointwiseFormula` type per row, same
/// name); the VJP, the interpreter's kernel, the emitted call and fused loop, fusion and
/// structured pruning all read the row, so adding an activation is a catalog entry, a row
/// and its formulas.

/// One row: an elementwise activation and its derivative.
public struct PointwiseOp: Sendable {
  /// Which forward value the derivative reads: the input x or the output y, whichever
  /// makes the derivative cheaper (sigmoid′ = y·(1 − y) needs no exp).
  public enum Saved: String, Sendable {
    case input = "x"
    case output = "y"

    /// How a diagnostic names the value.
    var role: String { self == .input ? "input" : "output" }
  }

  /// Which of the two functions costs a transcendental (exp, erf, tanh) per element.
  public enum Transcendental: Sendable {
    case none, forward, both
  }

  /// The forward opcode; the formula type in DLCKernels has the same `name`.
  public let name: String
  /// The formula, for `dlc ops` and the docs.
  public let summary: String
  /// The attributes in parameter-pack order (numbers; choices as their index).
  public let attributes: [AttributeSpec]
  /// What the derivative reads besides dy.
  public let saved: Saved
  /// The derivative's formula.
  public let derivativeSummary: String
  /// FLOPs per element of the forward and of the gradient op.
  public let flops: (forward: Int, derivative: Int)
  public let transcendental: Transcendental
  /// A check across attributes beyond their kinds (hard_tanh's min < max), or nil.
  public let check: (@Sendable (OpArguments) throws(ShapeError) -> Void)?

  public init(
    _ name: String, _ summary: String, attributes: [AttributeSpec] = [], transcendental: Transcendental = .none,
    derivative saved: Saved, _ derivativeSummary: String, flops: (forward: Int, derivative: Int),
    check: (@Sendable (OpArguments) throws(ShapeError) -> Void)? = nil
  ) {
    self.name = name
    self.summary = summary
    self.attributes = attributes
    self.saved = saved
    self.derivativeSummary = derivativeSummary
    self.flops = flops
    self.transcendental = transcendental
    self.check = check
  }

  /// The gradient's opcode.
  public var gradientName: String { name + "_grad" }

  /// `name(x) {attributes}` → y of x's type.
  public var schema: OpSchema {
    let (attributes, flops, check) = (self.attributes, self.flops.forward, self.check)
    return OpSchema(
      name: name, summary: summary, operands: ["x"], attributes: attributes,
      traits: OpTraits([.elementwise, .perUnit]).union(transcendental == .none ? [] : .transcendental),
      infer: { a throws(ShapeError) in
        try a.requireFloating(0, "input")
        try Self.checkNumbers(attributes, a)
        try check?(a)
        return [a.operands[0]]
      },
      flops: { _, results in mul(flops, results[0].elementCountPerSample) })
  }

  /// `name_grad(dy, x or y) {attributes}` → dx of dy's type.
  public var gradientSchema: OpSchema {
    gradientOp(
      of: schema, name: gradientName, saved: saved, traits: OpTraits.elementwise.union(transcendental == .both ? .transcendental : []),
      flops: flops.derivative, derivativeSummary)
  }

  /// The attribute values in row order, as the formulas' parameter pack reads them: a
  /// number as itself, a choice as the index of its option. The op has passed the
  /// verifier, so every attribute is present and of its kind.
  public func parameterValues(_ given: [String: Attribute]) -> [Float] {
    attributes.map { spec in
      guard let value = given[spec.name] else { preconditionFailure("'\(name)' without attribute '\(spec.name)'") }
      if case .choice(let options) = spec.kind, let text = value.stringValue, let index = options.firstIndex(of: text) {
        return Float(index)
      }
      guard let number = value.floatValue else { preconditionFailure("attribute '\(spec.name)' of '\(name)' is \(value)") }
      return Float(number)
    }
  }

  /// Every number attribute is finite (the kind check has passed).
  private static func checkNumbers(_ attributes: [AttributeSpec], _ a: OpArguments) throws(ShapeError) {
    for spec in attributes where spec.kind == .float {
      let value = try a.float(spec.name)
      guard value.isFinite else { throw ShapeError("the \(spec.name) must be a finite number, found \(IRFormat.float(value))") }
    }
  }
}

/// A gradient op `name(dy, x or y) {forward's attributes}` → dx of dy's type, whose
/// saved operand fits `forward`'s rule (attribute checks included); `flops` per element.
func gradientOp(
  of forward: OpSchema, name: String, saved: PointwiseOp.Saved, traits: OpTraits = [], flops: Int, _ summary: String
) -> OpSchema {
  OpSchema(
    name: name, summary: "gradient of '\(forward.name)': " + summary, operands: ["dy", saved.rawValue],
    attributes: forward.attributes, traits: traits,
    infer: { a throws(ShapeError) in
      try a.requireFloating(0, "gradient")
      try a.requireSameType(1, saved.role, as: 0, "gradient")
      return try forwardRule(forward, a, operands: 1..<2)
    },
    flops: { _, results in mul(flops, results[0].elementCountPerSample) })
}

/// The pointwise ops, by forward or gradient opcode.
public enum PointwiseOps {
  /// Every row, in table order.
  public static let all: [PointwiseOp] = pointwiseTable

  private static let byOpcode: [String: (PointwiseOp, Bool)] = Dictionary(
    pointwiseTable.flatMap { [($0.name, ($0, false)), ($0.gradientName, ($0, true))] }, uniquingKeysWith: { first, _ in first })

  /// The row of `opcode` (a forward or a gradient op) and whether it is the gradient.
  public static func lookup(_ opcode: String) -> (op: PointwiseOp, isGradient: Bool)? {
    byOpcode[opcode].map { (op: $0.0, isGradient: $0.1) }
  }
}

/// The activations: the pointwise rows, then softmax, log_softmax and the expression op.
let activationOps: [OpSchema] = pointwiseTable.map(\.schema) + [softmax, logSoftmax, expressionOp]

/// Their backward ops, each built from its own forward op.
let activationGradientOps: [OpSchema] = pointwiseTable.map(\.gradientSchema) + [softmaxGrad, logSoftmaxGrad, expressionGradOp]
