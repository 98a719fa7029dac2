import DLCExpression
import Testing

/// The grammar: every construct, precedence and associativity, the canonical text, and
/// the errors with their spans.
@Suite struct ExpressionParserTests {
  /// The canonical text of `text`.
  func canonical(_ text: String, _ constants: [String: Float] = [:]) throws -> String {
    try ExpressionParser.parse(text, constants: constants).text
  }

  @Test func constructs() throws {
    #expect(try canonical("0.5*x*(tanh(x)+1)") == "0.5 * x * (tanh(x) + 1)")
    #expect(try canonical("x*sigmoid(b*x)", ["b": 1.5]) == "x * sigmoid(1.5 * x)")
    #expect(try canonical("where(x > 0, x, 0.01*x)") == "where(x > 0, x, 0.01 * x)")
    #expect(try canonical("min(x, 1) + max(x, -1)") == "min(x, 1) + max(x, -1)")
    #expect(try canonical("exp(x) + log(x) + log1p(x) + sqrt(x) + abs(x) + softplus(x) + erf(x) + sin(x) + cos(x)")
      == "exp(x) + log(x) + log1p(x) + sqrt(x) + abs(x) + softplus(x) + erf(x) + sin(x) + cos(x)")
    #expect(try canonical("pi*x + e") == "\(Float.pi) * x + \(Float(2.718_281_828_459_045))")
    #expect(try canonical("x / 2e-3") == "x / 0.002")
    #expect(try canonical(".5*x") == "0.5 * x")
    for op in ["<", "<=", ">", ">=", "==", "!="] {
      #expect(try canonical("where(x \(op) 1, x, 0)") == "where(x \(op) 1, x, 0)")
    }
  }

  @Test func precedenceAndAssociativity() throws {
    // ^ binds tighter than unary minus and is right-associative.
    #expect(try canonical("-x^2") == "-(x * x)")
    #expect(try canonical("x^2^2") == canonical("x^4"))
    #expect(try canonical("2^3^2*x") == "512 * x")
    #expect(try canonical("x^-1") == "1 / x")
    #expect(try canonical("x^0.5") == "sqrt(x)")
    #expect(try canonical("x^2.5") == "x^2.5")
    #expect(try canonical("x^3") == "x * x * x")
    #expect(try canonical("x^4") == "x * x * (x * x)")
    // - and / are left-associative; * before +.
    #expect(try canonical("x - 1 - 2") == "x - 1 - 2")
    #expect(try canonical("x - (1 - 2)") == "x - -1")
    #expect(try canonical("x / 2 / 4") == "x / 2 / 4")
    #expect(try canonical("x / (2 / 4)") == "x / 0.5")
    #expect(try canonical("1 + 2 * x") == "1 + 2 * x")
    #expect(try canonical("(1 + 2) * x") == "3 * x")
    #expect(try canonical("--x") == "x")
    #expect(try canonical("-(-x)") == "x")
  }

  @Test func simplifies() throws {
    #expect(try canonical("x*1 + 0") == "x")
    #expect(try canonical("1*x - 0") == "x")
    #expect(try canonical("0 - x") == "-x")
    #expect(try canonical("x * -1") == "-x")
    #expect(try canonical("x / 1") == "x")
    #expect(try canonical("where(1 > 0, x, 2)") == "x")
    #expect(try canonical("where(x > 0, x, x)") == "x")
    // Functions of constants stay (the kernels' approximations compute them).
    #expect(try canonical("tanh(1) * x") == "tanh(1) * x")
    // Shared subexpressions are one node.
    let e = try ExpressionParser.parse("tanh(x) * tanh(x) + tanh(x)")
    #expect(e.nodes.filter { $0.op == .tanh }.count == 1)
  }

  @Test func textRoundTrips() throws {
    for text in [
      "0.5*x*(tanh(x)+1)", "0.5*x*(tanh(x+1)+1)", "x*((2*x+1)/(abs(x+1)+abs(x))*0.5+0.5)", "x*sigmoid(1.702*x)",
      "where(x >= 0, x, 1.6732632 * (exp(x) - 1)) * 1.050701", "-x^2 + 0.1*x", "x - -2", "(-x)^2.5", "min(x, -0.0)",
    ] {
      let e = try ExpressionParser.parse(text)
      let again = try ExpressionParser.parse(e.text)
      #expect(again.text == e.text, "\(text)")
      #expect(again == e, "\(text)")
      let d = e.derivative()
      let dAgain = try ExpressionParser.parse(d.text, requireX: false)
      #expect(dAgain.text == d.text, "\(text)")
    }
  }

  /// The error of `text` and the characters it points at.
  func failure(_ text: String, _ constants: [String: Float] = [:]) -> (ExpressionError.Kind, String)? {
    do {
      _ = try ExpressionParser.parse(text, constants: constants)
      return nil
    } catch {
      let chars = Array(text.unicodeScalars)
      let span = chars[min(error.span.lowerBound, chars.count)..<min(error.span.upperBound, chars.count)]
      return (error.kind, String(String.UnicodeScalarView(span)))
    }
  }

  @Test func errorsAndSpans() throws {
    #expect(failure("0.5*x*(tnah(x)+1)")! == (.unknownFunction("tnah"), "tnah"))
    #expect(failure("x*y")! == (.unknownName("y"), "y"))
    #expect(failure("max(x)")! == (.arity(function: "max", expected: 2, found: 1), "max(x)"))
    #expect(failure("2^x")! == (.exponentNotConstant, "x"))
    #expect(failure("x > 0")! == (.comparison("the expression cannot be a comparison; comparisons are 'where' conditions"), "x > 0"))
    #expect(failure("where(x, 1, x)")!.1 == "x")
    #expect(failure("x < 1 < 2")!.1 == "<")
    #expect(failure("2 + 3")! == (.withoutX, "2 + 3"))
    #expect(failure("x + 0/0")!.1 == "0/0")
    #expect(failure("x + log(-1)")!.1 == "log(-1)")
    #expect(failure("x + 1e39")!.1 == "1e39")
    #expect(failure("x + 1e30*1e30")! == (.notFinite("this constant part is infinite"), "1e30*1e30"))
    #expect(failure("x + 10^100")!.1 == "10^100")
    #expect(failure("x + # 1")!.1 == "#")
    // A character no token starts with, after a complete operand, is not the end.
    #expect(failure("x*x'*2")!.1 == "'")
    #expect(failure("x $")!.1 == "$")
    #expect(failure("(x + 1")!.1 == "")
    #expect(failure("x + ")!.0 == .syntax(expected: "a number, a name or '('", found: "the end of the expression"))
    #expect(failure("x 2")!.1 == "2")
    #expect(failure("1.2.3*x")!.1 == "1.2.3")
    #expect(failure("sin(x, x)")!.1 == "sin(x, x)")
  }

  @Test func hostileInputsAreErrors() throws {
    let deep = String(repeating: "(", count: 10_000) + "x" + String(repeating: ")", count: 10_000)
    guard case .tooComplex = failure(deep)?.0 else { Issue.record("no limit on nesting"); return }
    let minus = String(repeating: "-", count: 1_000) + "x"
    guard case .tooComplex = failure(minus)?.0 else { Issue.record("no limit on unary minus"); return }
    let long = Array(repeating: "x", count: 3_000).joined(separator: "+")
    guard case .tooComplex = failure(long)?.0 else { Issue.record("no limit on length"); return }
    let calls = String(repeating: "tanh(", count: 100) + "x" + String(repeating: ")", count: 100)
    guard case .tooComplex = failure(calls)?.0 else { Issue.record("no limit on calls"); return }
    // Chains of operators are iterative in the grammar but recursive in derivatives and
    // printing: bounded too.
    let chain = Array(repeating: "x", count: 300).joined(separator: "+")
    guard case .tooComplex("a chain of more than 200 operations") = failure(chain)?.0 else { Issue.record("no limit on chains"); return }
    #expect(try canonical(Array(repeating: "x", count: 150).joined(separator: "*")).count > 0)
    let powers = "x" + String(repeating: "^1", count: 100)
    guard case .tooComplex = failure(powers)?.0 else { Issue.record("no limit on powers"); return }
    // Huge exponents become one pow call, not a loop.
    #expect(try canonical("x^1e30") == "x^1e+30")
    let sixteenth = try ExpressionParser.parse("x^-16")
    #expect(sixteenth.nodes.map(\.op) == [.x, .multiply, .multiply, .multiply, .multiply, .constant, .divide])
  }
}
