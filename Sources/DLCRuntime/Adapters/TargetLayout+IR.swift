import DLCIR
import DLCTraining

extension TargetLayout {
  /// The layout of the target argument (the second) of `@loss`, which `@train_step`
  /// shares (the verifier checks that): `tensor<Nxi32>` is one class index per sample,
  /// a float tensor its element count per sample. Nil when the module has no `@loss`.
  public init?(lossTargetOf module: Module) {
    guard let loss = module.function(named: "loss"), loss.arguments.count > 1 else { return nil }
    self.init(loss.arguments[1].type)
  }

  /// The layout of a batch of `type` (`tensor<Nx…>`).
  public init(_ type: TensorType) {
    let element = DType(rawValue: type.element.rawValue.uppercased()) ?? .U8
    self.init(element: element, width: type.elementCountPerSample)
  }
}
