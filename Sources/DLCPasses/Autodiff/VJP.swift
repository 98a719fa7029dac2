import DLCIR

/// One application of a VJP rule: a forward op of `@train_step` (in its training form),
/// the gradient flowing into its first result, and the operands that want a gradient.
///
/// A rule emits ops through a `GradientBuilder` and returns, for each wanted operand, the
/// value holding that operand's gradient (an emitted result, or `dy` itself when the
/// gradient passes through unchanged). It must return exactly the wanted operands.
struct VJPCall {
  /// The forward op.
  let op: Operation
  /// The gradient of `op`'s first result; nil for the loss, whose gradient is 1.
  let dy: String?
  /// Per operand: whether its gradient is wanted.
  let wants: [Bool]
  /// Per operand: the name its gradient gets (`%dense_1.grad`, a partial
  /// `%norm1.grad.b2_fc1`, or `….grad.unused` for a result nobody reads).
  let names: [String]

  /// Whether operand `i` wants a gradient.
  func wants(_ i: Int) -> Bool { i < wants.count && wants[i] }

  /// Whether any operand wants a gradient.
  var wantsAny: Bool { wants.contains(true) }

  /// Operand `i` of the forward op.
  func operand(_ i: Int) -> Operand { op.operands[i] }

  /// The forward op's first result, as an operand.
  var y: Operand { .value(op.results[0].name) }

  /// The incoming gradient as an operand; an error for an op that is not a loss but
  /// ends the loss function (there is no gradient to start from).
  func incoming() throws(AutodiffError) -> Operand {
    guard let dy else {
      throw AutodiffError("the loss function must end in a loss op, but it ends in '\(op.opcode)'")
    }
    return .value(dy)
  }

  /// Emits `opcode(operands) {attributes}` as the gradient of operand `i` (of its type)
  /// when `i` wants one, recording it in `out`.
  func gradient(
    _ i: Int, _ opcode: String, _ operands: [Operand], _ attributes: [String: Attribute] = [:],
    into out: inout [Int: String], _ b: inout GradientBuilder
  ) {
    guard wants(i) else { return }
    out[i] = b.emit(opcode, operands, attributes, name: names[i], type: b.type(of: operand(i)))
  }

  /// Emits a backward op whose results are the gradients of operands `indices`, in that
  /// order, whether wanted or not (results nobody wants get `.unused` names); returns
  /// the wanted ones.
  func gradients(
    of indices: [Int], _ opcode: String, _ operands: [Operand], _ attributes: [String: Attribute] = [:],
    _ b: inout GradientBuilder
  ) -> [Int: String] {
    guard indices.contains(where: wants) else { return [:] }
    let results = b.emit(opcode, operands, attributes, names: indices.map { names[$0] }, types: indices.map { b.type(of: operand($0)) })
    var out: [Int: String] = [:]
    for (i, name) in zip(indices, results) where wants(i) { out[i] = name }
    return out
  }
}

/// A forward op's vector-Jacobian product, written once, as IR.
typealias VJPRule = @Sendable (VJPCall, inout GradientBuilder) throws(AutodiffError) -> [Int: String]

/// The VJP rule of every differentiable opcode (training forms included), family by family.
enum VJPRules {
  static let byOpcode: [String: VJPRule] = lossVJPs
    .merging(linearVJPs) { first, _ in first }
    .merging(spatialVJPs) { first, _ in first }
    .merging(activationVJPs) { first, _ in first }
    .merging(normalizationVJPs) { first, _ in first }
    .merging(attentionVJPs) { first, _ in first }
    .merging(mergeVJPs) { first, _ in first }

  /// The rule of `opcode`, or nil when autodiff cannot differentiate it.
  static func rule(_ opcode: String) -> VJPRule? { byOpcode[opcode] }
}
