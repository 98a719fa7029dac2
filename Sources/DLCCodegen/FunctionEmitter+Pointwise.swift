import DLCIR
import DLCKernels
import DLCPasses

/// A pointwise activation inside a fused loop: its formula's call on one element. (On its
/// own, an activation runs through its kernel binding, `Bindings+Pointwise.swift`.)
extension FunctionEmitter {
  /// The element expression of a pointwise op in a fused loop: its formula on `a`
  /// (`ELU.forward(x, PointwiseParameters(1))`, or `.derivative(dy:_:_:)` of a gradient); an
  /// expression op calls the formula type generated for it.
  static func pointwiseExpression(_ op: Operation, _ a: [String]) -> String? {
    if op.opcode == "expression" || op.opcode == "expression_grad" {
      // The formula type generated for this expression (`ExpressionEmitter`).
      let (expr, derivative) = ExpressionFormulas.parse(op)
      let formula = ExpressionFormulas.typeName(expr, derivative)
      return op.opcode == "expression"
        ? "\(formula).forward(\(a[0]), PointwiseParameters())" : "\(formula).derivative(dy: \(a[0]), \(a[1]), PointwiseParameters())"
    }
    guard let (row, isGradient) = PointwiseOps.lookup(op.opcode) else { return nil }
    guard let formula = PointwiseKernels.named(row.name)?.typeName else { preconditionFailure("no formula for '\(row.name)'") }
    let p = "PointwiseParameters(" + row.parameterValues(op.attributes).map(SwiftName.float).joined(separator: ", ") + ")"
    return isGradient ? "\(formula).derivative(dy: \(a[0]), \(a[1]), \(p))" : "\(formula).forward(\(a[0]), \(p))"
  }

  /// Whether the op's schema says it costs a transcendental per element.
  static func isTranscendental(_ op: Operation) -> Bool {
    OpRegistry.schema(op.opcode)?.traits.contains(.transcendental) ?? false
  }
}
