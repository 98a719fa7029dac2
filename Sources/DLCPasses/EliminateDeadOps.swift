import DLCIR

/// Removes ops whose results are never used and that have no side effects.
///
/// A value is live when a function returns it or a live op uses it; one backward sweep
/// over the straight-line body finds them all. Ops without a known schema, or whose
/// schema is not pure, are kept. Parameters are kept even if no op uses them any more
/// (they belong to the checkpoint).
///
/// Before:
/// ```
/// func @predict(%input: tensor<Nx4xf32>) -> (tensor<Nx4xf32>) {
///   %a = relu(%input) : tensor<Nx4xf32>
///   %b = sigmoid(%a) : tensor<Nx4xf32>
///   %c = tanh(%input) : tensor<Nx4xf32>
///   return %a
/// }
/// ```
/// After:
/// ```
/// func @predict(%input: tensor<Nx4xf32>) -> (tensor<Nx4xf32>) {
///   %a = relu(%input) : tensor<Nx4xf32>
///   return %a
/// }
/// ```
public struct EliminateDeadOps: Pass {
  public let name = "eliminate-dead-ops"
  public let summary = "remove ops whose results are unused and that have no side effects"

  public init() {}

  public func run(on module: inout Module) {
    for i in module.functions.indices {
      module.functions[i].body = Self.liveOps(of: module.functions[i])
    }
  }

  /// The body without dead ops, in the original order.
  static func liveOps(of f: Function) -> [Operation] {
    var live = Set(f.returns)
    var kept: [Operation] = []
    for op in f.body.reversed() {
      let pure = OpRegistry.schema(op.opcode)?.isPure ?? false
      guard !pure || op.results.contains(where: { live.contains($0.name) }) else { continue }
      kept.append(op)
      for case .value(let n) in op.operands { live.insert(n) }
    }
    return kept.reversed()
  }
}
