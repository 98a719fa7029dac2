/// The verifier: structural and type invariants of a module.
///
/// In: a module. Out: every violated invariant, as a list (empty when valid). It runs
/// after every pass and over every golden IR file; each error names the function and
/// the op (`opcode %result`).

/// One violated invariant.
public struct VerifierError: Error, Sendable, Hashable, CustomStringConvertible {
  /// The function, or nil for module-level problems.
  public var function: String?
  /// The op, as `opcode %result`, or nil.
  public var op: String?
  public var message: String

  public init(function: String? = nil, op: String? = nil, message: String) {
    self.function = function
    self.op = op
    self.message = message
  }

  /// `in @predict, at 'relu %relu_1': %x is used before it is defined`.
  public var description: String {
    var place = ""
    if let f = function { place += "in @\(f)" }
    if let o = op { place += (place.isEmpty ? "" : ", ") + "at '\(o)'" }
    return place.isEmpty ? message : "\(place): \(message)"
  }
}

/// Checks every invariant of `m`; returns all violations (empty when valid).
public func verify(_ m: Module) -> [VerifierError] {
  var errors: [VerifierError] = []
  if !isIRName(m.name) { errors.append(VerifierError(message: "module name '\(m.name)' is not a valid IR name")) }
  var paramTypes: [String: TensorType] = [:]
  for p in m.parameters {
    if !isIRName(p.name) { errors.append(VerifierError(message: "parameter name '\(p.name)' is not a valid IR name")) }
    if paramTypes[p.name] != nil { errors.append(VerifierError(message: "parameter @\(p.name) is defined twice")) }
    paramTypes[p.name] = p.type
    if p.type.dims.contains(.batch) { errors.append(VerifierError(message: "parameter @\(p.name) has a batch dimension")) }
  }
  var functionNames = Set<String>()
  for f in m.functions {
    if !isIRName(f.name) { errors.append(VerifierError(message: "function name '\(f.name)' is not a valid IR name")) }
    if !functionNames.insert(f.name).inserted { errors.append(VerifierError(message: "function @\(f.name) is defined twice")) }
    if paramTypes[f.name] != nil { errors.append(VerifierError(message: "@\(f.name) names both a parameter and a function")) }
    errors += FunctionVerifier(function: f, paramTypes: paramTypes).run()
  }
  return errors + verifyTargets(m)
}

/// Whether `name` can follow `%` or `@` in the text form: `[A-Za-z0-9_.$-]+`.
public func isIRName(_ name: String) -> Bool {
  !name.isEmpty && name.unicodeScalars.allSatisfy(IRFormat.isNameScalar)
}

/// Checks one function: definitions before uses, op schemas and types, the return.
private struct FunctionVerifier {
  let function: Function
  let paramTypes: [String: TensorType]
  var values: [String: TensorType] = [:]
  /// The random ops by stream, to report a stream used twice.
  var streams: [Int: String] = [:]
  var errors: [VerifierError] = []

  init(function: Function, paramTypes: [String: TensorType]) {
    self.function = function
    self.paramTypes = paramTypes
  }

  /// Runs the checks in order: arguments, each op, the return.
  consuming func run() -> [VerifierError] {
    for a in function.arguments { define(a, by: nil) }
    for op in function.body { check(op) }
    checkReturn()
    return errors
  }

  private mutating func fail(_ op: Operation?, _ message: String) {
    errors.append(VerifierError(function: function.name, op: op.map(Self.label), message: message))
  }

  /// `opcode %result`; an op without results is named by the parameter it updates
  /// (`adam_update @dense_1.weight`), else `opcode %?`.
  static func label(_ op: Operation) -> String {
    if let r = op.results.first { return "\(op.opcode) %\(r.name)" }
    if case .param(let p)? = op.operands.first { return "\(op.opcode) @\(p)" }
    return "\(op.opcode) %?"
  }

  /// Records a value, reporting a second definition or a bad name.
  private mutating func define(_ v: Value, by op: Operation?) {
    if !isIRName(v.name) { fail(op, "value name '\(v.name)' is not a valid IR name") }
    if values[v.name] != nil { fail(op, "%\(v.name) is defined twice") }
    values[v.name] = v.type
  }

  /// Operands defined, attributes per schema, result types as the schema infers them.
  private mutating func check(_ op: Operation) {
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
      complete = checkSignature(op, schema) && complete
      checkStream(op, schema)
      // Inference on broken operands or attributes would only repeat those errors.
      if complete { checkTypes(op, schema, operandTypes) }
    } else {
      if op.results.isEmpty { fail(op, "the op has no results") }
      fail(op, "unknown op '\(op.opcode)'")
    }
    for r in op.results { define(r, by: op) }
  }

  /// Reports the operand count and every attribute problem; returns whether all were fine.
  private mutating func checkSignature(_ op: Operation, _ schema: OpSchema) -> Bool {
    var ok = true
    if let problem = schema.arityProblem(op.operands.count) {
      fail(op, problem)
      ok = false
    }
    for problem in schema.attributeProblems(op.attributes) {
      fail(op, problem)
      ok = false
    }
    let inPlace = schema.updatesOperands ? schema.operandNames(count: op.operands.count) : []
    for (name, operand) in zip(inPlace, op.operands) where name.hasPrefix("@") {
      if case .value(let v) = operand {
        fail(op, "'\(op.opcode)' updates its \(name.dropFirst()) in place, so it must be a parameter @…, found %\(v)")
      }
    }
    return ok
  }

  /// A random op's `stream` is unique among the function's random ops.
  private mutating func checkStream(_ op: Operation, _ schema: OpSchema) {
    guard schema.traits.contains(.random), let stream = op.attributes["stream"]?.intValue else { return }
    if let first = streams[stream] {
      fail(op, "stream \(stream) is already used by '\(first)'")
    } else {
      streams[stream] = Self.label(op)
    }
  }

  /// Re-infers the result types and compares them with the declared ones.
  private mutating func checkTypes(_ op: Operation, _ schema: OpSchema, _ operandTypes: [TensorType]) {
    do {
      let declared = op.results.map(\.type)
      let inferred = try schema.infer(operands: operandTypes, attributes: op.attributes, declared: declared)
      if declared.isEmpty, !inferred.isEmpty {
        fail(op, "the op has no results")
      } else if inferred.isEmpty, !declared.isEmpty {
        fail(op, "'\(op.opcode)' has no results, but \(declared.count) \(declared.count == 1 ? "is" : "are") declared")
      } else if inferred != declared {
        let text = { (ts: [TensorType]) in ts.map(\.description).joined(separator: ", ") }
        fail(op, "declared result type \(text(declared)) differs from the inferred \(text(inferred))")
      }
    } catch {
      fail(op, "operands do not fit: \(error.message)")
    }
  }

  /// The returned values exist and match the signature.
  private mutating func checkReturn() {
    guard function.returns.count == function.results.count else {
      fail(nil, "returns \(function.returns.count) values but the signature has \(function.results.count)")
      return
    }
    for (name, type) in zip(function.returns, function.results) {
      guard let t = values[name] else {
        fail(nil, "returns %\(name), which is not defined")
        continue
      }
      if t != type { fail(nil, "returns %\(name) of type \(t) but the signature says \(type)") }
    }
  }
}
