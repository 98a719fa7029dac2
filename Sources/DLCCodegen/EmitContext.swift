import DLCIR

/// What every function of one emitted model shares: the module, Swift names for IR
/// values and parameters, layer names and spec lines for comments, and the constants the
/// class declares (class-weight lists).
final class EmitContext {
  let module: Module
  /// The spec's batch size: the largest `n` any call takes.
  let batchSize: Int
  /// The module seed's spec path (`specs/x.yaml`), for comments.
  let specPath: String
  private let specLines: [Substring]
  private var valueNames: [String: String] = [:]
  private var taken: Set<String>
  let parameterNames: [String: String]
  let parameterTypes: [String: TensorType]
  /// The layer each forward location belongs to: the first result of the first
  /// `@predict` op there.
  private var layers: [IRLocation: String] = [:]
  /// Float arrays the class declares (`private let name: [Float] = […]`).
  private(set) var constants: [(name: String, values: [Float])] = []
  /// The deployment passes of a deployed model (`fold-batchnorm,quantize`), "" for a trainer.
  let deployedPasses: String
  /// int8 weights the class packs once (`Quantized.PreparedWeights`), by parameter.
  private(set) var preparedWeights: [(name: String, parameter: String, rows: Int, columns: Int)] = []
  /// Activation quantization parameters the class reads from the checkpoint's IR: the
  /// op's result, its opcode, and the attributes of the scale and the zero point.
  private(set) var activationRanges: [(name: String, result: String, opcode: String, scale: String, zeroPoint: String)] = []

  /// Names of the emitted code that IR values must not take.
  static let reserved: Set<String> = [
    "n", "lr", "step", "arena", "p", "ir", "i", "b", "blocks", "range", "mask", "seed", "weights", "w", "loss",
    "Scalar", "Parallel", "RandomStream", "Float", "Int", "Int32", "Int64", "UInt64",
  ]

  init(module: Module, batchSize: Int, specText: String?, deployedPasses: String = "") {
    self.module = module
    self.deployedPasses = deployedPasses
    self.batchSize = batchSize
    specPath = module.attributes["spec"]?.stringValue ?? module.name
    specLines = specText.map { $0.split(separator: "\n", omittingEmptySubsequences: false) } ?? []
    taken = SwiftName.keywords.union(Self.reserved)
    var params: [String: String] = [:], used: Set<String> = SwiftName.keywords
    var types: [String: TensorType] = [:]
    for p in module.parameters {
      params[p.name] = Self.unique(SwiftName.identifier(p.name), in: &used)
      types[p.name] = p.type
    }
    parameterNames = params
    parameterTypes = types
    if let predict = module.function(named: "predict") {
      for op in predict.body {
        if let loc = op.location, layers[loc] == nil, let r = op.results.first { layers[loc] = r.name }
      }
    }
    // The train step's names first, so they are the plain ones.
    for name in ["train_step", "predict", "loss"] {
      guard let f = module.function(named: name) else { continue }
      for a in f.arguments { declareName(a.name) }
      for op in f.body { for r in op.results { declareName(r.name) } }
    }
  }

  private func declareName(_ irName: String) {
    guard valueNames[irName] == nil else { return }
    // The loss stays `loss` and the step's arguments keep their Swift names.
    if ["loss", "lr", "step"].contains(irName) {
      valueNames[irName] = irName
      return
    }
    valueNames[irName] = Self.unique(SwiftName.identifier(irName), in: &taken)
  }

  private static func unique(_ base: String, in used: inout Set<String>) -> String {
    var name = base, k = 2
    while used.contains(name) {
      name = "\(base)_\(k)"
      k += 1
    }
    used.insert(name)
    return name
  }

  /// The Swift name of IR value `name`.
  func name(_ irName: String) -> String {
    if let n = valueNames[irName] { return n }
    declareName(irName)
    return valueNames[irName]!
  }

  /// `p.<name>`: the pointer of parameter `name`.
  func parameter(_ irName: String) -> String { "p." + (parameterNames[irName] ?? SwiftName.identifier(irName)) }

  /// The layer an op at `location` belongs to.
  func layer(at location: IRLocation?, fallback: String) -> String {
    location.flatMap { layers[$0] } ?? fallback
  }

  /// `specs/x.yaml:16: - dense: 10` (the line's text when the spec text was given).
  func source(_ location: IRLocation?) -> String {
    guard let loc = location else { return specPath }
    var out = "\(loc.file):\(loc.line)"
    if loc.line >= 1, loc.line <= specLines.count {
      let text = specLines[loc.line - 1].trimmingCharacters(in: " ")
      if !text.isEmpty { out += ": " + text }
    }
    return out
  }

  /// The property holding int8 weight parameter `irName` packed (declared once).
  func prepared(_ irName: String, rows: Int, columns: Int) -> String {
    if let w = preparedWeights.first(where: { $0.parameter == irName }) { return w.name }
    let name = Self.unique((parameterNames[irName] ?? SwiftName.identifier(irName)) + "_packed", in: &taken)
    preparedWeights.append((name, irName, rows, columns))
    return name
  }

  /// The property holding the quantization in attributes `scale`/`zeroPoint` of the op
  /// defining `result` (`input`: its x_… attributes, `output`: its y_…, `range`: its own).
  func activationRange(_ result: String, opcode: String, _ scale: String, _ zeroPoint: String, role: String) -> String {
    if let r = activationRanges.first(where: { $0.result == result && $0.scale == scale }) { return r.name }
    let name = Self.unique(name(result) + "_" + role, in: &taken)
    activationRanges.append((name, result, opcode, scale, zeroPoint))
    return name
  }

  /// The name of a class constant holding `values` (declared once per distinct list).
  func constant(_ base: String, _ values: [Float]) -> String {
    if let c = constants.first(where: { $0.values == values }) { return c.name }
    var used = Set(constants.map(\.name))
    let name = Self.unique(base, in: &used)
    constants.append((name, values))
    return name
  }
}

extension Substring {
  /// The text without leading and trailing `character`s.
  func trimmingCharacters(in character: Character) -> String {
    var s = self[...]
    while s.first == character { s = s.dropFirst() }
    while s.last == character { s = s.dropLast() }
    return String(s)
  }
}
