/// An expression's canonical text: the DAG written out as a tree with the fewest
/// parentheses the grammar needs, numbers in Float's shortest round-trip form. It parses
/// back to the same nodes, which is how the IR stores an expression op (`expr`,
/// `derivative`) and how `dlc compile --emit ir` shows it.
extension Expression {
  /// The canonical text.
  public var text: String { Self.text(of: result, in: nodes, variable: variable, context: 0) }

  /// Nodes of the expression written out as a tree (shared nodes counted at each use),
  /// saturating at `Int.max`: the length of `text` grows with it.
  public var treeSize: Int {
    var size = [Int](repeating: 1, count: nodes.count)
    for (i, n) in nodes.enumerated() {
      for a in n.args {
        let (s, overflow) = size[i].addingReportingOverflow(size[a])
        size[i] = overflow ? .max : s
      }
    }
    return size[result]
  }

  /// The binding strength of a node's text: 0 comparison, 1 sum, 2 product, 3 unary
  /// minus, 4 power, 5 primary.
  static func level(_ node: ExpressionNode) -> Int {
    switch node.op {
    case .less, .lessEqual, .greater, .greaterEqual, .equal, .notEqual: return 0
    case .add, .subtract: return 1
    case .multiply, .divide: return 2
    case .negate: return 3
    case .constant: return node.value.sign == .minus ? 3 : 5
    case .power: return 4
    default: return 5
    }
  }

  static func text(of i: Int, in nodes: [ExpressionNode], variable: String, context: Int) -> String {
    let node = nodes[i]
    func arg(_ k: Int, _ level: Int) -> String { text(of: node.args[k], in: nodes, variable: variable, context: level) }
    let s: String
    switch node.op {
    case .constant: s = number(node.value)
    case .x: s = variable
    case .negate: s = "-" + arg(0, 3)
    case .add: s = arg(0, 1) + " + " + arg(1, 2)
    case .subtract: s = arg(0, 1) + " - " + arg(1, 2)
    case .multiply: s = arg(0, 2) + " * " + arg(1, 3)
    case .divide: s = arg(0, 2) + " / " + arg(1, 3)
    case .power: s = arg(0, 5) + "^" + number(node.value)
    case .select: s = "where(" + arg(0, 0) + ", " + arg(1, 0) + ", " + arg(2, 0) + ")"
    case .min, .max: s = node.op.rawValue + "(" + arg(0, 0) + ", " + arg(1, 0) + ")"
    case .less, .lessEqual, .greater, .greaterEqual, .equal, .notEqual:
      let symbol = ExpressionOp.comparisons.first { $0.value == node.op }!.key
      s = arg(0, 1) + " " + symbol + " " + arg(1, 1)
    default: s = node.op.rawValue + "(" + arg(0, 0) + ")"
    }
    return level(node) < context ? "(" + s + ")" : s
  }

  /// A Float in its shortest round-trip form, integers without ".0".
  static func number(_ v: Float) -> String {
    let d = v.description
    return d.hasSuffix(".0") ? String(d.dropLast(2)) : d
  }
}
