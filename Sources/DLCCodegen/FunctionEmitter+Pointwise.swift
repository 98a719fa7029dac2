import DLCIR
import DLCKernels

/// A pointwise activation inside a fused loop: its formula's call on one element. (On its
/// own, an activation runs through its kernel binding, `Bindings+Pointwise.swift`.)
extension FunctionEmitter {
  /// The element expression of a pointwise op in a fused loop: its formula on `a`
  /// (`ELU.forward(x, PointwiseParameters(1))`, or `.derivative(dy:_:_:)` of a gradient).
  static func pointwiseExpression(_ op: Operation, _ a: [String]) -> String? {
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
