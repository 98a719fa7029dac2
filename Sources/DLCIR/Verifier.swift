/// The verifier: structural and type invariants of a module. It runs after every pass
/// and over every golden IR file; a failure names the function and the op.

/// One violated invariant.
public struct VerifierError: Error, Sendable, Hashable, CustomStringConvertible {
  /// The function, or nil for module-level problems.
  public var function: String?
  /// The op, as `opcode %result`, or nil.
  public var op: String?
  public var message: String

  public var description: String {
    var where_ = ""
    if let f = function { where_ += "in @\(f)" }
    if let o = op { where_ += (where_.isEmpty ? "" : ", ") + "at '\(o)'" }
    return where_.isEmpty ? message : "\(where_): \(message)"
  }
}

/// Checks every invariant of `m`; returns all violations (empty when valid).
public func verify(_ m: Module) -> [VerifierError] {
  var errors: [VerifierError] = []
  var paramTypes: [String: TensorType] = [:]
  for p in m.parameters {
    if paramTypes[p.name] != nil { errors.append(VerifierError(message: "parameter @\(p.name) is defined twice")) }
    paramTypes[p.name] = p.type
    if p.type.isBatched { errors.append(VerifierError(message: "parameter @\(p.name) has a batch dimension")) }
  }
  var functionNames = Set<String>()
  for f in m.functions {
    if !functionNames.insert(f.name).inserted { errors.append(VerifierError(message: "function @\(f.name) is defined twice")) }
    errors += verify(f, paramTypes: paramTypes)
  }
  return errors
}

private func verify(_ f: Function, paramTypes: [String: TensorType]) -> [VerifierError] {
  var errors: [VerifierError] = []
  func fail(_ op: Operation?, _ message: String) {
    errors.append(VerifierError(function: f.name, op: op.map { "\($0.opcode) %\($0.results.first?.name ?? "?")" }, message: message))
  }
  var values: [String: TensorType] = [:]
  for a in f.arguments {
    if values[a.name] != nil { fail(nil, "argument %\(a.name) is defined twice") }
    values[a.name] = a.type
  }
  for op in f.body {
    var operandTypes: [TensorType] = []
    var complete = true
    for o in op.operands {
      switch o {
      case .value(let n):
        if let t = values[n] { operandTypes.append(t) } else {
          fail(op, "%\(n) is used before it is defined")
          complete = false
        }
      case .param(let n):
        if let t = paramTypes[n] { operandTypes.append(t) } else {
          fail(op, "@\(n) is not a parameter of the module")
          complete = false
        }
      }
    }
    if let schema = OpRegistry.schema(op.opcode) {
      for (name, spec) in schema.attributes {
        if let a = op.attributes[name] {
          if !spec.kind.accepts(a) { fail(op, "attribute '\(name)' has the wrong kind") }
        } else if spec.required {
          fail(op, "attribute '\(name)' is missing")
        }
      }
      for name in op.attributes.keys where schema.attributes[name] == nil { fail(op, "unknown attribute '\(name)'") }
      if complete {
        do {
          let inferred = try schema.infer(operandTypes, op.attributes)
          if inferred != op.results.map(\.type) {
            fail(op, "result types \(op.results.map(\.type.description)) differ from inferred \(inferred.map(\.description))")
          }
        } catch {
          fail(op, "operands do not fit: \(error.message)")
        }
      }
    } else {
      fail(op, "unknown op '\(op.opcode)'")
    }
    for r in op.results {
      if values[r.name] != nil { fail(op, "%\(r.name) is defined twice") }
      values[r.name] = r.type
    }
  }
  if f.returns.count != f.results.count {
    fail(nil, "returns \(f.returns.count) values but the signature has \(f.results.count)")
  } else {
    for (name, type) in zip(f.returns, f.results) {
      guard let t = values[name] else {
        fail(nil, "returns %\(name), which is not defined")
        continue
      }
      if t != type { fail(nil, "returns %\(name) of type \(t) but the signature says \(type)") }
    }
  }
  return errors
}
