import DLCExpression
import DLCIR
import DLCPasses

/// The expression activations of an emitted trainer: for every distinct formula in the
/// module a `PointwiseFormula` type (named by `ExpressionFormulas.typeName`) whose
/// `forward` and `derivative` are the expression's nodes as one `let` each, in the DAG's
/// order, calling the functions the interpreter's tape calls (`VectorMath`,
/// `ExpressionMath`). Unfused calls run it through the generic pointwise kernels; fused
/// loops call `forward` / `derivative` per element, as for a built-in row.
enum ExpressionEmitter {
  /// The declarations for `module`'s expression ops (empty when it has none), sorted by name.
  static func declarations(_ module: Module) -> String {
    var formulas: [String: (Expression, Expression)] = [:]
    for function in module.functions {
      for op in function.body where op.opcode == "expression" || op.opcode == "expression_grad" {
        let (expr, derivative) = ExpressionFormulas.parse(op)
        formulas[ExpressionFormulas.typeName(expr, derivative)] = (expr, derivative)
      }
    }
    return formulas.keys.sorted().map { declaration($0, formulas[$0]!.0, formulas[$0]!.1) }.joined()
  }

  /// One formula type.
  static func declaration(_ name: String, _ expr: Expression, _ derivative: Expression) -> String {
    """

    /// y = \(expr.text)
    /// dy/dx = \(derivative.text)
    enum \(name): PointwiseFormula {
      static let name = "expression"

      @inline(__always) static func forward(_ x: Float, _ p: PointwiseParameters) -> Float {
    \(body(expr, result: { $0 }))
      }

      @inline(__always) static func derivative(dy: Float, _ \(derivative.variable): Float, _ p: PointwiseParameters) -> Float {
    \(body(derivative, result: { "dy * " + $0 }))
      }
    }

    """
  }

  /// The nodes as `let`s (constants and x inline), then `return`.
  static func body(_ e: Expression, result: (String) -> String) -> String {
    var names: [String] = []
    var lines: [String] = []
    for (i, node) in e.nodes.enumerated() {
      let a = node.args.map { names[$0] }
      let code: String
      switch node.op {
      case .constant:
        names.append(literal(node.value))
        continue
      case .x:
        names.append(e.variable)
        continue
      default:
        code = Self.code(node, a)
      }
      names.append("v\(i)")
      lines.append("    let v\(i) = \(code)")
    }
    lines.append("    return " + result(names[e.result]))
    return lines.joined(separator: "\n")
  }

  /// One node's Swift expression (comparisons are Bools, read only by `where`).
  static func code(_ node: ExpressionNode, _ a: [String]) -> String {
    switch node.op {
    case .constant, .x: preconditionFailure("constants and x are inlined")
    case .negate: return "-" + a[0]
    case .add: return "\(a[0]) + \(a[1])"
    case .subtract: return "\(a[0]) - \(a[1])"
    case .multiply: return "\(a[0]) * \(a[1])"
    case .divide: return "\(a[0]) / \(a[1])"
    case .power: return "ExpressionMath.pow(\(a[0]), \(literal(node.value)))"
    case .exp, .tanh, .erf: return "VectorMath.\(node.op.rawValue)(\(a[0]))"
    case .log, .log1p, .sin, .cos, .sigmoid, .softplus: return "ExpressionMath.\(node.op.rawValue)(\(a[0]))"
    case .sqrt: return "\(a[0]).squareRoot()"
    case .abs: return "Swift.abs(\(a[0]))"
    case .min: return "\(a[0]) <= \(a[1]) ? \(a[0]) : \(a[1])"
    case .max: return "\(a[0]) >= \(a[1]) ? \(a[0]) : \(a[1])"
    case .select: return "\(a[0]) ? \(a[1]) : \(a[2])"
    case .less: return "\(a[0]) < \(a[1])"
    case .lessEqual: return "\(a[0]) <= \(a[1])"
    case .greater: return "\(a[0]) > \(a[1])"
    case .greaterEqual: return "\(a[0]) >= \(a[1])"
    case .equal: return "\(a[0]) == \(a[1])"
    case .notEqual: return "\(a[0]) != \(a[1])"
    }
  }

  /// A Float literal that is exactly `v`: its decimal form when that is exact, else its
  /// bits (a literal such as 0.1 would be rounded by the compiler, not parsed as `Float("0.1")`).
  static func literal(_ v: Float) -> String {
    let text = SwiftName.float(v)
    let typed = "Float(" + text + ")"
    if let d = Double(text), d == Double(v) { return v < 0 ? "(\(typed))" : typed }
    return "Float(bitPattern: 0x" + String(v.bitPattern, radix: 16) + ") /* \(text) */"
  }
}
