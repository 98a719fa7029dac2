#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What is wrong with an expression, and where: `span` counts Unicode scalars of the
/// expression's text (the spec decoder maps it to a line and column of the file).
public struct ExpressionError: Error, Sendable, Equatable {
  public enum Kind: Sendable, Equatable {
    /// Not an expression here (`found` describes what was found, `expected` what fits).
    case syntax(expected: String, found: String)
    /// A name that is neither `x`, a named constant nor a built-in constant.
    case unknownName(String)
    /// A call of something that is not a function.
    case unknownFunction(String)
    /// A call with the wrong number of arguments.
    case arity(function: String, expected: Int, found: Int)
    /// `a ^ b` with a `b` that depends on x.
    case exponentNotConstant
    /// A comparison outside `where`'s condition, or a `where` whose condition is not one.
    case comparison(String)
    /// A constant part that is infinite or not a number.
    case notFinite(String)
    /// Beyond the limits on length, nesting or derivative size.
    case tooComplex(String)
    /// The expression does not read x.
    case withoutX
  }

  public var kind: Kind
  public var span: Range<Int>

  /// The error in a sentence (for the IR verifier; the spec decoder has typed messages).
  public var summary: String {
    switch kind {
    case .syntax(let expected, let found): return "expected \(expected), found \(found)"
    case .unknownName(let n): return "unknown name '\(n)'"
    case .unknownFunction(let n): return "unknown function '\(n)'"
    case .arity(let f, let e, let n): return "'\(f)' takes \(e) argument\(e == 1 ? "" : "s"), found \(n)"
    case .exponentNotConstant: return "the exponent must be a constant"
    case .comparison(let why), .notFinite(let why), .tooComplex(let why): return why
    case .withoutX: return "the expression does not read 'x'"
    }
  }

  public init(_ kind: Kind, _ span: Range<Int>) {
    self.kind = kind
    self.span = span
  }
}

/// Parses an expression into a simplified DAG.
///
/// Grammar (loosest first; `^` is right-associative and binds tighter than unary minus,
/// so `-x^2` is −(x²) and `2^3^2` is 2⁹; `+ - * /` are left-associative):
/// ```
/// expression := sum [("<" | "<=" | ">" | ">=" | "==" | "!=") sum]   (a comparison only as where's condition)
/// sum        := product (("+" | "-") product)*
/// product    := unary (("*" | "/") unary)*
/// unary      := "-" unary | power
/// power      := primary ["^" unary]                                   (the exponent must be constant)
/// primary    := number | name | name "(" expression ("," expression)* ")" | "(" expression ")"
/// ```
/// Names are `x`, the named constants given, `pi` and `e`; functions are
/// `ExpressionOp.functions`.
public struct ExpressionParser {
  /// Longest expression text, in Unicode scalars.
  public static let maxLength = 4_096
  /// Deepest nesting of parentheses, calls, unary minus and powers.
  public static let maxDepth = 64
  /// Longest chain of operations (`x+x+…+x` is a chain as long as its terms): derivatives
  /// and printing recurse along it, so it is bounded well within any thread's stack.
  public static let maxChain = 200

  /// Parses `text`, with `constants` as named values; unless `requireX` is false, an
  /// expression that does not read x is an error (a derivative may be a constant).
  public static func parse(
    _ text: String, constants: [String: Float] = [:], requireX: Bool = true, variable: String = "x"
  ) throws(ExpressionError) -> Expression {
    var parser = ExpressionParser(text, constants)
    parser.variable = variable
    guard parser.chars.count <= maxLength else {
      throw ExpressionError(.tooComplex("longer than \(maxLength) characters"), 0..<parser.chars.count)
    }
    let item = try parser.parseExpression(depth: 0)
    if let t = try parser.peek() { throw ExpressionError(.syntax(expected: "an operator or the end", found: t.description), t.span) }
    try parser.requireNumber(item, "the expression")
    let expression = parser.builder.finish(item.node, variable: variable)
    guard expression.readsX || !requireX else {
      throw ExpressionError(.withoutX, 0..<parser.chars.count)
    }
    return expression
  }

  /// One token.
  struct Token {
    enum Kind: Equatable { case number(Float), name(String), symbol(String) }
    var kind: Kind
    var span: Range<Int>
    var text: String

    var description: String { "'\(text)'" }
  }

  /// A parsed part: its node, its span, whether it is a comparison, and its value in
  /// Double when it is constant (to find NaN and infinity before the Float folding hides
  /// where they came from).
  struct Item {
    var node: Int
    var span: Range<Int>
    var isComparison = false
    var constant: Double?
  }

  let chars: [Unicode.Scalar]
  let constants: [String: Float]
  var position = 0
  var builder = ExpressionBuilder()
  /// The input's name (`x`; `y` in a derivative written in the forward output).
  var variable = "x"

  init(_ text: String, _ constants: [String: Float]) {
    chars = Array(text.unicodeScalars)
    self.constants = constants
  }

  // MARK: Tokens

  /// The next token, without taking it (a character no token starts with is an error
  /// here already, so that it cannot pass for the end of the text).
  mutating func peek() throws(ExpressionError) -> Token? {
    let saved = position
    defer { position = saved }
    return try next()
  }

  /// Takes the next token (nil at the end).
  mutating func next() throws(ExpressionError) -> Token? {
    while position < chars.count, [" ", "\t", "\n", "\r"].contains(chars[position]) { position += 1 }
    guard position < chars.count else { return nil }
    let start = position
    let c = chars[position]
    func text() -> String { String(String.UnicodeScalarView(chars[start..<position])) }
    if isDigit(c) || (c == "." && position + 1 < chars.count && isDigit(chars[position + 1])) {
      while position < chars.count, isDigit(chars[position]) || chars[position] == "." { position += 1 }
      if position < chars.count, chars[position] == "e" || chars[position] == "E" {
        var p = position + 1
        if p < chars.count, chars[p] == "+" || chars[p] == "-" { p += 1 }
        if p < chars.count, isDigit(chars[p]) {
          position = p
          while position < chars.count, isDigit(chars[position]) { position += 1 }
        }
      }
      let t = text()
      guard let value = Float(t), t.filter({ $0 == "." }).count <= 1 else {
        throw ExpressionError(.syntax(expected: "a number", found: "'\(t)'"), start..<position)
      }
      guard value.isFinite else { throw ExpressionError(.notFinite("'\(t)' is too large for a 32-bit float"), start..<position) }
      return Token(kind: .number(value), span: start..<position, text: t)
    }
    if isLetter(c) {
      while position < chars.count, isLetter(chars[position]) || isDigit(chars[position]) { position += 1 }
      return Token(kind: .name(text()), span: start..<position, text: text())
    }
    position += 1
    if position < chars.count, chars[position] == "=", ["<", ">", "=", "!"].contains(c) { position += 1 }
    let t = text()
    guard ["+", "-", "*", "/", "^", "(", ")", ",", "<", "<=", ">", ">=", "==", "!="].contains(t) else {
      throw ExpressionError(.syntax(expected: "a number, a name, an operator or a parenthesis", found: "'\(t)'"), start..<position)
    }
    return Token(kind: .symbol(t), span: start..<position, text: t)
  }

  private func isDigit(_ c: Unicode.Scalar) -> Bool { ("0"..."9").contains(c) }
  private func isLetter(_ c: Unicode.Scalar) -> Bool { ("a"..."z").contains(c) || ("A"..."Z").contains(c) || c == "_" }

  /// Takes the next token if it is the symbol `s`.
  mutating func take(_ s: String) throws(ExpressionError) -> Token? {
    guard let t = try peek(), t.kind == .symbol(s) else { return nil }
    return try next()
  }

  /// The end of the text as a zero-width span (where a missing part belongs).
  var endSpan: Range<Int> { chars.count..<chars.count }

  // MARK: Grammar

  mutating func parseExpression(depth: Int) throws(ExpressionError) -> Item {
    let lhs = try parseSum(depth: depth)
    guard let t = try peek(), case .symbol(let s) = t.kind, let op = ExpressionOp.comparisons[s] else { return lhs }
    _ = try next()
    let rhs = try parseSum(depth: depth)
    try requireNumber(lhs, "a comparison's left side")
    try requireNumber(rhs, "a comparison's right side")
    if let after = try peek(), case .symbol(let s2) = after.kind, ExpressionOp.comparisons[s2] != nil {
      throw ExpressionError(.comparison("comparisons do not chain"), after.span)
    }
    var item = try combine(op, [lhs, rhs])
    item.isComparison = true
    return item
  }

  mutating func parseSum(depth: Int) throws(ExpressionError) -> Item {
    var lhs = try parseProduct(depth: depth)
    while true {
      let op: ExpressionOp
      if try take("+") != nil { op = .add } else if try take("-") != nil { op = .subtract } else { return lhs }
      let rhs = try parseProduct(depth: depth)
      lhs = try combine(op, [lhs, rhs])
    }
  }

  mutating func parseProduct(depth: Int) throws(ExpressionError) -> Item {
    var lhs = try parseUnary(depth: depth)
    while true {
      let op: ExpressionOp
      if try take("*") != nil { op = .multiply } else if try take("/") != nil { op = .divide } else { return lhs }
      let rhs = try parseUnary(depth: depth)
      lhs = try combine(op, [lhs, rhs])
    }
  }

  mutating func parseUnary(depth: Int) throws(ExpressionError) -> Item {
    if let minus = try take("-") {
      try checkDepth(depth + 1, minus.span)
      let operand = try parseUnary(depth: depth + 1)
      return try combine(.negate, [operand], span: minus.span.lowerBound..<operand.span.upperBound)
    }
    return try parsePower(depth: depth)
  }

  mutating func parsePower(depth: Int) throws(ExpressionError) -> Item {
    let base = try parsePrimary(depth: depth)
    guard let caret = try take("^") else { return base }
    try checkDepth(depth + 1, caret.span)
    let exponent = try parseUnary(depth: depth + 1)
    try requireNumber(base, "a power's base")
    try requireNumber(exponent, "an exponent")
    guard let n = builder.constantValue(exponent.node) else {
      throw ExpressionError(.exponentNotConstant, exponent.span)
    }
    let span = base.span.lowerBound..<exponent.span.upperBound
    let constant = base.constant.map { pow($0, Double(n)) }
    if let c = constant, !Self.fitsFloat(c) {
      throw ExpressionError(.notFinite("this power of a constant is \(c.isNaN ? "not a number" : "infinite")"), span)
    }
    return Item(node: builder.power(base.node, n), span: span, constant: constant)
  }

  mutating func parsePrimary(depth: Int) throws(ExpressionError) -> Item {
    guard let t = try next() else {
      throw ExpressionError(.syntax(expected: "a number, a name or '('", found: "the end of the expression"), endSpan)
    }
    switch t.kind {
    case .number(let v):
      return Item(node: builder.constant(v), span: t.span, constant: Double(v))
    case .symbol("("):
      try checkDepth(depth + 1, t.span)
      var inner = try parseExpression(depth: depth + 1)
      guard let close = try take(")") else { throw missing("')'", opening: t) }
      inner.span = t.span.lowerBound..<close.span.upperBound
      return inner
    case .name(let name):
      if let open = try take("(") {
        try checkDepth(depth + 1, open.span)
        return try parseCall(name, t, open, depth: depth + 1)
      }
      if name == variable { return Item(node: builder.x(), span: t.span) }
      if let v = constants[name] ?? ExpressionOp.namedConstants[name] {
        return Item(node: builder.constant(v), span: t.span, constant: Double(v))
      }
      throw ExpressionError(.unknownName(name), t.span)
    case .symbol:
      throw ExpressionError(.syntax(expected: "a number, a name or '('", found: t.description), t.span)
    }
  }

  /// `name(arguments)` after the `(`.
  mutating func parseCall(_ name: String, _ nameToken: Token, _ open: Token, depth: Int) throws(ExpressionError) -> Item {
    guard let arity = ExpressionOp.functions[name] else { throw ExpressionError(.unknownFunction(name), nameToken.span) }
    var args: [Item] = []
    if try take(")") == nil {
      while true {
        args.append(try parseExpression(depth: depth))
        if try take(",") != nil { continue }
        guard try take(")") != nil else { throw missing("',' or ')'", opening: open) }
        break
      }
    }
    let span = nameToken.span.lowerBound..<position
    guard args.count == arity else {
      throw ExpressionError(.arity(function: name, expected: arity, found: args.count), span)
    }
    if name == "where" {
      guard args[0].isComparison else {
        throw ExpressionError(.comparison("the condition of 'where' must be a comparison such as 'x > 0'"), args[0].span)
      }
      return try combine(.select, args, span: span, checkingFirst: false)
    }
    return try combine(name == "min" ? .min : name == "max" ? .max : ExpressionOp.unary[name]!, args, span: span)
  }

  /// `op` of `args` (numbers unless `checkingFirst` is false for `where`'s condition), its
  /// constant value checked for NaN and infinity.
  mutating func combine(
    _ op: ExpressionOp, _ args: [Item], span given: Range<Int>? = nil, checkingFirst: Bool = true
  ) throws(ExpressionError) -> Item {
    for (i, a) in args.enumerated() where i > 0 || checkingFirst { try requireNumber(a, "an operand") }
    let span = given ?? args.map(\.span.lowerBound).min()!..<args.map(\.span.upperBound).max()!
    let node = builder.make(op, args.map(\.node))
    guard builder.depth(of: node) <= Self.maxChain else {
      throw ExpressionError(.tooComplex("a chain of more than \(Self.maxChain) operations"), span)
    }
    var constant: Double?
    if args.allSatisfy({ $0.constant != nil }) {
      let c = Self.evaluate(op, args.map { $0.constant! })
      guard Self.fitsFloat(c) else {
        throw ExpressionError(.notFinite("this constant part is \(c.isNaN ? "not a number" : "infinite")"), span)
      }
      constant = c
    }
    if let v = builder.constantValue(node), !v.isFinite {
      throw ExpressionError(.notFinite("this constant part is \(v.isNaN ? "not a number" : "infinite") in 32-bit floats"), span)
    }
    return Item(node: node, span: span, constant: constant)
  }

  /// A comparison where a number belongs is an error.
  func requireNumber(_ item: Item, _ role: String) throws(ExpressionError) {
    guard item.isComparison else { return }
    throw ExpressionError(.comparison("\(role) cannot be a comparison; comparisons are 'where' conditions"), item.span)
  }

  func checkDepth(_ depth: Int, _ span: Range<Int>) throws(ExpressionError) {
    guard depth <= Self.maxDepth else {
      throw ExpressionError(.tooComplex("nested more than \(Self.maxDepth) levels deep"), span)
    }
  }

  /// A missing closing token: reported at what was found instead (or the end).
  mutating func missing(_ what: String, opening: Token) -> ExpressionError {
    let found: Token?
    do { found = try peek() } catch { return error }
    if let t = found { return ExpressionError(.syntax(expected: what, found: t.description), t.span) }
    return ExpressionError(.syntax(expected: what + " to close the " + opening.description + " at character \(opening.span.lowerBound + 1)",
                                   found: "the end of the expression"), endSpan)
  }

  /// A derivative's text: in x, or in the forward output y (`derivativeFromOutput`).
  public static func parseDerivative(_ text: String) throws(ExpressionError) -> Expression {
    do {
      return try parse(text, requireX: false)
    } catch let error where error.kind == .unknownName("y") {
      return try parse(text, requireX: false, variable: "y")
    }
  }

  /// Whether a constant's value is a finite 32-bit float.
  static func fitsFloat(_ c: Double) -> Bool { c.isFinite && Swift.abs(c) <= Double(Float.greatestFiniteMagnitude) }

  /// `op` in Double, only to check constants for NaN and infinity.
  static func evaluate(_ op: ExpressionOp, _ a: [Double]) -> Double {
    switch op {
    case .exp: return exp(a[0])
    case .log: return log(a[0])
    case .log1p: return log1p(a[0])
    case .tanh: return tanh(a[0])
    case .sigmoid: return 1 / (1 + exp(-a[0]))
    case .softplus: return a[0] > 20 ? a[0] : log1p(exp(a[0]))
    case .erf: return erf(a[0])
    case .sin: return sin(a[0])
    case .cos: return cos(a[0])
    default:
      let folded = ExpressionBuilder.fold(op, a.map { Float($0) }, 0).map(Double.init)
      return folded ?? .nan
    }
  }
}
