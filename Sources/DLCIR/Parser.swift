/// Reads the IR's text form back into a `Module`.
///
/// In: text as `printModule` writes it (plus `//` comments and any whitespace). Out: a
/// module, or an error with line and column. Any input, however broken, yields one of
/// the two: never a crash, and nesting is bounded so the stack is too.

/// A parse error at a 1-based line and column (columns count Unicode scalars).
public struct IRParseError: Error, Sendable, Equatable, CustomStringConvertible {
  public var line: Int
  public var column: Int
  public var message: String

  public init(line: Int, column: Int, message: String) {
    self.line = line
    self.column = column
    self.message = message
  }

  public var description: String { "\(line):\(column): \(message)" }
}

/// Parses a printed module.
public func parseModule(_ text: String) throws(IRParseError) -> Module {
  var p = IRParser(text)
  return try p.module()
}

/// A recursive-descent parser over Unicode scalars.
struct IRParser {
  let s: [Unicode.Scalar]
  var i = 0
  var line = 1
  var column = 1
  var depth = 0
  /// How deeply attribute lists and dicts may nest.
  static let maxDepth = 64
  /// The most elements a tensor type may have, so element counts never overflow.
  static let maxElements = 1 << 48

  init(_ text: String) { s = Array(text.unicodeScalars) }

  /// `module @name [attributes {…}] { param… func… }`.
  mutating func module() throws(IRParseError) -> Module {
    try keyword("module")
    var m = Module(name: try symbol("@"))
    if peekWord("attributes") {
      try keyword("attributes")
      m.attributes = try dict()
    }
    try expect("{")
    while true {
      skipSpace()
      if peek("}") { break }
      if peekWord("param") {
        try keyword("param")
        let name = try symbol("@")
        try expect(":")
        var p = Parameter(name: name, type: try tensorType())
        skipSpace()
        if peek("{") { p.attributes = try dict() }
        p.location = try location()
        m.parameters.append(p)
      } else if peekWord("func") {
        m.functions.append(try function())
      } else {
        throw fail("expected 'param', 'func' or '}'")
      }
    }
    try expect("}")
    skipSpace()
    guard i == s.count else { throw fail("unexpected text after the module") }
    return m
  }

  /// `func @name(%a: type, …) -> (type, …) { op… return %r, … }`.
  private mutating func function() throws(IRParseError) -> Function {
    try keyword("func")
    let name = try symbol("@")
    try expect("(")
    var args: [Value] = []
    skipSpace()
    if !peek(")") {
      repeat {
        let n = try symbol("%")
        try expect(":")
        args.append(Value(name: n, type: try tensorType()))
      } while try comma()
    }
    try expect(")")
    try expect("->")
    try expect("(")
    var results: [TensorType] = []
    skipSpace()
    if !peek(")") {
      repeat { results.append(try tensorType()) } while try comma()
    }
    try expect(")")
    try expect("{")
    var body: [Operation] = []
    while true {
      skipSpace()
      if peekWord("return") { break }
      body.append(try operation())
    }
    try keyword("return")
    var returns: [String] = []
    skipSpace()
    if peek("%") {
      repeat { returns.append(try symbol("%")) } while try comma()
    }
    try expect("}")
    return Function(name: name, arguments: args, results: results, body: body, returns: returns)
  }

  /// `%r, … = opcode(%a, @p, …) {attrs} : type, … loc(…)`, or without results (an
  /// optimizer update) `opcode(%a, @p, …) {attrs} loc(…)`.
  private mutating func operation() throws(IRParseError) -> Operation {
    var names: [String] = []
    skipSpace()
    if peek("%") || i == s.count || !IRFormat.isNameScalar(s[i]) {
      repeat { names.append(try symbol("%")) } while try comma()
      try expect("=")
    }
    let opcode = try word()
    try expect("(")
    var operands: [Operand] = []
    skipSpace()
    if !peek(")") {
      repeat {
        skipSpace()
        if peek("@") { operands.append(.param(try symbol("@"))) } else { operands.append(.value(try symbol("%"))) }
      } while try comma()
    }
    try expect(")")
    skipSpace()
    var attrs: [String: Attribute] = [:]
    if peek("{") { attrs = try dict() }
    if names.isEmpty {
      skipSpace()
      if peek(":") { throw fail("an op without results has no result types") }
      return Operation(results: [], opcode: opcode, operands: operands, attributes: attrs, location: try location())
    }
    try expect(":")
    let typesAt = mark()
    var types: [TensorType] = []
    repeat { types.append(try tensorType()) } while try comma()
    guard types.count == names.count else { throw fail("\(names.count) results but \(types.count) types", at: typesAt) }
    let results = zip(names, types).map { Value(name: $0, type: $1) }
    return Operation(results: results, opcode: opcode, operands: operands, attributes: attrs, location: try location())
  }

  // MARK: Types and attributes

  /// `tensor<Nx64xf32>`, `tensor<f32>`.
  mutating func tensorType() throws(IRParseError) -> TensorType {
    try keyword("tensor")
    try expect("<")
    let at = mark()
    let body = try word()
    try expect(">")
    var parts = body.split(separator: "x", omittingEmptySubsequences: false).map(String.init)
    guard let last = parts.popLast(), let element = ElementType(rawValue: last) else {
      throw fail("bad element type in 'tensor<\(body)>'", at: at)
    }
    var dims: [Dim] = []
    var count = 1
    for p in parts {
      if p == "N" {
        dims.append(.batch)
      } else if p.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) }), let n = Int(p) {
        let (product, overflow) = count.multipliedReportingOverflow(by: n)
        guard !overflow, product <= Self.maxElements else {
          throw fail("tensor<\(body)> has too many elements", at: at)
        }
        count = product
        dims.append(.fixed(n))
      } else {
        throw fail("bad dimension '\(p)' in 'tensor<\(body)>'", at: at)
      }
    }
    return TensorType(dims: dims, element: element)
  }

  /// `{key = value, …}`; keys are names or quoted strings.
  mutating func dict() throws(IRParseError) -> [String: Attribute] {
    try expect("{")
    depth += 1
    guard depth <= Self.maxDepth else { throw fail("attributes nest too deeply") }
    defer { depth -= 1 }
    var d: [String: Attribute] = [:]
    skipSpace()
    if !peek("}") {
      repeat {
        let at = mark()
        let k = peek("\"") ? try string() : try word()
        try expect("=")
        guard d[k] == nil else { throw fail("duplicate attribute '\(k)'", at: at) }
        d[k] = try attribute()
      } while try comma()
    }
    try expect("}")
    return d
  }

  /// One attribute value: a dict, a list, a string, a boolean or a number.
  mutating func attribute() throws(IRParseError) -> Attribute {
    skipSpace()
    guard i < s.count else { throw fail("expected a value") }
    let c = s[i]
    if c == "{" { return .dict(try dict()) }
    if c == "[" {
      advance()
      depth += 1
      guard depth <= Self.maxDepth else { throw fail("attributes nest too deeply") }
      defer { depth -= 1 }
      var items: [Attribute] = []
      skipSpace()
      if !peek("]") {
        repeat { items.append(try attribute()) } while try comma()
      }
      try expect("]")
      return .list(items)
    }
    if c == "\"" { return .string(try string()) }
    let at = mark()
    let w = try word(extra: "+")
    switch w {
    case "true": return .bool(true)
    case "false": return .bool(false)
    case "nan": return .float(.nan)
    case "inf": return .float(.infinity)
    case "-inf": return .float(-.infinity)
    default: break
    }
    let bad = { (why: String) in IRParseError(line: at.line, column: at.column, message: why) }
    guard let isFloat = Self.numberKind(w) else { throw bad("bad value '\(w)'") }
    if isFloat {
      guard let f = Double(w) else { throw bad("bad number '\(w)'") }
      return .float(f)
    }
    guard let n = Int(w) else { throw bad("integer '\(w)' is out of range") }
    return .int(n)
  }

  /// Whether `w` is a float (true) or an integer (false) literal, or nil if neither:
  /// `-?digits(.digits)?(e[+-]?digits)?`.
  static func numberKind(_ w: String) -> Bool? {
    var u = Substring(w).unicodeScalars[...]
    func digits() -> Bool {
      let n = u.prefix { ("0"..."9").contains($0) }.count
      u = u.dropFirst(n)
      return n > 0
    }
    if u.first == "-" { u = u.dropFirst() }
    guard digits() else { return nil }
    var isFloat = false
    if u.first == "." {
      u = u.dropFirst()
      guard digits() else { return nil }
      isFloat = true
    }
    if u.first == "e" || u.first == "E" {
      u = u.dropFirst()
      if u.first == "+" || u.first == "-" { u = u.dropFirst() }
      guard digits() else { return nil }
      isFloat = true
    }
    return u.isEmpty ? isFloat : nil
  }

  /// An optional `loc("file":line:column)`.
  mutating func location() throws(IRParseError) -> IRLocation? {
    skipSpace()
    guard peekWord("loc") else { return nil }
    try keyword("loc")
    try expect("(")
    let file = try string()
    try expect(":")
    let lineAt = mark()
    guard let l = Int(try word()) else { throw fail("bad line number", at: lineAt) }
    try expect(":")
    let columnAt = mark()
    guard let c = Int(try word()) else { throw fail("bad column number", at: columnAt) }
    try expect(")")
    return IRLocation(file: file, line: l, column: c)
  }
}
