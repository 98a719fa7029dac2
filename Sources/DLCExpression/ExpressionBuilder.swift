/// Builds an `Expression` node by node: identical nodes are made once (common
/// subexpressions), constant arithmetic is folded and identities are dropped, so that
/// both the parser's DAG and the derivative come out simplified.
///
/// Every rewrite keeps each element's value bit for bit, so it is the same whether the
/// interpreter or an emitted trainer runs the result:
/// - folding covers only the exactly rounded operations (+ − × ÷, negation, sqrt, abs,
///   min, max, comparisons, where): a Float operation on constants gives the value the
///   kernel would give; transcendental functions of constants are left to run time;
/// - `a + 0`, `0 + a`, `a − 0`, `a·1`, `1·a`, `a/1`, `−(−a)`, `a·(−1)` → −a, `0 − a` → −a,
///   and `where(c, a, a)` → a. (`a·0` stays: it is NaN for an infinite a.)
public struct ExpressionBuilder {
  public private(set) var nodes: [ExpressionNode] = []
  private var index: [ExpressionNode: Int] = [:]
  /// The longest chain of operations under each node (1 for x and constants).
  private var depths: [Int] = []

  public init() {}

  /// The node computing `op` of `args` (an existing one if it was made before).
  public mutating func make(_ op: ExpressionOp, _ args: [Int] = [], value: Float = 0) -> Int {
    if let simplified = simplify(op, args, value) { return simplified }
    return intern(ExpressionNode(op, args, value: value))
  }

  /// A constant node.
  public mutating func constant(_ value: Float) -> Int { intern(ExpressionNode(.constant, value: value)) }

  /// The node `x`.
  public mutating func x() -> Int { intern(ExpressionNode(.x)) }

  /// The constant value of node `i`, if it is one.
  public func constantValue(_ i: Int) -> Float? { nodes[i].op == .constant ? nodes[i].value : nil }

  /// `base` to the constant power `n`: an integer with |n| ≤ 16 as multiplications
  /// (square and multiply from the highest bit, so x³ = (x·x)·x, x⁴ = (x·x)·(x·x)), a
  /// negative one as 1 over that, ½ as sqrt, anything else a `power` node (`powf`).
  public mutating func power(_ base: Int, _ n: Float) -> Int {
    if n == 0.5 { return make(.sqrt, [base]) }
    guard n == n.rounded(), Swift.abs(n) <= 16 else { return make(.power, [base], value: n) }
    let m = Int(Swift.abs(n))
    guard m > 0 else { return constant(1) }
    var result = base
    for bit in (0..<(Int.bitWidth - m.leadingZeroBitCount - 1)).reversed() {
      result = make(.multiply, [result, result])
      if m >> bit & 1 == 1 { result = make(.multiply, [result, base]) }
    }
    return n < 0 ? make(.divide, [constant(1), result]) : result
  }

  /// The finished DAG with result `result`, unused nodes dropped.
  public func finish(_ result: Int, variable: String = "x") -> Expression {
    Expression(nodes: nodes, result: result, variable: variable).pruned()
  }

  /// The longest chain of operations from node `i` down to x or a constant.
  public func depth(of i: Int) -> Int { depths[i] }

  private mutating func intern(_ node: ExpressionNode) -> Int {
    if let i = index[node] { return i }
    depths.append(1 + (node.args.map { depths[$0] }.max() ?? 0))
    nodes.append(node)
    index[node] = nodes.count - 1
    return nodes.count - 1
  }

  /// A rewrite of `op(args)` into an existing or constant node, or nil to make it as is.
  private mutating func simplify(_ op: ExpressionOp, _ args: [Int], _ value: Float) -> Int? {
    let c = args.map(constantValue)
    if !args.isEmpty, c.allSatisfy({ $0 != nil }), let folded = Self.fold(op, c.map { $0! }, value) {
      return constant(folded)
    }
    func isConstant(_ k: Int, _ v: Float) -> Bool { c[k] == v }
    switch op {
    case .add:
      if isConstant(1, 0) { return args[0] }
      if isConstant(0, 0) { return args[1] }
    case .subtract:
      if isConstant(1, 0) { return args[0] }
      if isConstant(0, 0) { return make(.negate, [args[1]]) }
    case .multiply:
      if isConstant(1, 1) { return args[0] }
      if isConstant(0, 1) { return args[1] }
      if isConstant(1, -1) { return make(.negate, [args[0]]) }
      if isConstant(0, -1) { return make(.negate, [args[1]]) }
    case .divide:
      if isConstant(1, 1) { return args[0] }
    case .negate:
      if nodes[args[0]].op == .negate { return nodes[args[0]].args[0] }
    case .select:
      if args[1] == args[2] { return args[1] }
      if let condition = c[0] { return condition != 0 ? args[1] : args[2] }
    default:
      break
    }
    return nil
  }

  /// `op` of constants, where it is exactly rounded (so the same at compile and run time).
  static func fold(_ op: ExpressionOp, _ a: [Float], _ value: Float) -> Float? {
    switch op {
    case .negate: return -a[0]
    case .add: return a[0] + a[1]
    case .subtract: return a[0] - a[1]
    case .multiply: return a[0] * a[1]
    case .divide: return a[0] / a[1]
    case .sqrt: return a[0].squareRoot()
    case .abs: return Swift.abs(a[0])
    case .min: return a[0] <= a[1] ? a[0] : a[1]
    case .max: return a[0] >= a[1] ? a[0] : a[1]
    case .select: return a[0] != 0 ? a[1] : a[2]
    case .less: return a[0] < a[1] ? 1 : 0
    case .lessEqual: return a[0] <= a[1] ? 1 : 0
    case .greater: return a[0] > a[1] ? 1 : 0
    case .greaterEqual: return a[0] >= a[1] ? 1 : 0
    case .equal: return a[0] == a[1] ? 1 : 0
    case .notEqual: return a[0] != a[1] ? 1 : 0
    default: return nil
    }
  }
}
