import DLCExpression
import DLCIR
import DLCKernels

/// The expression activation's bindings. The interpreter compiles the op's `expr` (or
/// `derivative`) into an `ExpressionTape` and runs `ExpressionKernel`; the emitter calls
/// the `PointwiseFormula` type it generates for the op (`ExpressionFormulas`), through the
/// same generic kernels as a built-in row: `Expression_1f2e….forward(x: …, y: …, count: …,
/// parameters: …, transcendental: true)`. Both compute each element with the same Float
/// operations in the same order.
let expressionBindings: [String: KernelBinding] = [
  "expression": KernelBinding { v in
    let (expr, derivative) = ExpressionFormulas.parse(v.op)
    let tail: [KernelArgument] = [
      .init("count", .size(Extent.product(v.resultDims()))), .init("parameters", .record(emptyPack)),
      .init("transcendental", .bool(true)),
    ]
    let tape = ExpressionTape(expr)
    return [
      KernelCall(ExpressionFormulas.typeName(expr, derivative) + ".forward", [.init("x", .operand(0)), .init("y", .result(0))] + tail) { a in
        let (x, y, n) = (a.f32("x"), a.f32("y"), a.int("count"))
        return { ExpressionKernel.forward(tape, x: x, y: y, count: n) }
      }
    ]
  },
  "expression_grad": KernelBinding { v in
    let (expr, derivative) = ExpressionFormulas.parse(v.op)
    let tail: [KernelArgument] = [
      .init("count", .size(Extent.product(v.resultDims()))), .init("parameters", .record(emptyPack)),
      .init("transcendental", .bool(true)),
    ]
    let tape = ExpressionTape(derivative)
    return [
      KernelCall(
        ExpressionFormulas.typeName(expr, derivative) + ".backward",
        [.init("dy", .operand(0)), .init("saved", .operand(1)), .init("dx", .result(0))] + tail
      ) { a in
        let (dy, x, dx, n) = (a.f32("dy"), a.f32("saved"), a.f32("dx"), a.int("count"))
        return { ExpressionKernel.backward(tape, dy: dy, x: x, dx: dx, count: n) }
      }
    ]
  },
]

/// An expression has no parameter pack (its constants are literals in its text).
private var emptyPack: KernelRecord {
  KernelRecord("PointwiseParameters", ["a", "b", "c", "d"].map { KernelArgument($0, .float(0)) }, suffix: "_parameters")
}

/// What both backends need to know of an expression op's formula.
public enum ExpressionFormulas {
  /// The op's `expr` and `derivative` (in x, or in y: its `variable`), parsed (the
  /// verifier has checked both).
  public static func parse(_ op: Operation) -> (expr: Expression, derivative: Expression) {
    let attributes = OpAttributes(op)
    guard let expr = try? ExpressionParser.parse(attributes.string("expr")),
      let derivative = try? ExpressionParser.parseDerivative(attributes.string("derivative"))
    else { preconditionFailure("'\(op.opcode)' with an expression that does not parse") }
    return (expr, derivative)
  }

  /// The Swift type an emitted trainer declares for the formula: `Expression_` and a
  /// 64-bit FNV-1a hash of the two canonical texts, so the same formula gets the same
  /// name wherever it is used, and the name does not depend on emission order.
  public static func typeName(_ expr: Expression, _ derivative: Expression) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in (expr.text + "\n" + derivative.text).utf8 {
      hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
    }
    let hex = String(hash, radix: 16)
    return "Expression_" + String(repeating: "0", count: 16 - hex.count) + hex
  }
}

extension ExpressionTape {
  /// The interpreter's form of an expression: one instruction per node.
  public init(_ e: Expression) {
    let instructions = e.nodes.map { node in
      Instruction(Self.code(node.op), node.args, value: node.value)
    }
    self.init(instructions, result: e.result)
  }

  private static func code(_ op: ExpressionOp) -> Code {
    switch op {
    case .constant: return .constant
    case .x: return .input
    case .negate: return .negate
    case .add: return .add
    case .subtract: return .subtract
    case .multiply: return .multiply
    case .divide: return .divide
    case .power: return .power
    case .exp: return .exp
    case .log: return .log
    case .log1p: return .log1p
    case .sqrt: return .sqrt
    case .abs: return .abs
    case .tanh: return .tanh
    case .sigmoid: return .sigmoid
    case .softplus: return .softplus
    case .erf: return .erf
    case .sin: return .sin
    case .cos: return .cos
    case .min: return .min
    case .max: return .max
    case .select: return .select
    case .less: return .less
    case .lessEqual: return .lessEqual
    case .greater: return .greater
    case .greaterEqual: return .greaterEqual
    case .equal: return .equal
    case .notEqual: return .notEqual
    }
  }
}
