import DLCIR

/// Emits the ops of `@train_step`: fresh value names, value types, and the location of
/// the forward op being differentiated, which every emitted op carries.
struct GradientBuilder {
  /// The ops emitted so far, in order.
  private(set) var body: [Operation] = []
  /// The location the next ops get.
  var location: IRLocation?
  private var taken: Set<String> = []
  private var valueTypes: [String: TensorType] = [:]
  private let parameterTypes: [String: TensorType]

  init(parameters: [Parameter]) {
    parameterTypes = Dictionary(parameters.map { ($0.name, $0.type) }, uniquingKeysWith: { first, _ in first })
  }

  /// Claims `name` for a value of `type` that is defined elsewhere (an argument, a
  /// forward op copied as it is).
  mutating func declare(_ name: String, _ type: TensorType) {
    taken.insert(name)
    valueTypes[name] = type
  }

  /// `base` if no value has that name yet, else `base.1`, `base.2`, …; the name is claimed.
  mutating func fresh(_ base: String) -> String {
    var name = base
    var n = 0
    while taken.contains(name) {
      n += 1
      name = "\(base).\(n)"
    }
    taken.insert(name)
    return name
  }

  /// Whether a value already has `name`.
  func isTaken(_ name: String) -> Bool { taken.contains(name) }

  /// The type of a value or parameter that exists.
  func type(of o: Operand) -> TensorType {
    switch o {
    case .value(let n): return valueTypes[n]!
    case .param(let n): return parameterTypes[n]!
    }
  }

  /// Appends `op` as it is; its result names must have been claimed with `fresh` or `declare`.
  mutating func append(_ op: Operation) {
    var op = op
    if op.location == nil { op.location = location }
    for r in op.results { valueTypes[r.name] = r.type }
    body.append(op)
  }

  /// Emits `opcode(operands) {attributes}` with results named after `names` (made
  /// unique) of `types`; returns the result names.
  @discardableResult
  mutating func emit(
    _ opcode: String, _ operands: [Operand], _ attributes: [String: Attribute] = [:],
    names: [String], types: [TensorType]
  ) -> [String] {
    let unique = names.map { fresh($0) }
    let results = zip(unique, types).map { Value(name: $0, type: $1) }
    append(Operation(results: results, opcode: opcode, operands: operands, attributes: attributes, location: location))
    return unique
  }

  /// Emits a one-result op; returns its name.
  mutating func emit(
    _ opcode: String, _ operands: [Operand], _ attributes: [String: Attribute] = [:], name: String, type: TensorType
  ) -> String {
    emit(opcode, operands, attributes, names: [name], types: [type])[0]
  }
}
