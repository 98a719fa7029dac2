import DLCExpression
import DLCIR
import DLCKernels
import Testing
@testable import DLCPasses

/// The interpreter's expression kernel: the same numbers as the built-in formula it spells
/// out, bit for bit where the formula's operations are the same, and every function of
/// the grammar evaluated as `ExpressionMath`/`VectorMath` do it.
@Suite struct ExpressionBindingTests {
  /// Inputs across the ranges the formulas care about: saturation, kinks, tiny values,
  /// more than one block, and a count that does not fill the last block.
  static let inputs: [Float] = (0..<1_000).map { i in
    let t = Float(i) / 999
    return (t - 0.5) * 24 + (i % 7 == 0 ? 0 : Float(i % 13) * 1e-3)
  } + [0, -0, 1, -1, 20, 20.5, -87.5, 88.5, 1e-7, -1e-7]

  /// The forward and backward of expression `text` over `inputs` with dy = 1.5.
  func run(_ text: String) throws -> (y: [Float], dx: [Float]) {
    let e = try ExpressionParser.parse(text)
    let (forward, derivative) = (ExpressionTape(e), ExpressionTape(e.derivative()))
    let x = Self.inputs
    var y = [Float](repeating: .nan, count: x.count)
    var dx = y
    let dy = [Float](repeating: 1.5, count: x.count)
    ExpressionKernel.forward(forward, x: x, y: &y, count: x.count)
    ExpressionKernel.backward(derivative, dy: dy, x: x, dx: &dx, count: x.count)
    return (y, dx)
  }

  /// The built-in formula `F` over the same inputs (derivative from x or y as its row says).
  func builtin<F: PointwiseFormula>(_: F.Type, fromOutput: Bool) -> (y: [Float], dx: [Float]) {
    let p = PointwiseParameters()
    let y = Self.inputs.map { F.forward($0, p) }
    let dx = zip(Self.inputs, y).map { x, y in F.derivative(dy: 1.5, fromOutput ? y : x, p) }
    return (y, dx)
  }

  /// The inputs where `a` and `b` differ in their bits.
  func differing(_ a: [Float], _ b: [Float], ulps: UInt32 = 0) -> [Float] {
    Self.inputs.indices.filter { i in
      let (p, q) = (a[i].bitPattern, b[i].bitPattern)
      return (p > q ? p - q : q - p) > ulps
    }.map { Self.inputs[$0] }
  }

  @Test func tanhAndSigmoidAreBitIdenticalToTheBuiltIns() throws {
    let (y, dx) = try run("tanh(x)")
    let t = builtin(Tanh.self, fromOutput: true)
    #expect(differing(y, t.y).isEmpty)
    // 1 − tanh(x)² from x is the built-in's 1 − y² from y, operation for operation.
    #expect(differing(dx, t.dx).isEmpty)
    let (sy, sdx) = try run("sigmoid(x)")
    let s = builtin(Sigmoid.self, fromOutput: true)
    #expect(differing(sy, s.y).isEmpty)
    // The built-in multiplies (dy·y)·(1 − y), the expression dy·(y·(1 − y)): within two roundings.
    #expect(differing(sdx, s.dx, ulps: 2).isEmpty)
  }

  /// sigmoid(x) and tanh(x) written as expressions have derivatives in y, read from the
  /// forward output as the built-in rows read it: tanh's bit for bit.
  @Test func derivativesInTheOutputReadY() throws {
    for (text, formula, ulps) in [("tanh(x)", PointwiseKernels.named("tanh")!, UInt32(0)), ("sigmoid(x)", PointwiseKernels.named("sigmoid")!, 2)] {
      let e = try ExpressionParser.parse(text)
      let d = try #require(e.derivativeFromOutput())
      let x = Self.inputs
      var y = [Float](repeating: 0, count: x.count)
      ExpressionKernel.forward(ExpressionTape(e), x: x, y: &y, count: x.count)
      let dy = [Float](repeating: 1.5, count: x.count)
      var dx = y
      var reference = y
      ExpressionKernel.backward(ExpressionTape(d), dy: dy, x: y, dx: &dx, count: x.count)
      formula.backward(dy, y, &reference, x.count, PointwiseParameters(), true)
      #expect(differing(dx, reference, ulps: ulps).isEmpty, "\(text)")
    }
  }

  /// silu written two ways: `x/(1+exp(-x))` is the built-in's forward operation for
  /// operation; `x*sigmoid(x)` multiplies by the reciprocal instead (rounding apart), and
  /// its symbolic derivative σ + x·σ(1 − σ) is the built-in's σ(1 + x(1 − σ)) regrouped.
  @Test func siluSpelledAsExpressions() throws {
    let silu = builtin(SiLU.self, fromOutput: false)
    #expect(differing(try run("x/(1+exp(-x))").y, silu.y).isEmpty)
    let (y, dx) = try run("x*sigmoid(x)")
    for i in Self.inputs.indices {
      #expect(Swift.abs(y[i] - silu.y[i]) <= 1e-6 * Swift.max(1, Swift.abs(silu.y[i])), "silu at \(Self.inputs[i])")
      #expect(Swift.abs(dx[i] - silu.dx[i]) <= 1e-6 * Swift.max(1, Swift.abs(silu.dx[i])), "silu′ at \(Self.inputs[i])")
    }
  }

  @Test func formsOfBuiltInsAgreeToRounding() throws {
    let relu = try run("max(x, 0)")
    #expect(relu.y == Self.inputs.map { ReLU.forward($0, PointwiseParameters()) })
    let leaky = try run("where(x > 0, x, 0.01*x)")
    let p = PointwiseParameters(0.01)
    #expect(leaky.y == Self.inputs.map { LeakyReLU.forward($0, p) })
    #expect(leaky.dx == Self.inputs.map { LeakyReLU.derivative(dy: 1.5, $0, p) })
    let gelu = try run("0.5*x*(1+tanh(0.7978845608*(x+0.044715*x^3)))")
    let g = Self.inputs.map { GELU.forward($0, PointwiseParameters(1)) }
    let gd = Self.inputs.map { GELU.derivative(dy: 1.5, $0, PointwiseParameters(1)) }
    for i in Self.inputs.indices {
      #expect(Swift.abs(gelu.y[i] - g[i]) <= 1e-5 * Swift.max(1, Swift.abs(g[i])), "gelu at \(Self.inputs[i])")
      #expect(Swift.abs(gelu.dx[i] - gd[i]) <= 1e-5 * Swift.max(1, Swift.abs(gd[i])), "gelu′ at \(Self.inputs[i])")
    }
  }

  /// Every instruction of the tape computes what the emitted formula's `let` computes.
  @Test func everyFunctionAsTheEmittedCodeCallsIt() throws {
    let cases: [(String, (Float) -> Float)] = [
      ("exp(x)", VectorMath.exp), ("log(x)", ExpressionMath.log), ("log1p(x)", ExpressionMath.log1p),
      ("sqrt(x)", { $0.squareRoot() }), ("abs(x)", { Swift.abs($0) }), ("softplus(x)", ExpressionMath.softplus),
      ("erf(x)", VectorMath.erf), ("sin(x)", ExpressionMath.sin), ("cos(x)", ExpressionMath.cos),
      ("x^2.5", { ExpressionMath.pow($0, 2.5) }), ("-x", { -$0 }), ("x/3 - 1", { $0 / 3 - 1 }),
      ("min(x, 1)", { $0 <= 1 ? $0 : 1 }), ("where(x != 0, 1/x, 0)", { $0 != 0 ? 1 / $0 : 0 }),
    ]
    for (text, f) in cases {
      let (y, _) = try run(text)
      #expect(y.map(\.bitPattern) == Self.inputs.map { f($0).bitPattern }, "\(text)")
    }
  }

  @Test func bindingsNameOneFormulaTypePerFormula() throws {
    let a = try ExpressionParser.parse("0.5*x*(tanh(x)+1)")
    let b = try ExpressionParser.parse("0.5 * x * (tanh(x) + 1)")
    let c = try ExpressionParser.parse("0.5*x*(tanh(x+1)+1)")
    #expect(ExpressionFormulas.typeName(a, a.derivative()) == ExpressionFormulas.typeName(b, b.derivative()))
    #expect(ExpressionFormulas.typeName(a, a.derivative()) != ExpressionFormulas.typeName(c, c.derivative()))
    #expect(ExpressionFormulas.typeName(a, a.derivative()).hasPrefix("Expression_"))
  }
}
