/// The IR: a module of parameters and functions of SSA ops over tensors.
///
/// In: built by the type checker (DLCSema) from a checked spec, or parsed from text
/// (`parseModule`). Out: consumed by passes, the interpreter and the code generator,
/// printed by `printModule`, checked by `verify`. Every op's shape rule and FLOP count
/// live in `OpRegistry`. The IR knows nothing of YAML; locations are plain
/// file:line:column values.

/// Where an op or parameter came from, printed `loc("specs/x.yaml":12:7)`.
public struct IRLocation: Sendable, Hashable, CustomStringConvertible {
  public var file: String
  public var line: Int
  public var column: Int

  public init(file: String, line: Int, column: Int) {
    self.file = file
    self.line = line
    self.column = column
  }

  /// `loc("file":line:column)`.
  public var description: String { "loc(\(IRFormat.quote(file)):\(line):\(column))" }
}

/// An op's input: an SSA value `%name` or a module parameter `@name`.
public enum Operand: Sendable, Hashable, CustomStringConvertible {
  case value(String)
  case param(String)

  /// The name without its sigil.
  public var name: String {
    switch self {
    case .value(let n), .param(let n): return n
    }
  }

  /// `%name` or `@name`.
  public var description: String {
    switch self {
    case .value(let n): return "%" + n
    case .param(let n): return "@" + n
    }
  }
}

/// A named, typed SSA value: a function argument or an op result.
public struct Value: Sendable, Hashable {
  public var name: String
  public var type: TensorType

  public init(name: String, type: TensorType) {
    self.name = name
    self.type = type
  }
}

/// One operation: `%r = opcode(%a, @p) {attrs} : type loc(...)`.
public struct Operation: Sendable, Hashable {
  public var results: [Value]
  public var opcode: String
  public var operands: [Operand]
  public var attributes: [String: Attribute]
  public var location: IRLocation?

  public init(
    results: [Value], opcode: String, operands: [Operand], attributes: [String: Attribute] = [:],
    location: IRLocation? = nil
  ) {
    self.results = results
    self.opcode = opcode
    self.operands = operands
    self.attributes = attributes
    self.location = location
  }

  /// `opcode %first_result`, how errors name the op; an op without results (an
  /// optimizer update) is named by the parameter it updates, `opcode @p`.
  public var label: String {
    if let r = results.first { return "\(opcode) %\(r.name)" }
    if case .param(let p)? = operands.first { return "\(opcode) @\(p)" }
    return opcode
  }
}

/// A module-level tensor: a weight, a bias, a running statistic.
///
/// Attributes say how to create and treat it, e.g. `init = {kind = "xavier_uniform",
/// gain = 1.0}`, `role = "weight"`, `trainable = true`.
public struct Parameter: Sendable, Hashable {
  public var name: String
  public var type: TensorType
  public var attributes: [String: Attribute]
  public var location: IRLocation?

  public init(name: String, type: TensorType, attributes: [String: Attribute] = [:], location: IRLocation? = nil) {
    self.name = name
    self.type = type
    self.attributes = attributes
    self.location = location
  }

  /// Whether training updates it (`trainable` absent counts as true).
  public var isTrainable: Bool { attributes["trainable"]?.boolValue ?? true }
}

/// A function: typed arguments, a straight-line body, and the values it returns.
public struct Function: Sendable, Hashable {
  public var name: String
  public var arguments: [Value]
  public var results: [TensorType]
  public var body: [Operation]
  public var returns: [String]

  public init(name: String, arguments: [Value], results: [TensorType], body: [Operation], returns: [String]) {
    self.name = name
    self.arguments = arguments
    self.results = results
    self.body = body
    self.returns = returns
  }

  /// The op that defines SSA value `name`, if an op does (arguments are not ops).
  public func definingOperation(of name: String) -> Operation? {
    body.first { op in op.results.contains { $0.name == name } }
  }
}

/// A whole program: configuration attributes, parameters and functions, all ordered.
public struct Module: Sendable, Hashable {
  public var name: String
  public var attributes: [String: Attribute]
  public var parameters: [Parameter]
  public var functions: [Function]

  public init(name: String, attributes: [String: Attribute] = [:], parameters: [Parameter] = [], functions: [Function] = []) {
    self.name = name
    self.attributes = attributes
    self.parameters = parameters
    self.functions = functions
  }

  /// The parameter called `name`.
  public func parameter(named name: String) -> Parameter? { parameters.first { $0.name == name } }

  /// The function called `name`.
  public func function(named name: String) -> Function? { functions.first { $0.name == name } }

  /// Types of `function`'s arguments and op results, by name (`%v`; parameters `@p` live
  /// in a separate namespace, see `type(of:in:)`).
  public func valueTypes(in function: Function) -> [String: TensorType] {
    var types: [String: TensorType] = [:]
    for a in function.arguments { types[a.name] = a.type }
    for op in function.body { for r in op.results { types[r.name] = r.type } }
    return types
  }
}
