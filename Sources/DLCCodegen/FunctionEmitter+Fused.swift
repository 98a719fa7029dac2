import DLCIR
import DLCKernels
import DLCPasses

/// A fused group as one loop: per element, each member op's formula (see
/// `Fusion.swift` for why this is bit-identical to the kernels), intermediates in locals
/// named after their IR values, and only the root stored.
///
/// Groups with dropout walk Philox blocks of four elements, as `DropoutKernel` does: one
/// block gives the dropout factors (1/(1 − rate) or 0) of four elements. Loops split over
/// `Parallel.forEach` with the kernels' grain wherever the kernels would split.
extension FunctionEmitter {
  mutating func emitFused(_ group: FusedGroup) throws(CodegenError) {
    let root = group.root
    for op in group.ops where !FusedFunction.isElementwise(op) {
      throw CodegenError("'\(op.opcode)' cannot be fused (\(op.label))")
    }
    let count = Extent.product(resultDims(root))
    for leaf in group.leaves { _ = value(leaf) }
    let out = result(root)
    let random = group.randomOps.filter { Self.masks($0) }
    var factors: [String: String] = [:]
    for op in random {
      let stream = stream(op)
      factors[op.results[0].name] = "factors" + stream.dropFirst("stream".count)
    }
    let maxCount = count.value(batch: context.batchSize)
    let transcendental = group.ops.contains(where: Self.isTranscendental)
    if random.isEmpty {
      let grain = PointwiseKernel.grain(transcendental: transcendental)
      if maxCount >= 2 * grain {
        loop("Parallel.forEach(count: \(count.code), minimumPerThread: \(SwiftName.int(grain))) { range in") {
          $0.loop("for i in range {") { $0.elementBody(group, out: out, factors: factors) }
        }
      } else {
        loop("for i in 0..<\(count.code) {") { $0.elementBody(group, out: out, factors: factors) }
      }
      return
    }
    // Blocks of four: whole blocks when every batch size gives a multiple of four elements.
    let whole = count.factor % 4 == 0
    let blocks = whole ? (count / 4).code : "(\(count.code) + 3) / 4"
    let lanes = whole ? "for i in b * 4..<b * 4 + 4 {" : "for i in b * 4..<min(b * 4 + 4, \(count.code)) {"
    let perBlock: (inout FunctionEmitter) -> Void = { e in
      var declared: Set<String> = []
      for op in random {
        let name = factors[op.results[0].name]!
        let rate = OpAttributes(op).float("rate")
        if declared.insert(name).inserted {
          let stream = "stream" + name.dropFirst("factors".count)
          e.text.line(
            "let \(name) = Scalar.dropoutFactors(\(stream).block(b), rate: \(SwiftName.float(rate)), scale: \(SwiftName.float(1 / (1 - rate))))")
        }
      }
      e.loop(lanes) { $0.elementBody(group, out: out, factors: factors) }
    }
    if maxCount >= 2 * 4 * Self.blocksPerThread {
      loop("Parallel.forEach(count: \(blocks), minimumPerThread: \(SwiftName.int(Self.blocksPerThread))) { blocks in") {
        $0.loop("for b in blocks {", perBlock)
      }
    } else {
      loop("for b in 0..<\(blocks) {", perBlock)
    }
  }

  /// `open`, the body one level deeper, `}`.
  private mutating func loop(_ open: String, _ body: (inout FunctionEmitter) -> Void) {
    text.line(open)
    text.depth += 1
    body(&self)
    text.depth -= 1
    text.line("}")
  }

  /// Whether a random op draws a mask (rates 0 and 1 do not).
  static func masks(_ op: Operation) -> Bool {
    let rate = OpAttributes(op).float("rate")
    return rate > 0 && rate < 1
  }

  /// The statements for element `i`.
  private mutating func elementBody(_ group: FusedGroup, out: String, factors: [String: String]) {
    var expressions: [String: String] = [:]
    func read(_ operand: Operand) -> String {
      expressions[operand.name] ?? context.name(operand.name) + "[i]"
    }
    // Identity ops at the end (dropout at inference, reshape) store what they pass on:
    // the op before them writes the result.
    var writer = group.ops.count - 1
    while writer > 0, Self.isIdentity(group.ops[writer]),
      case .value(let source) = group.ops[writer].operands[0], group.ops[writer - 1].results[0].name == source
    {
      writer -= 1
    }
    for (index, op) in group.ops.enumerated() where index <= writer {
      let a = op.operands.map(read)
      let expression: String
      if let formula = Self.pointwiseExpression(op, a) {
        expression = formula
      } else if Self.isIdentity(op) {
        expression = a[0]
      } else {
        expression = Self.otherExpression(op, a, factors: factors)
      }
      let name = op.results[0].name
      if index == writer {
        text.line("\(out)[i] = \(expression)")
      } else if Self.isIdentity(op) || expression.hasPrefix("Float(") {
        expressions[name] = expression
      } else {
        // A local per intermediate: a sum inside another formula keeps its own order.
        text.line("let \(context.name(name)) = \(expression)")
        expressions[name] = context.name(name)
      }
    }
  }

  /// The element expression of a fused op that is not a pointwise row: dropout's mask,
  /// the merges.
  private static func otherExpression(_ op: Operation, _ a: [String], factors: [String: String]) -> String {
    let expression: String
    switch op.opcode {
    case "dropout_train", "dropout_grad":
      let rate = OpAttributes(op).float("rate")
      if rate <= 0 {
        expression = a[0]
      } else if rate >= 1 {
        expression = "Float(0)"
      } else {
        expression = "Scalar.dropout(\(a[0]), factor: \(factors[op.results[0].name]!)[i & 3])"
      }
    case "add": expression = a.joined(separator: " + ")
    case "multiply": expression = a.joined(separator: " * ")
    default: preconditionFailure("'\(op.opcode)' is elementwise but has no expression in a fused loop")
    }
    return expression
  }

  /// Philox blocks (four elements each) a thread takes at least in a loop with dropout, as
  /// `DropoutKernel` splits (its grain / 4). A fused loop is emitted split wherever the
  /// kernels it replaces would split at the spec's batch size (two threads' worth of work);
  /// `Parallel.forEach` keeps smaller batches on the calling thread.
  static let blocksPerThread = 2_048

  /// Whether the op passes each element on unchanged (its schema's `identity` trait).
  static func isIdentity(_ op: Operation) -> Bool { OpRegistry.schema(op.opcode)?.traits.contains(.identity) ?? false }
}
