/// The symbolic derivative of an expression with respect to x, simplified by the
/// builder (constants folded, identities dropped, shared subexpressions made once).
///
/// Forward-mode over the DAG: each node's derivative is built from its arguments' (nil
/// where it is zero, so no `·0` terms appear). It reads x: a formula in general needs its
/// inner values again. Where it reads x only through the whole forward expression
/// (sigmoid, tanh, exp of x), `derivativeFromOutput` writes it in the output y instead, so
/// the backward computes no transcendental function again (as the built-in rows do).
///
/// At kinks a subgradient is chosen, deterministically: abs′(0) = 0; min(a, b) takes a′
/// where a ≤ b and max(a, b) a′ where a ≥ b (the side the forward picks on a tie);
/// `where(c, a, b)`′ = `where(c, a′, b′)`, the chosen branch's derivative; comparisons
/// have derivative 0. softplus is PyTorch's (threshold 20: x above it, derivative 1).
extension Expression {
  /// d(self)/dx as an expression (the constant 0 when it does not depend on x).
  public func derivative() -> Expression {
    let (b, d, _) = derivativeGraph()
    return b.finish(d)
  }

  /// The derivative built in a builder that also holds the forward nodes (the derivative
  /// reuses them): the builder, the derivative's node and the forward result's node.
  private func derivativeGraph() -> (ExpressionBuilder, Int, Int) {
    var b = ExpressionBuilder()
    var forward: [Int] = []
    var d: [Int?] = []
    for node in nodes {
      let args = node.args.map { forward[$0] }
      let y = node.op == .x ? b.x() : node.op == .constant ? b.constant(node.value) : b.make(node.op, args, value: node.value)
      forward.append(y)
      d.append(Self.derivative(node, y, args, node.args.map { d[$0] }, &b))
    }
    let root = d[result] ?? b.constant(0)
    return (b, root, forward[result])
  }

  /// The derivative written in the forward output y instead of x, when it reads x only
  /// through the whole forward expression (sigmoid′ = y·(1 − y), tanh′ = 1 − y², exp′ = y):
  /// then the backward needs no transcendental function again, as the built-in rows that
  /// read y. Nil otherwise (x·sigmoid(x)′ reads x itself).
  public func derivativeFromOutput() -> Expression? {
    let (graph, d, root) = derivativeGraph()
    var b = ExpressionBuilder()
    // Each node rebuilt with the forward result as the input; nil where it reads x.
    var map: [Int?] = []
    for (i, node) in graph.nodes.enumerated() {
      if i == root {
        map.append(b.x())
        continue
      }
      switch node.op {
      case .x: map.append(nil)
      case .constant: map.append(b.constant(node.value))
      default:
        let args = node.args.map { map[$0] }
        map.append(args.contains(where: { $0 == nil }) ? nil : b.make(node.op, args.map { $0! }, value: node.value))
      }
    }
    guard let result = map[d] else { return nil }
    let e = b.finish(result, variable: "y")
    return e.readsX ? e : nil
  }

  /// The derivative of one node `y = op(args)`, from its arguments' derivatives `da`.
  private static func derivative(_ node: ExpressionNode, _ y: Int, _ a: [Int], _ da: [Int?], _ b: inout ExpressionBuilder) -> Int? {
    func mul(_ p: Int, _ q: Int) -> Int { b.make(.multiply, [p, q]) }
    func c(_ v: Float) -> Int { b.constant(v) }
    func zeroIfNil(_ v: Int?) -> Int { v ?? b.constant(0) }
    /// f′(a)·a′ for a one-argument function.
    func chain(_ fPrime: (inout ExpressionBuilder) -> Int) -> Int? {
      guard let d0 = da[0] else { return nil }
      return mul(fPrime(&b), d0)
    }
    switch node.op {
    case .constant: return nil
    case .x: return c(1)
    case .negate: return da[0].map { b.make(.negate, [$0]) }
    case .add:
      switch (da[0], da[1]) {
      case (nil, nil): return nil
      case (let p?, nil): return p
      case (nil, let q?): return q
      case (let p?, let q?): return b.make(.add, [p, q])
      }
    case .subtract:
      switch (da[0], da[1]) {
      case (nil, nil): return nil
      case (let p?, nil): return p
      case (nil, let q?): return b.make(.negate, [q])
      case (let p?, let q?): return b.make(.subtract, [p, q])
      }
    case .multiply:
      // a′·b + a·b′
      let left = da[0].map { mul($0, a[1]) }
      let right = da[1].map { mul(a[0], $0) }
      switch (left, right) {
      case (nil, nil): return nil
      case (let p?, nil): return p
      case (nil, let q?): return q
      case (let p?, let q?): return b.make(.add, [p, q])
      }
    case .divide:
      // (a′ − (a/b)·b′) / b, reusing the quotient y.
      guard let db = da[1] else { return da[0].map { b.make(.divide, [$0, a[1]]) } }
      let numerator = da[0].map { b.make(.subtract, [$0, mul(y, db)]) } ?? b.make(.negate, [mul(y, db)])
      return b.make(.divide, [numerator, a[1]])
    case .power:
      // n·a^(n−1)·a′
      return chain { b in b.make(.multiply, [b.constant(node.value), b.power(a[0], node.value - 1)]) }
    case .exp: return chain { _ in y }
    case .log: return da[0].map { b.make(.divide, [$0, a[0]]) }
    case .log1p: return da[0].map { b.make(.divide, [$0, b.make(.add, [b.constant(1), a[0]])]) }
    case .sqrt: return da[0].map { b.make(.divide, [$0, b.make(.multiply, [b.constant(2), y])]) }
    case .abs:
      // sign(a)·a′ with sign(0) = 0.
      guard let d0 = da[0] else { return nil }
      let zero = b.constant(0)
      let negative = b.make(.select, [b.make(.less, [a[0], zero]), b.make(.negate, [d0]), zero])
      return b.make(.select, [b.make(.greater, [a[0], zero]), d0, negative])
    case .tanh: return chain { b in b.make(.subtract, [b.constant(1), b.make(.multiply, [y, y])]) }
    case .sigmoid: return chain { b in b.make(.multiply, [y, b.make(.subtract, [b.constant(1), y])]) }
    case .softplus:
      guard let d0 = da[0] else { return nil }
      let above = b.make(.greater, [a[0], b.constant(20)])
      return b.make(.select, [above, d0, mul(b.make(.sigmoid, [a[0]]), d0)])
    case .erf:
      // 2/√π · e^(−a²) · a′
      return chain { b in
        let gauss = b.make(.exp, [b.make(.negate, [b.make(.multiply, [a[0], a[0]])])])
        return b.make(.multiply, [b.constant(1.128_379_2), gauss])
      }
    case .sin: return chain { b in b.make(.cos, [a[0]]) }
    case .cos: return chain { b in b.make(.negate, [b.make(.sin, [a[0]])]) }
    case .min, .max:
      guard da[0] != nil || da[1] != nil else { return nil }
      let picksFirst = b.make(node.op == .min ? .lessEqual : .greaterEqual, [a[0], a[1]])
      return b.make(.select, [picksFirst, zeroIfNil(da[0]), zeroIfNil(da[1])])
    case .select:
      guard da[1] != nil || da[2] != nil else { return nil }
      return b.make(.select, [a[0], zeroIfNil(da[1]), zeroIfNil(da[2])])
    case .less, .lessEqual, .greater, .greaterEqual, .equal, .notEqual:
      return nil
    }
  }
}
