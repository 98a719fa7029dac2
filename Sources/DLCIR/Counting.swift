/// Size and cost of a module: parameter counts and FLOPs per sample, by the op schemas'
/// counting convention (see `OpSchema.swift`).

extension Module {
  /// Elements of all parameters.
  public var parameterCount: Int {
    parameters.reduce(0) { saturatingAdd($0, $1.type.elementCountPerSample) }
  }

  /// Elements of the parameters that training updates.
  public var trainableParameterCount: Int {
    parameters.filter(\.isTrainable).reduce(0) { saturatingAdd($0, $1.type.elementCountPerSample) }
  }

  /// Forward FLOPs per sample of the function called `name`; 0 if there is none.
  public func flopsPerSample(function name: String) -> Int {
    function(named: name).map(flopsPerSample(of:)) ?? 0
  }

  /// Forward FLOPs per sample of `function`, the sum of its ops' counts. Ops whose
  /// opcode or operands are unknown count 0 (the verifier reports them).
  public func flopsPerSample(of function: Function) -> Int {
    let values = valueTypes(in: function)
    let params = Dictionary(parameters.map { ($0.name, $0.type) }, uniquingKeysWith: { first, _ in first })
    var total = 0
    for op in function.body {
      guard let schema = OpRegistry.schema(op.opcode) else { continue }
      var operandTypes: [TensorType] = []
      for o in op.operands {
        switch o {
        case .value(let n): if let t = values[n] { operandTypes.append(t) }
        case .param(let n): if let t = params[n] { operandTypes.append(t) }
        }
      }
      guard operandTypes.count == op.operands.count else { continue }
      let flops = schema.flopsPerSample(operands: operandTypes, results: op.results.map(\.type), attributes: op.attributes)
      total = saturatingAdd(total, flops)
    }
    return total
  }
}

extension Module {
  /// Bytes the model's parameters take in their element types (optimizer state, which
  /// only training modules hold, is not part of the model).
  public var modelBytes: Int {
    parameters.filter { $0.attributes["state"]?.stringValue != "optimizer" }
      .reduce(0) { saturatingAdd($0, saturatingMultiply($1.type.elementCountPerSample, $1.type.element.byteSize)) }
  }
}
