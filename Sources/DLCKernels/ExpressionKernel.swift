import Foundation

/// The functions an expression activation calls besides + − × ÷, each in one place so
/// that the interpreter (`ExpressionKernel`) and an emitted trainer (whose generated
/// formula calls these by name) compute them alike. exp, log, log1p, tanh and erf are
/// VectorMath's (they vectorize); sin, cos and pow are the C library's (one call per
/// element, the same library in both); sqrt and abs are exact.
public enum ExpressionMath {
  @inlinable @inline(__always) public static func log(_ x: Float) -> Float { VectorMath.log(x) }
  @inlinable @inline(__always) public static func log1p(_ x: Float) -> Float { VectorMath.log1p(x) }
  @inlinable @inline(__always) public static func sin(_ x: Float) -> Float { Foundation.sin(x) }
  @inlinable @inline(__always) public static func cos(_ x: Float) -> Float { Foundation.cos(x) }
  @inlinable @inline(__always) public static func pow(_ x: Float, _ n: Float) -> Float { Foundation.pow(x, n) }
  /// 1 / (1 + e^(−x)), as `Sigmoid.forward`.
  @inlinable @inline(__always) public static func sigmoid(_ x: Float) -> Float { 1 / (1 + VectorMath.exp(-x)) }
  /// x above 20, else log(1 + eˣ) (PyTorch's `softplus` with beta 1, threshold 20).
  @inlinable @inline(__always) public static func softplus(_ x: Float) -> Float {
    x > 20 ? x : log1p(VectorMath.exp(x))
  }
}

/// An expression compiled for the interpreter: one instruction per DAG node, each
/// reading earlier instructions' results. `ExpressionKernel` runs it over blocks of
/// elements, one instruction at a time over the whole block (a loop per instruction,
/// no per-element dispatch), so every element sees exactly the Float operations of the
/// emitted formula, in the same order.
public struct ExpressionTape: Sendable {
  /// What an instruction computes (the expression's node kinds).
  public enum Code: UInt8, Sendable {
    case constant, input, negate, add, subtract, multiply, divide, power
    case exp, log, log1p, sqrt, abs, tanh, sigmoid, softplus, erf, sin, cos
    case min, max, select, less, lessEqual, greater, greaterEqual, equal, notEqual
  }

  /// One instruction: `code` of the results of instructions `a`, `b`, `c` (as many as it
  /// takes), with `value` the constant or the exponent.
  public struct Instruction: Sendable {
    public var code: Code
    public var a: Int, b: Int, c: Int
    public var value: Float

    public init(_ code: Code, _ args: [Int] = [], value: Float = 0) {
      self.code = code
      a = args.count > 0 ? args[0] : 0
      b = args.count > 1 ? args[1] : 0
      c = args.count > 2 ? args[2] : 0
      self.value = value
    }
  }

  public var instructions: [Instruction]
  /// The instruction whose result is the expression's.
  public var result: Int

  public init(_ instructions: [Instruction], result: Int) {
    precondition(instructions.indices.contains(result), "an expression tape's result must be one of its instructions")
    self.instructions = instructions
    self.result = result
  }

  /// Runs every instruction over `n` elements of `x` into `registers` (one row of
  /// `stride` floats per instruction); comparisons give 1 or 0.
  func run(_ x: UnsafePointer<Float>, _ n: Int, _ registers: UnsafeMutablePointer<Float>, stride: Int) {
    for (k, ins) in instructions.enumerated() {
      let out = registers + k * stride
      let (p, q, r) = (UnsafePointer(registers + ins.a * stride), UnsafePointer(registers + ins.b * stride), UnsafePointer(registers + ins.c * stride))
      let v = ins.value
      switch ins.code {
      case .constant: for j in 0..<n { out[j] = v }
      case .input: for j in 0..<n { out[j] = x[j] }
      case .negate: for j in 0..<n { out[j] = -p[j] }
      case .add: for j in 0..<n { out[j] = p[j] + q[j] }
      case .subtract: for j in 0..<n { out[j] = p[j] - q[j] }
      case .multiply: for j in 0..<n { out[j] = p[j] * q[j] }
      case .divide: for j in 0..<n { out[j] = p[j] / q[j] }
      case .power: for j in 0..<n { out[j] = ExpressionMath.pow(p[j], v) }
      case .exp: for j in 0..<n { out[j] = VectorMath.exp(p[j]) }
      case .log: for j in 0..<n { out[j] = ExpressionMath.log(p[j]) }
      case .log1p: for j in 0..<n { out[j] = ExpressionMath.log1p(p[j]) }
      case .sqrt: for j in 0..<n { out[j] = p[j].squareRoot() }
      case .abs: for j in 0..<n { out[j] = Swift.abs(p[j]) }
      case .tanh: for j in 0..<n { out[j] = VectorMath.tanh(p[j]) }
      case .sigmoid: for j in 0..<n { out[j] = ExpressionMath.sigmoid(p[j]) }
      case .softplus: for j in 0..<n { out[j] = ExpressionMath.softplus(p[j]) }
      case .erf: for j in 0..<n { out[j] = VectorMath.erf(p[j]) }
      case .sin: for j in 0..<n { out[j] = ExpressionMath.sin(p[j]) }
      case .cos: for j in 0..<n { out[j] = ExpressionMath.cos(p[j]) }
      case .min: for j in 0..<n { out[j] = p[j] <= q[j] ? p[j] : q[j] }
      case .max: for j in 0..<n { out[j] = p[j] >= q[j] ? p[j] : q[j] }
      case .select: for j in 0..<n { out[j] = p[j] != 0 ? q[j] : r[j] }
      case .less: for j in 0..<n { out[j] = p[j] < q[j] ? 1 : 0 }
      case .lessEqual: for j in 0..<n { out[j] = p[j] <= q[j] ? 1 : 0 }
      case .greater: for j in 0..<n { out[j] = p[j] > q[j] ? 1 : 0 }
      case .greaterEqual: for j in 0..<n { out[j] = p[j] >= q[j] ? 1 : 0 }
      case .equal: for j in 0..<n { out[j] = p[j] == q[j] ? 1 : 0 }
      case .notEqual: for j in 0..<n { out[j] = p[j] != q[j] ? 1 : 0 }
      }
    }
  }
}

/// The interpreter's loops over an expression: y = f(x), and dx = dy · f′(x) with f′ its
/// own tape (the derivative reads x). Blocks of `block` elements; threads as the
/// pointwise kernels of a transcendental formula split.
public enum ExpressionKernel {
  /// Elements per block: a few registers of it stay in the L1 cache.
  public static let block = 256

  /// y = tape(x).
  public static func forward(_ tape: ExpressionTape, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, count: Int) {
    blocks(tape, count) { start, n, registers, stride in
      tape.run(x + start, n, registers, stride: stride)
      let r = registers + tape.result * stride
      for j in 0..<n { y[start + j] = r[j] }
    }
  }

  /// dx = dy · derivative(x).
  public static func backward(
    _ derivative: ExpressionTape, dy: UnsafePointer<Float>, x: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, count: Int
  ) {
    blocks(derivative, count) { start, n, registers, stride in
      derivative.run(x + start, n, registers, stride: stride)
      let r = registers + derivative.result * stride
      for j in 0..<n { dx[start + j] = dy[start + j] * r[j] }
    }
  }

  /// Calls `body(start, n, registers, stride)` for every block of `count` elements.
  private static func blocks(
    _ tape: ExpressionTape, _ count: Int, _ body: (Int, Int, UnsafeMutablePointer<Float>, Int) -> Void
  ) {
    Parallel.forEach(count: count, minimumPerThread: PointwiseKernel.grain(transcendental: true)) { range in
      let registers = UnsafeMutablePointer<Float>.allocate(capacity: tape.instructions.count * block)
      defer { registers.deallocate() }
      var start = range.lowerBound
      while start < range.upperBound {
        let n = min(block, range.upperBound - start)
        body(start, n, registers, block)
        start += n
      }
    }
  }
}
