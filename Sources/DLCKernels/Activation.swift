/// The pointwise activations' formulas, one type per row of DLCIR's pointwise table, as
/// PyTorch's `nn.ReLU`, `nn.LeakyReLU`, `nn.Sigmoid`, `nn.Tanh`, `nn.GELU` and `nn.ELU` define them.
/// Parameters arrive in the row's attribute order (`PointwiseParameters`).
///
/// Adding an activation: a type here (or in `Activation+Exponential.swift`,
/// `Activation+Piecewise.swift`), its entry in `PointwiseFormulas.all`, a row in the table
/// and a catalog entry.

/// Every formula, registered once: the interpreter finds kernels here by opcode, and a
/// test checks that every row of the table has a formula and every formula a row.
public enum PointwiseFormulas {
  public static let all: [PointwiseKernels] = [
    PointwiseKernels(ReLU.self), PointwiseKernels(LeakyReLU.self), PointwiseKernels(Sigmoid.self),
    PointwiseKernels(Tanh.self), PointwiseKernels(GELU.self), PointwiseKernels(ELU.self),
    // Activation+Exponential.swift
    PointwiseKernels(SELU.self), PointwiseKernels(CELU.self), PointwiseKernels(SiLU.self), PointwiseKernels(Swish.self),
    PointwiseKernels(Mish.self), PointwiseKernels(ELiSH.self), PointwiseKernels(HardELiSH.self), PointwiseKernels(SERLU.self),
    PointwiseKernels(Softplus.self), PointwiseKernels(LogSigmoid.self),
    // Activation+Piecewise.swift
    PointwiseKernels(ShiftedReLU.self), PointwiseKernels(Softsign.self), PointwiseKernels(HardSigmoid.self),
    PointwiseKernels(HardSwish.self), PointwiseKernels(HardTanh.self), PointwiseKernels(ReLU6.self),
  ]
}

/// max(x, 0).
public enum ReLU: PointwiseFormula {
  public static let name = "relu"
  @inlinable @inline(__always) public static func forward(_ x: Float, _ p: PointwiseParameters) -> Float { x > 0 ? x : 0 }
  /// dy where x > 0, else 0 (0 at x = 0, as PyTorch).
  @inlinable @inline(__always) public static func derivative(dy: Float, _ x: Float, _ p: PointwiseParameters) -> Float {
    x > 0 ? dy : 0
  }
}

/// x where x > 0, else slope · x. Parameters: slope.
public enum LeakyReLU: PointwiseFormula {
  public static let name = "leaky_relu"
  @inlinable @inline(__always) public static func forward(_ x: Float, _ p: PointwiseParameters) -> Float {
    x > 0 ? x : p.number(0) * x
  }
  /// dy where x > 0, else slope · dy.
  @inlinable @inline(__always) public static func derivative(dy: Float, _ x: Float, _ p: PointwiseParameters) -> Float {
    x > 0 ? dy : p.number(0) * dy
  }
}

/// 1 / (1 + e^(−x)); saturates to exactly 0 or 1 (e^(−x) = +∞ gives 0).
public enum Sigmoid: PointwiseFormula {
  public static let name = "sigmoid"
  @inlinable @inline(__always) public static func forward(_ x: Float, _ p: PointwiseParameters) -> Float {
    1 / (1 + VectorMath.exp(-x))
  }
  /// dy · y · (1 − y), from the forward result y.
  @inlinable @inline(__always) public static func derivative(dy: Float, _ y: Float, _ p: PointwiseParameters) -> Float {
    dy * y * (1 - y)
  }
}

/// tanh(x).
public enum Tanh: PointwiseFormula {
  public static let name = "tanh"
  @inlinable @inline(__always) public static func forward(_ x: Float, _ p: PointwiseParameters) -> Float { VectorMath.tanh(x) }
  /// dy · (1 − y²), from the forward result y.
  @inlinable @inline(__always) public static func derivative(dy: Float, _ y: Float, _ p: PointwiseParameters) -> Float {
    dy * (1 - y * y)
  }
}

/// x · Φ(x) = ½x(1 + erf(x/√2)) (Hendrycks & Gimpel 2016, "Gaussian Error Linear Units");
/// with approximate = "tanh" (choice 1), PyTorch's `nn.GELU(approximate="tanh")`:
/// ½x(1 + tanh(√(2/π)(x + 0.044715x³))). Parameters: approximate.
///
/// The constants are literals (1/√2, 1/√(2π), √(2/π), 0.044715): a static read inside a
/// loop can keep it from vectorizing.
public enum GELU: PointwiseFormula {
  public static let name = "gelu"

  @inlinable @inline(__always) public static func forward(_ x: Float, _ p: PointwiseParameters) -> Float {
    if p.choice(0) == 1 {
      let u = 0.79788456080286536 * (x + 0.044715 * x * x * x)
      return 0.5 * x * (1 + VectorMath.tanh(u))
    }
    return 0.5 * x * (1 + VectorMath.erf(x * 0.70710678118654752))
  }

  /// dy · GELU′(x) = dy · (Φ(x) + x·φ(x)); of the tanh form ½(1 + t) + ½x(1 − t²)·√(2/π)(1 +
  /// 3·0.044715x²) with t = tanh(√(2/π)(x + 0.044715x³)).
  @inlinable @inline(__always) public static func derivative(dy: Float, _ x: Float, _ p: PointwiseParameters) -> Float {
    if p.choice(0) == 1 {
      let t = VectorMath.tanh(0.79788456080286536 * (x + 0.044715 * x * x * x))
      let du = 0.79788456080286536 * (1 + 3 * 0.044715 * x * x)
      return dy * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du)
    }
    let cdf = 0.5 * (1 + VectorMath.erf(x * 0.70710678118654752))
    let pdf = 0.39894228040143268 * VectorMath.exp(-0.5 * x * x)
    return dy * (cdf + x * pdf)
  }

  /// `approximate` is a choice: one loop per form. Computed and inlinable, not a stored
  /// `let`: an emitted trainer specializes the kernels in its own module, where a stored
  /// constant of this module is opaque, the loop keeps a branch per element and does not
  /// vectorize (the emitted transformer's step ran at half speed).
  @inlinable public static var choiceSlot: Int? { 0 }
}

/// x where x > 0, else alpha · (eˣ − 1) (Clevert et al. 2015, "Fast and Accurate Deep
/// Network Learning by Exponential Linear Units"; PyTorch `nn.ELU`). Parameters: alpha.
public enum ELU: PointwiseFormula {
  public static let name = "elu"
  @inlinable @inline(__always) public static func forward(_ x: Float, _ p: PointwiseParameters) -> Float {
    x > 0 ? x : p.number(0) * (VectorMath.exp(x) - 1)
  }
  /// dy where y > 0, else dy · (y + alpha): for x ≤ 0, y′ = alpha·eˣ = y + alpha (as PyTorch's
  /// `elu_backward` from the result).
  @inlinable @inline(__always) public static func derivative(dy: Float, _ y: Float, _ p: PointwiseParameters) -> Float {
    y > 0 ? dy : dy * (y + p.number(0))
  }
}
