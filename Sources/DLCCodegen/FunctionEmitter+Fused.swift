import DLCIR
import DLCPasses

/// A fused group as one loop: per element, each member op's `Scalar` formula (see
/// `Fusion.swift` for why this is bit-identical to the kernels), intermediates in locals
/// named after their IR values, and only the root stored.
///
/// Groups with dropout walk Philox blocks of four elements, as `DropoutKernel` does: one
/// block gives the dropout factors (1/(1 − rate) or 0) of four elements. Loops split over
/// `Parallel.forEach` with the kernels' grain wherever the kernels would split.
extension FunctionEmitter {
  mutating func emitFused(_ group: FusedGroup) throws(CodegenError) {
    let root = group.root
    for op in group.ops where !FusedFunction.elementwise.contains(op.opcode) {
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
    let transcendental = group.ops.contains { ["sigmoid", "tanh", "gelu", "gelu_grad"].contains($0.opcode) }
    if random.isEmpty {
      let grain = transcendental ? 4_096 : 32_768
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
        let rate = Self.float(op, "rate")
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
    let rate = float(op, "rate")
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
    while writer > 0, Self.identity.contains(group.ops[writer].opcode),
      case .value(let source) = group.ops[writer].operands[0], group.ops[writer - 1].results[0].name == source
    {
      writer -= 1
    }
    for (index, op) in group.ops.enumerated() where index <= writer {
      let a = op.operands.map(read)
      let expression: String
      switch op.opcode {
      case "relu": expression = "Scalar.relu(\(a[0]))"
      case "leaky_relu": expression = "Scalar.leakyRelu(\(a[0]), slope: \(Self.literal(op, "slope", 0.01)))"
      case "sigmoid": expression = "Scalar.sigmoid(\(a[0]))"
      case "tanh": expression = "Scalar.tanh(\(a[0]))"
      case "gelu": expression = "Scalar.\(Self.tanhForm(op) ? "geluTanh" : "gelu")(\(a[0]))"
      case "dropout", "flatten", "reshape": expression = a[0]
      case "dropout_train", "dropout_grad":
        let rate = Self.float(op, "rate")
        if rate <= 0 {
          expression = a[0]
        } else if rate >= 1 {
          expression = "Float(0)"
        } else {
          expression = "Scalar.dropout(\(a[0]), factor: \(factors[op.results[0].name]!)[i & 3])"
        }
      case "add": expression = a.joined(separator: " + ")
      case "multiply": expression = a.joined(separator: " * ")
      case "relu_grad": expression = "Scalar.reluGrad(dy: \(a[0]), x: \(a[1]))"
      case "leaky_relu_grad":
        expression = "Scalar.leakyReluGrad(dy: \(a[0]), x: \(a[1]), slope: \(Self.literal(op, "slope", 0.01)))"
      case "sigmoid_grad": expression = "Scalar.sigmoidGrad(dy: \(a[0]), y: \(a[1]))"
      case "tanh_grad": expression = "Scalar.tanhGrad(dy: \(a[0]), y: \(a[1]))"
      case "gelu_grad": expression = "Scalar.\(Self.tanhForm(op) ? "geluTanhGrad" : "geluGrad")(dy: \(a[0]), x: \(a[1]))"
      default: preconditionFailure("'\(op.opcode)' is not elementwise")
      }
      let name = op.results[0].name
      if index == writer {
        text.line("\(out)[i] = \(expression)")
      } else if Self.identity.contains(op.opcode) || expression.hasPrefix("Float(") {
        expressions[name] = expression
      } else {
        // A local per intermediate: a sum inside another formula keeps its own order.
        text.line("let \(context.name(name)) = \(expression)")
        expressions[name] = context.name(name)
      }
    }
  }

  /// Philox blocks (four elements each) a thread takes at least in a loop with dropout, as
  /// `DropoutKernel` splits (its grain / 4). A fused loop is emitted split wherever the
  /// kernels it replaces would split at the spec's batch size (two threads' worth of work);
  /// `Parallel.forEach` keeps smaller batches on the calling thread.
  static let blocksPerThread = 2_048

  /// Ops that pass each element on unchanged.
  static let identity: Set<String> = ["dropout", "flatten", "reshape"]

  static func tanhForm(_ op: Operation) -> Bool { op.attributes["approximate"]?.stringValue == "tanh" }
}
