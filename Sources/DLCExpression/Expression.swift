/// Pointwise expressions: the activations a spec writes as formulas of `x`
/// (`0.5*x*(tanh(x)+1)`).
///
/// In: the text of an expression and the values of its named constants. Out: an
/// `Expression`, a DAG of Float operations in evaluation order with common
/// subexpressions shared (`ExpressionParser`), its symbolic derivative (`derivative()`,
/// `ExpressionDerivative.swift`) and its canonical text (`text`, which parses back to
/// the same DAG). The interpreter evaluates the DAG node by node and the emitter
/// prints one `let` per node, so both compute every element with the same Float
/// operations in the same order.

/// What a node computes. Functions take the arguments in `args`; `constant` holds its
/// number in `ExpressionNode.value`, `power` its (constant) exponent.
public enum ExpressionOp: String, Sendable, Hashable, CaseIterable {
  case constant, x
  case negate, add, subtract, multiply, divide
  /// a^value with a constant exponent that is not a small integer (small integer powers
  /// are multiplications).
  case power
  case exp, log, log1p, sqrt, abs, tanh, sigmoid, softplus, erf, sin, cos
  case min, max
  /// `where(cond, a, b)`: a where the comparison holds, else b.
  case select
  case less, lessEqual, greater, greaterEqual, equal, notEqual

  /// The one-argument functions by their name in expressions.
  public static let unary: [String: ExpressionOp] = [
    "exp": .exp, "log": .log, "log1p": .log1p, "sqrt": .sqrt, "abs": .abs, "tanh": .tanh, "sigmoid": .sigmoid,
    "softplus": .softplus, "erf": .erf, "sin": .sin, "cos": .cos,
  ]

  /// Every function name with its number of arguments.
  public static let functions: [String: Int] =
    unary.mapValues { _ in 1 }.merging(["min": 2, "max": 2, "where": 3], uniquingKeysWith: { a, _ in a })

  /// The built-in constants by name.
  public static let namedConstants: [String: Float] = ["pi": Float.pi, "e": 2.718_281_828_459_045]

  /// The comparison operators by spelling.
  public static let comparisons: [String: ExpressionOp] = [
    "<": .less, "<=": .lessEqual, ">": .greater, ">=": .greaterEqual, "==": .equal, "!=": .notEqual,
  ]

  /// Whether the node is a comparison (a boolean, usable only as `where`'s condition).
  public var isComparison: Bool { Self.comparisons.values.contains(self) }
}

/// One node: an operation, the indices of its argument nodes (all earlier) and, for
/// `constant` and `power`, a number.
public struct ExpressionNode: Sendable, Hashable {
  public var op: ExpressionOp
  public var args: [Int]
  public var value: Float

  public init(_ op: ExpressionOp, _ args: [Int] = [], value: Float = 0) {
    self.op = op
    self.args = args
    self.value = value
  }

  /// Hashing a constant by its bit pattern keeps −0 and 0 apart (and NaN equal to itself).
  public func hash(into h: inout Hasher) {
    h.combine(op)
    h.combine(args)
    h.combine(value.bitPattern)
  }

  public static func == (a: Self, b: Self) -> Bool {
    a.op == b.op && a.args == b.args && a.value.bitPattern == b.value.bitPattern
  }
}

/// A DAG of nodes in evaluation order (each node's arguments come before it), with one
/// result node.
public struct Expression: Sendable, Hashable {
  public var nodes: [ExpressionNode]
  public var result: Int
  /// The name the input is written with: `x`, or `y` for a derivative written in the
  /// forward output (`ExpressionDerivative.swift`). The `.x` nodes read it.
  public var variable = "x"

  public init(nodes: [ExpressionNode], result: Int, variable: String = "x") {
    self.nodes = nodes
    self.result = result
    self.variable = variable
  }

  /// Whether any node reads the input.
  public var readsX: Bool { nodes.contains { $0.op == .x } }

  /// The nodes that compute something (neither `x` nor a constant): a FLOPs estimate
  /// per element.
  public var operationCount: Int { nodes.filter { $0.op != .x && $0.op != .constant }.count }

  /// The nodes the result depends on, in order (the builder may leave unused ones behind).
  func pruned() -> Expression {
    var used = [Bool](repeating: false, count: nodes.count)
    used[result] = true
    for i in nodes.indices.reversed() where used[i] { for a in nodes[i].args { used[a] = true } }
    var map = [Int](repeating: -1, count: nodes.count)
    var kept: [ExpressionNode] = []
    for i in nodes.indices where used[i] {
      var n = nodes[i]
      n.args = n.args.map { map[$0] }
      map[i] = kept.count
      kept.append(n)
    }
    return Expression(nodes: kept, result: map[result], variable: variable)
  }
}
