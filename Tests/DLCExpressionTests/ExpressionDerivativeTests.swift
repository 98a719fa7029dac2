import DLCExpression
import Foundation
import Testing
import _DLCTestSupport

/// Symbolic derivatives: against central finite differences (in Double) for many
/// formulas at points away from kinks, the chosen subgradient at kinks, and the simplified
/// derivative texts against a golden.
@Suite struct ExpressionDerivativeTests {
  static let formulas = [
    "0.5*x*(tanh(x)+1)", "0.5*x*(tanh(x+1)+1)", "x*((2*x+1)/(abs(x+1)+abs(x))*0.5+0.5)",
    "x*sigmoid(x)", "x*sigmoid(1.702*x)", "sigmoid(x)", "tanh(x)", "exp(x)", "exp(-x*x/2)", "log(1+x*x)", "log1p(x*x)",
    "sqrt(x*x+1)", "abs(x)", "softplus(x)", "softplus(3*x)", "erf(x)", "0.5*x*(1+erf(x/sqrt(2)))", "sin(x)", "cos(2*x)",
    "min(x, 1)", "max(x, 0.1*x)", "max(-1, min(x, 1))", "where(x > 0, x, exp(x)-1)", "where(x >= 0, x, 0.01*x)",
    "where(x < 1, x*x, 2*x - 1)", "where(x <= 0, 0, x) + where(x == 3, 1, 0) * x + where(x != 2, x, 0)",
    "x^3 - 2*x^2", "x^-2 + 1", "x^2.5", "(x*x+1)^1.5", "-x^2", "2^3^2*x", "x/(1+abs(x))", "(x-1)/(x+2)",
    "x*tanh(softplus(x))", "log(sigmoid(x))", "0.5*x*(1+tanh(0.7978845608*(x+0.044715*x^3)))",
    "exp(sin(x))*cos(x*x)", "1/(1+exp(-x))*x - x*x*x/6", "pi*x + e",
  ]

  /// The value of node `i` at x, in Double (the kernels' Float versions are tested against
  /// the built-in formulas elsewhere; here only the calculus is checked).
  static func evaluate(_ e: DLCExpression.Expression, _ x: Double) -> Double {
    var v: [Double] = []
    for n in e.nodes {
      let a = n.args.map { v[$0] }
      let r: Double
      switch n.op {
      case .constant: r = Double(n.value)
      case .x: r = x
      case .negate: r = -a[0]
      case .add: r = a[0] + a[1]
      case .subtract: r = a[0] - a[1]
      case .multiply: r = a[0] * a[1]
      case .divide: r = a[0] / a[1]
      case .power: r = pow(a[0], Double(n.value))
      case .exp: r = Foundation.exp(a[0])
      case .log: r = Foundation.log(a[0])
      case .log1p: r = Foundation.log1p(a[0])
      case .sqrt: r = a[0].squareRoot()
      case .abs: r = Swift.abs(a[0])
      case .tanh: r = Foundation.tanh(a[0])
      case .sigmoid: r = 1 / (1 + Foundation.exp(-a[0]))
      case .softplus: r = a[0] > 20 ? a[0] : Foundation.log1p(Foundation.exp(a[0]))
      case .erf: r = Foundation.erf(a[0])
      case .sin: r = Foundation.sin(a[0])
      case .cos: r = Foundation.cos(a[0])
      case .min: r = a[0] <= a[1] ? a[0] : a[1]
      case .max: r = a[0] >= a[1] ? a[0] : a[1]
      case .select: r = a[0] != 0 ? a[1] : a[2]
      case .less: r = a[0] < a[1] ? 1 : 0
      case .lessEqual: r = a[0] <= a[1] ? 1 : 0
      case .greater: r = a[0] > a[1] ? 1 : 0
      case .greaterEqual: r = a[0] >= a[1] ? 1 : 0
      case .equal: r = a[0] == a[1] ? 1 : 0
      case .notEqual: r = a[0] != a[1] ? 1 : 0
      }
      v.append(r)
    }
    return v[e.result]
  }

  /// Points away from every kink of the formulas above (0, ±1, −1, 2, 3) by more than h.
  static let points: [Double] = [-3.7, -2.2, -1.3, -0.7, -0.45, -0.2, 0.15, 0.6, 0.95, 1.1, 1.6, 2.5, 3.3, 4.2]

  @Test(arguments: formulas)
  func matchesFiniteDifferences(_ text: String) throws {
    let f = try ExpressionParser.parse(text)
    let d = f.derivative()
    let h = 1e-5
    var checked = 0
    for x in Self.points {
      let (lo, hi, at) = (Self.evaluate(f, x - h), Self.evaluate(f, x + h), Self.evaluate(f, x))
      guard lo.isFinite, hi.isFinite, at.isFinite else { continue }
      let numeric = (hi - lo) / (2 * h)
      let symbolic = Self.evaluate(d, x)
      #expect(Swift.abs(symbolic - numeric) <= 1e-4 * Swift.max(1, Swift.abs(numeric)), "\(text) at \(x): \(symbolic) vs \(numeric)")
      checked += 1
    }
    #expect(checked >= 6, "\(text): too few points in its domain")
  }

  /// Near a kink (within 1e-3, not across it) the derivative is the one-sided slope; at it,
  /// the documented subgradient.
  @Test func subgradientsAtAndNearKinks() throws {
    func d(_ text: String, _ x: Double) throws -> Double { Self.evaluate(try ExpressionParser.parse(text).derivative(), x) }
    #expect(try d("abs(x)", 0) == 0)
    #expect(try d("abs(x)", 1e-3) == 1 && d("abs(x)", -1e-3) == -1)
    #expect(try d("abs(x+1)", -1) == 0)
    #expect(try d("max(x, 0)", 0) == 1)  // a tie picks the first argument
    #expect(try d("max(0, x)", 0) == 0)
    #expect(try d("min(x, 0)", 0) == 1)
    #expect(try d("max(x, 0)", -1e-3) == 0 && d("max(x, 0)", 1e-3) == 1)
    #expect(try d("where(x > 0, x, 0.1*x)", 0) == Double(Float(0.1)))
    #expect(try d("where(x >= 0, x, 0.1*x)", 0) == 1)
    #expect(try d("where(x > 0, x, 0.1*x)", 1e-3) == 1)
    #expect(try d("x*((2*x+1)/(abs(x+1)+abs(x))*0.5+0.5)", 0) == 1)
    // Comparisons have derivative 0: a step is flat on both sides.
    #expect(try d("where(x > 0, 1, 0) + x", 0) == 1)
    #expect(try d("softplus(x)", 25) == 1)
  }

  /// The simplified derivative of every formula, one per line, against the golden.
  @Test func simplifiedDerivativesMatchTheGolden() throws {
    var lines: [String] = []
    for text in Self.formulas {
      let f = try ExpressionParser.parse(text)
      lines.append("\(text)\n  f  = \(f.text)\n  f' = \(f.derivative().text)")
    }
    if let failure = Golden.check(lines.joined(separator: "\n") + "\n", against: "golden/expressions/derivatives.txt") {
      Issue.record(Comment(rawValue: failure))
    }
  }

  /// Derivatives that read x only through the whole formula are written in its output y;
  /// evaluated at y = f(x) they are the derivative in x.
  @Test func derivativesInTheOutput() throws {
    let cases = ["sigmoid(x)": "y * (1 - y)", "tanh(x)": "1 - y * y", "exp(x)": "y", "exp(2*x)": "y * 2", "sigmoid(tanh(x))": nil,
                 "x*sigmoid(x)": nil, "2*x": nil, "0.5*x*(tanh(x)+1)": nil, "log(x)": nil]
    for (text, expected) in cases {
      let f = try ExpressionParser.parse(text)
      let d = f.derivativeFromOutput()
      #expect(d?.text == expected, "\(text)")
      guard let d else { continue }
      #expect(d.variable == "y")
      let again = try ExpressionParser.parseDerivative(d.text)
      #expect(again.text == d.text && again.variable == "y")
      for x in Self.points {
        let y = Self.evaluate(f, x)
        let (inY, inX) = (Self.evaluate(d, y), Self.evaluate(f.derivative(), x))
        #expect(Swift.abs(inY - inX) <= 1e-12 * Swift.max(1, Swift.abs(inX)), "\(text) at \(x)")
      }
    }
    // A text in x still parses as one in x.
    #expect(try ExpressionParser.parseDerivative("1 - x * x").variable == "x")
  }

  /// No `·1`, `+0`, `·0` or `--` survives in a derivative.
  @Test func derivativesCarryNoIdentities() throws {
    for text in Self.formulas {
      let d = try ExpressionParser.parse(text).derivative()
      for n in d.nodes {
        let c = n.args.map { d.nodes[$0].op == .constant ? d.nodes[$0].value : nil }
        switch n.op {
        case .multiply: #expect(!c.contains(1) && !c.contains(0) && !c.contains(-1), "\(text): \(d.text)")
        case .add: #expect(!c.contains(0), "\(text): \(d.text)")
        case .negate: #expect(d.nodes[n.args[0]].op != .negate, "\(text): \(d.text)")
        default: break
        }
      }
    }
  }
}
