/// Reads the IR's text form back into a `Module`. Errors carry line and column;
/// any input, however broken, yields a module or an error, never a crash.

/// A parse error at a 1-based line and column.
public struct IRParseError: Error, Sendable, CustomStringConvertible {
  public var line: Int
  public var column: Int
  public var message: String
  public var description: String { "\(line):\(column): \(message)" }
}

/// Parses a printed module.
public func parseModule(_ text: String) throws(IRParseError) -> Module {
  var p = IRParser(text)
  return try p.module()
}

/// A recursive-descent parser over Unicode scalars.
struct IRParser {
  private let s: [Unicode.Scalar]
  private var i = 0
  private var line = 1
  private var column = 1
  private var depth = 0
  static let maxDepth = 200

  init(_ text: String) { s = Array(text.unicodeScalars) }

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

  private mutating func operation() throws(IRParseError) -> Operation {
    var names: [String] = []
    repeat { names.append(try symbol("%")) } while try comma()
    try expect("=")
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
    try expect(":")
    var types: [TensorType] = []
    repeat { types.append(try tensorType()) } while try comma()
    guard types.count == names.count else { throw fail("\(names.count) results but \(types.count) types") }
    let results = zip(names, types).map { Value(name: $0, type: $1) }
    return Operation(results: results, opcode: opcode, operands: operands, attributes: attrs, location: try location())
  }

  // MARK: Types and attributes

  mutating func tensorType() throws(IRParseError) -> TensorType {
    try keyword("tensor")
    try expect("<")
    let body = try word(extra: "x")
    try expect(">")
    var parts = body.split(separator: "x", omittingEmptySubsequences: false).map(String.init)
    guard let last = parts.popLast(), let element = ElementType(rawValue: last) else { throw fail("bad element type in 'tensor<\(body)>'") }
    var dims: [Dim] = []
    for p in parts {
      if p == "N" { dims.append(.batch) } else if let n = Int(p), n >= 0 { dims.append(.fixed(n)) } else {
        throw fail("bad dimension '\(p)'")
      }
    }
    return TensorType(dims: dims, element: element)
  }

  mutating func dict() throws(IRParseError) -> [String: Attribute] {
    try expect("{")
    depth += 1
    guard depth <= Self.maxDepth else { throw fail("attributes nest too deeply") }
    defer { depth -= 1 }
    var d: [String: Attribute] = [:]
    skipSpace()
    if !peek("}") {
      repeat {
        skipSpace()
        let k = peek("\"") ? try string() : try word()
        try expect("=")
        guard d[k] == nil else { throw fail("duplicate attribute '\(k)'") }
        d[k] = try attribute()
      } while try comma()
    }
    try expect("}")
    return d
  }

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
    let w = try word(extra: "+")
    switch w {
    case "true": return .bool(true)
    case "false": return .bool(false)
    case "nan": return .float(.nan)
    case "inf": return .float(.infinity)
    case "-inf": return .float(-.infinity)
    default: break
    }
    if !w.contains("."), !w.contains("e"), let n = Int(w) { return .int(n) }
    if let f = Double(w) { return .float(f) }
    throw fail("bad value '\(w)'")
  }

  mutating func location() throws(IRParseError) -> IRLocation? {
    skipSpace()
    guard peekWord("loc") else { return nil }
    try keyword("loc")
    try expect("(")
    let file = try string()
    try expect(":")
    guard let l = Int(try word()) else { throw fail("bad line number") }
    try expect(":")
    guard let c = Int(try word()) else { throw fail("bad column number") }
    try expect(")")
    return IRLocation(file: file, line: l, column: c)
  }

  // MARK: Lexing

  private mutating func string() throws(IRParseError) -> String {
    try expect("\"")
    var out = String.UnicodeScalarView()
    while i < s.count, s[i] != "\"" {
      if s[i] == "\\" {
        advance()
        guard i < s.count else { break }
        switch s[i] {
        case "n": out.append("\n")
        case "t": out.append("\t")
        case "r": out.append("\r")
        case "u":
          advance()
          guard i < s.count, s[i] == "{" else { throw fail("bad \\u escape") }
          advance()
          var hex = ""
          while i < s.count, s[i] != "}" { hex.unicodeScalars.append(s[i]); advance() }
          guard let v = UInt32(hex, radix: 16), let u = Unicode.Scalar(v) else { throw fail("bad \\u escape") }
          out.append(u)
        default: out.append(s[i])
        }
      } else {
        out.append(s[i])
      }
      advance()
    }
    guard i < s.count else { throw fail("unterminated string") }
    advance()
    return String(out)
  }

  private mutating func symbol(_ sigil: Unicode.Scalar) throws(IRParseError) -> String {
    skipSpace()
    guard i < s.count, s[i] == sigil else { throw fail("expected '\(sigil)name'") }
    advance()
    let start = i
    while i < s.count, IRFormat.isNameScalar(s[i]) { advance() }
    guard i > start else { throw fail("expected a name after '\(sigil)'") }
    return String(String.UnicodeScalarView(s[start..<i]))
  }

  /// A run of name characters (plus `extra`), e.g. an opcode, a number or `Nx64xf32`.
  private mutating func word(extra: String = "") throws(IRParseError) -> String {
    skipSpace()
    let start = i
    while i < s.count, IRFormat.isNameScalar(s[i]) || extra.unicodeScalars.contains(s[i]) { advance() }
    guard i > start else { throw fail("expected a word") }
    return String(String.UnicodeScalarView(s[start..<i]))
  }

  private mutating func keyword(_ k: String) throws(IRParseError) {
    skipSpace()
    guard peekWord(k) else { throw fail("expected '\(k)'") }
    for _ in k.unicodeScalars { advance() }
  }

  private mutating func expect(_ token: String) throws(IRParseError) {
    skipSpace()
    guard peek(token) else { throw fail("expected '\(token)'") }
    for _ in token.unicodeScalars { advance() }
  }

  /// Consumes a comma if there is one.
  private mutating func comma() throws(IRParseError) -> Bool {
    skipSpace()
    guard peek(",") else { return false }
    advance()
    return true
  }

  private func peek(_ token: String) -> Bool {
    var j = i
    for u in token.unicodeScalars {
      guard j < s.count, s[j] == u else { return false }
      j += 1
    }
    return true
  }

  private mutating func peekWord(_ w: String) -> Bool {
    skipSpace()
    guard peek(w) else { return false }
    let end = i + w.unicodeScalars.count
    return end >= s.count || !IRFormat.isNameScalar(s[end])
  }

  private mutating func skipSpace() {
    while i < s.count {
      if s[i] == " " || s[i] == "\n" || s[i] == "\t" || s[i] == "\r" {
        advance()
      } else if s[i] == "/", i + 1 < s.count, s[i + 1] == "/" {
        while i < s.count, s[i] != "\n" { advance() }
      } else {
        break
      }
    }
  }

  private mutating func advance() {
    if s[i] == "\n" {
      line += 1
      column = 1
    } else {
      column += 1
    }
    i += 1
  }

  private func fail(_ message: String) -> IRParseError { IRParseError(line: line, column: column, message: message) }
}
