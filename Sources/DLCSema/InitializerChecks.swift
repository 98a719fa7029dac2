/// Checks that a parameter's initializer fits the parameter: the shape rules of
/// `orthogonal`, `identity` and `delta_orthogonal`, and `truncated_normal`'s cut-offs.
/// The runtime's `Initializer.shapeProblem` holds the same rules for IR written by hand.
import DLCSpec
import DLCSyntax

extension LayerLowering {
  /// Reports, at the initializer as written (else at the layer), an initializer that
  /// cannot fill the parameter `parameter` of shape `dims`.
  func checkInitializer(_ use: EntryUse, dims: [Int], parameter: String, node: LayerNode) {
    let at = use.nameRange ?? use.range ?? node.spec.kindRange
    let name = use.name
    let shape = "[" + dims.map(String.init).joined(separator: ", ") + "]"
    func shapeError(_ need: String, help: String) {
      diags.emit(Diagnostic(.initializerShape(name, parameter, shape, need), at: at).help(help))
    }
    switch name {
    case "orthogonal" where dims.count < 2:
      shapeError("a matrix or a kernel", help: "use 'orthogonal' for weights; vectors such as biases start at 'zeros'")
    case "identity" where dims.count != 2:
      shapeError("a matrix",
                 help: dims.count == 4 ? "for a convolution kernel use 'delta_orthogonal'" : "use 'identity' for dense weights")
    case "delta_orthogonal" where dims.count != 4:
      shapeError("a convolution kernel [filters, channels, kh, kw]",
                 help: dims.count == 2 ? "use 'orthogonal' for a matrix" : "use 'delta_orthogonal' for conv2d weights")
    case "delta_orthogonal" where dims[0] < dims[1]:
      diags.emit(Diagnostic(.initializerChannels(parameter, filters: dims[0], channels: dims[1]), at: at)
        .help("give the layer at least \(dims[1]) filters, or use 'orthogonal'"))
    case "truncated_normal":
      if let a = use.double("a"), let b = use.double("b"), !(a < b) {
        diags.emit(Diagnostic(.outOfRange("b", number(b), "greater than 'a' (\(number(a)))"), at: use.range(of: "b") ?? at)
          .help("the values are drawn from [a, b]"))
      }
    default: break
    }
  }

  /// A number as the spec would write it: whole numbers without a fraction.
  private func number(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x) }
}
