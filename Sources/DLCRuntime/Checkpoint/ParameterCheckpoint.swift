import DLCIR

/// Moving parameters between a `ParameterStore` and checkpoints.
extension ParameterStore {
  /// Every parameter as a named float tensor of its IR shape.
  public func tensors() -> [String: TensorData] {
    var out: [String: TensorData] = [:]
    for p in parameters {
      out[p.name] = TensorData(floats: values(p.name), shape: p.type.fixedShape ?? [])
    }
    return out
  }

  /// Loads the parameters `checkpoint` holds; with `requireAll`, a parameter it lacks
  /// is an error (resuming needs the optimizer state too). `only` limits the names.
  public func restore(from checkpoint: Checkpoint, path: String, requireAll: Bool, only: Set<String>? = nil) throws {
    for p in parameters where only?.contains(p.name) ?? true {
      guard let tensor = checkpoint.tensors[p.name] else {
        if requireAll { throw RuntimeError("\(path): the checkpoint has no tensor '\(p.name)'; it was written for another model") }
        continue
      }
      let expected = p.type.fixedShape ?? []
      guard tensor.shape == expected, let floats = tensor.floats() else {
        throw RuntimeError("\(path): tensor '\(p.name)' has shape \(tensor.shape) and type \(tensor.dtype.rawValue), the model needs \(expected) F32")
      }
      try set(p.name, floats)
    }
  }
}

/// Transfer learning: the layers a spec takes from a base model get their weights from
/// the base's checkpoint (`base = {checkpoint, layers}` in the module attributes).
enum BaseModel {
  static func load(into parameters: ParameterStore, module: Module) throws {
    guard let base = module.attributes["base"], let path = base["checkpoint"]?.stringValue else { return }
    let layers = Set(base["layers"]?.listValue?.compactMap(\.stringValue) ?? [])
    let names = Set(parameters.parameters.filter { p in
      layers.contains(p.attributes["layer"]?.stringValue ?? "") && p.attributes["state"]?.stringValue != "optimizer"
    }.map(\.name))
    let checkpoint: Checkpoint
    do { checkpoint = try Checkpoint(contentsOf: path) } catch {
      let base = module.attributes["base"]?["spec"]?.stringValue ?? "the base spec"
      throw RuntimeError("cannot read the base model's checkpoint '\(path)' (\(error.message)); train '\(base)' first")
    }
    for name in names where checkpoint.tensors[name] == nil {
      throw RuntimeError("the base checkpoint '\(path)' has no tensor '\(name)'")
    }
    try parameters.restore(from: checkpoint, path: path, requireAll: false, only: names)
  }
}
