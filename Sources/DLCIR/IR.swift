/// The IR: a module of parameters and functions of SSA ops over tensors.
///
/// In: built by the type checker (DLCSema) from a checked spec, or parsed from text.
/// Out: consumed by passes, the interpreter and the code generator. The IR knows
/// nothing of YAML; locations are plain file:line:column values.

/// Element types of tensors.
public enum ElementType: String, Sendable, Hashable, CaseIterable {
  case f32, f16, i32, i64, i8, bool
}

/// One dimension: the symbolic batch size `N`, or a fixed size.
public enum Dim: Sendable, Hashable {
  case batch
  case fixed(Int)
}

/// A tensor type, printed `tensor<Nx64xf32>`; a scalar is `tensor<f32>`.
public struct TensorType: Sendable, Hashable, CustomStringConvertible {
  public var dims: [Dim]
  public var element: ElementType

  public init(dims: [Dim], element: ElementType) {
    self.dims = dims
    self.element = element
  }

  /// Whether the leading dimension is the batch.
  public var isBatched: Bool { dims.first == .batch }

  /// The fixed dims after a leading batch dim; nil if unbatched or any other dim is symbolic.
  public var perSampleShape: [Int]? {
    guard isBatched else { return nil }
    var out: [Int] = []
    for d in dims.dropFirst() {
      guard case .fixed(let n) = d else { return nil }
      out.append(n)
    }
    return out
  }

  /// The fixed dims of an unbatched type (parameters); nil if any dim is the batch.
  public var fixedShape: [Int]? {
    var out: [Int] = []
    for d in dims {
      guard case .fixed(let n) = d else { return nil }
      out.append(n)
    }
    return out
  }

  /// Number of elements with the batch dimension set to `batch`.
  public func elementCount(batch: Int = 1) -> Int {
    dims.reduce(1) { acc, d in
      switch d {
      case .batch: return acc * batch
      case .fixed(let n): return acc * n
      }
    }
  }

  public var description: String {
    let parts = dims.map { d -> String in
      switch d {
      case .batch: return "N"
      case .fixed(let n): return String(n)
      }
    }
    return "tensor<" + (parts + [element.rawValue]).joined(separator: "x") + ">"
  }
}

/// An attribute value; dicts print sorted by key.
public indirect enum Attribute: Sendable, Hashable {
  case int(Int)
  case float(Double)
  case bool(Bool)
  case string(String)
  case list([Attribute])
  case dict([String: Attribute])

  public var intValue: Int? { if case .int(let v) = self { return v } else { return nil } }
  public var floatValue: Double? {
    switch self {
    case .float(let v): return v
    case .int(let v): return Double(v)
    default: return nil
    }
  }
  public var boolValue: Bool? { if case .bool(let v) = self { return v } else { return nil } }
  public var stringValue: String? { if case .string(let v) = self { return v } else { return nil } }
  public var listValue: [Attribute]? { if case .list(let v) = self { return v } else { return nil } }
  public var intList: [Int]? { listValue.flatMap { l in l.allSatisfy { $0.intValue != nil } ? l.map { $0.intValue! } : nil } }
}

/// Where an op came from in the spec.
public struct IRLocation: Sendable, Hashable {
  public var file: String
  public var line: Int
  public var column: Int

  public init(file: String, line: Int, column: Int) {
    self.file = file
    self.line = line
    self.column = column
  }
}

/// An op's input: an SSA value `%name` or a module parameter `@name`.
public enum Operand: Sendable, Hashable {
  case value(String)
  case param(String)

  public var name: String {
    switch self {
    case .value(let n), .param(let n): return n
    }
  }
}

/// A named, typed SSA value.
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

  public init(results: [Value], opcode: String, operands: [Operand], attributes: [String: Attribute] = [:], location: IRLocation? = nil) {
    self.results = results
    self.opcode = opcode
    self.operands = operands
    self.attributes = attributes
    self.location = location
  }
}

/// A module-level tensor: a weight, a bias, a running statistic.
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

/// A function: arguments, a straight-line body, returned values.
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
}

/// A whole program: configuration attributes, parameters and functions.
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

  public func parameter(named name: String) -> Parameter? { parameters.first { $0.name == name } }
  public func function(named name: String) -> Function? { functions.first { $0.name == name } }

  /// All parameter elements.
  public var parameterCount: Int { parameters.reduce(0) { $0 + $1.type.elementCount() } }
  /// Elements of parameters that training updates.
  public var trainableParameterCount: Int { parameters.filter(\.isTrainable).reduce(0) { $0 + $1.type.elementCount() } }

  /// FLOPs per sample of one function, by the op schemas' counts.
  public func flopsPerSample(function name: String) -> Int {
    guard let f = function(named: name) else { return 0 }
    var types: [String: TensorType] = [:]
    for p in parameters { types[p.name] = p.type }
    for a in f.arguments { types[a.name] = a.type }
    var total = 0
    for op in f.body {
      let operandTypes = op.operands.compactMap { types[$0.name] }
      for r in op.results { types[r.name] = r.type }
      total += OpRegistry.schema(op.opcode)?.flops(operandTypes, op.results.map(\.type), op.attributes) ?? 0
    }
    return total
  }
}
