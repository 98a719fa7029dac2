/// The smooth activations built on eˣ: SELU, CELU, SiLU and swish, mish, ELiSH and
/// HardELiSH, SERLU, softplus and log-sigmoid, as PyTorch's `nn.SELU`, `nn.CELU`,
/// `nn.SiLU`, `nn.Mish`, `nn.Softplus` and `nn.LogSigmoid` define them, and from their
/// papers where PyTorch has no op. Each is one row of DLCIR's pointwise table (see
/// `Activation.swift`); selects rather than branches keep the loops vectorizable.

/// scale · (x where x > 0, else alpha · (eˣ − 1)) with scale = 1.0507009873554804934 and
/// alpha = 1.6732632423543772848 (Klambauer et al. 2017, "Self-Normalizing Neural
/// Networks"; PyTorch `nn.SELU`).
public enum SELU: PointwiseFormula {
  public static let name = "selu"
  @inlinable @inline(__always) public static func forward(_ x: Float, _ p: PointwiseParameters) -> Float {
    // scale · alpha = 1.7580993408473768599.
    x > 0 ? 1.050_700_987_355_480_493_4 * x : 1.758_099_340_847_376_859_9 * (VectorMath.exp(x) - 1)
  }
  /// scale · dy where y > 0, else dy · (y + scale · alpha): for x ≤ 0, y′ = scale·alpha·eˣ.
  @inlinable @inline(__always) public static func derivative(dy: Float, _ y: Float, _ p: PointwiseParameters) -> Float {
    y > 0 ? dy * 1.050_700_987_355_480_493_4 : dy * (y + 1.758_099_340_847_376_859_9)
  }
}

/// x where x > 0, else alpha · (e^(x/alpha) − 1) (Barron 2017, "Continuously
/// Differentiable Exponential Linear Units"; PyTorch `nn.CELU`, which multiplies by
/// 1/alpha). Parameters: alpha (> 0).
public enum CELU: PointwiseFormula {
  public static let name = "celu"
  @inlinable @inline(__always) public static func forward(_ x: Float, _ p: PointwiseParameters) -> Float {
    x > 0 ? x : p.number(0) * (VectorMath.exp(x * (1 / p.number(0))) - 1)
  }
  /// dy where y > 0, else dy · (y/alpha + 1): for x ≤ 0, y′ = e^(x/alpha) = y/alpha + 1.
  @inlinable @inline(__always) public static func derivative(dy: Float, _ y: Float, _ p: PointwiseParameters) -> Float {
    y > 0 ? dy : dy * (y * (1 / p.number(0)) + 1)
  }
}

/// The swish family x·σ(βx) (Ramachandran et al. 2017, "Searching for Activation
/// Functions"), written as PyTorch's `silu` does, x / (1 + e^(−βx)), so that β = 1 gives
/// exactly SiLU's numbers (1·x is x).
public enum SwishFormula {
  /// x / (1 + e^(−βx)).
  @inlinable @inline(__always) public static func forward(_ x: Float, beta: Float) -> Float {
    x / (1 + VectorMath.exp(-(beta * x)))
  }
  /// dy · σ · (1 + βx·(1 − σ)) with σ = σ(βx) (PyTorch's `silu_backward` at β = 1).
  @inlinable @inline(__always) public static func derivative(dy: Float, _ x: Float, beta: Float) -> Float {
    let s = 1 / (1 + VectorMath.exp(-(beta * x)))
    return dy * s * (1 + beta * x * (1 - s))
  }
}

/// x·σ(x) (Elfwing et al. 2017, "Sigmoid-Weighted Linear Units"; PyTorch `nn.SiLU`).
public enum SiLU: PointwiseFormula {
  public static let name = "silu"
  @inlinable @inline(__always) public static func forward(_ x: Float, _ p: PointwiseParameters) -> Float {
    SwishFormula.forward(x, beta: 1)
  }
  @inlinable @inline(__always) public static func derivative(dy: Float, _ x: Float, _ p: PointwiseParameters) -> Float {
    SwishFormula.derivative(dy: dy, x, beta: 1)
  }
}

/// x·σ(beta·x) (Ramachandran et al. 2017). Parameters: beta.
public enum Swish: PointwiseFormula {
  public static let name = "swish"
  @inlinable @inline(__always) public static func forward(_ x: Float, _ p: PointwiseParameters) -> Float {
    SwishFormula.forward(x, beta: p.number(0))
  }
  @inlinable @inline(__always) public static func derivative(dy: Float, _ x: Float, _ p: PointwiseParameters) -> Float {
    SwishFormula.derivative(dy: dy, x, beta: p.number(0))
  }
}

/// x · tanh(softplus(x)) (Misra 2019, "Mish: A Self Regularized Non-Monotonic Activation
/// Function"; PyTorch `nn.Mish`).
///
/// With e = eˣ, tanh(ln(1 + e)) = n / (n + 2) where n = e·(e + 2) — one exp for the value
/// and the derivative, instead of PyTorch's exp, log1p and tanh, and no cancellation for
/// very negative x (where PyTorch's log1p keeps it too). Above x = 20 the ratio is 1 in
/// Float (2/n < 2⁻⁶⁰) and n would overflow near x = 44, so there it is 1.
public enum Mish: PointwiseFormula {
  public static let name = "mish"

  /// tanh(softplus(x)) and σ(x), from one exp.
  @inlinable @inline(__always) static func parts(_ x: Float) -> (t: Float, s: Float) {
    let e = VectorMath.exp(min(x, 20))
    let n = e * (e + 2)
    return (x > 20 ? 1 : n / (n + 2), x > 20 ? 1 : e / (1 + e))
  }

  @inlinable @inline(__always) public static func forward(_ x: Float, _ p: PointwiseParameters) -> Float {
    x * parts(x).t
  }
  /// dy · (t + x·σ(x)·(1 − t²)), t = tanh(softplus(x)) (PyTorch's `mish_backward`).
  @inlinable @inline(__always) public static func derivative(dy: Float, _ x: Float, _ p: PointwiseParameters) -> Float {
    let (t, s) = parts(x)
    return dy * (t + x * s * (1 - t * t))
  }
}

/// x·σ(x) for x ≥ 0, (eˣ − 1)·σ(x) below (Basirat & Roth 2018, "The Quest for the Golden
/// Activation Function", ELiSH). One exp, of −|x| so it never overflows: for x < 0 it is
/// eˣ itself, and σ(x) = 1/(1 + e^−|x|) or e^−|x|/(1 + e^−|x|).
public enum ELiSH: PointwiseFormula {
  public static let name = "elish"
  @inlinable @inline(__always) public static func forward(_ x: Float, _ p: PointwiseParameters) -> Float {
    let e = VectorMath.exp(-abs(x))
    let s = (x >= 0 ? 1 : e) / (1 + e)
    return (x >= 0 ? x : e - 1) * s
  }
  /// dy · (g′·σ + g·σ·(1 − σ)) with g = x (g′ = 1) for x ≥ 0, g = eˣ − 1 (g′ = eˣ) below.
  @inlinable @inline(__always) public static func derivative(dy: Float, _ x: Float, _ p: PointwiseParameters) -> Float {
    let e = VectorMath.exp(-abs(x))
    let s = (x >= 0 ? 1 : e) / (1 + e)
    let (g, slope): (Float, Float) = x >= 0 ? (x, 1) : (e - 1, e)
    return dy * (slope * s + g * s * (1 - s))
  }
}

/// x·h(x) for x ≥ 0, (eˣ − 1)·h(x) below, h(x) = max(0, min(1, (x + 1)/2)) (Basirat & Roth
/// 2018, HardELiSH).
public enum HardELiSH: PointwiseFormula {
  public static let name = "hard_elish"
  @inlinable @inline(__always) public static func forward(_ x: Float, _ p: PointwiseParameters) -> Float {
    let h = min(max((x + 1) * 0.5, 0), 1)
    return (x >= 0 ? x : VectorMath.exp(min(x, 0)) - 1) * h
  }
  /// dy · (g′·h + g·h′), h′ = ½ on [−1, 1] (both ends included, as `torch.clamp`'s
  /// gradient passes at its bounds), 0 outside.
  @inlinable @inline(__always) public static func derivative(dy: Float, _ x: Float, _ p: PointwiseParameters) -> Float {
    let h = min(max((x + 1) * 0.5, 0), 1)
    let dh: Float = x >= -1 && x <= 1 ? 0.5 : 0
    let e = VectorMath.exp(min(x, 0))
    let (g, slope): (Float, Float) = x >= 0 ? (x, 1) : (e - 1, e)
    return dy * (slope * h + g * dh)
  }
}

/// λx for x ≥ 0, λα·x·eˣ below (Zhang & Li 2018, "Effectiveness of Scaled Exponentially-
/// Regularized Linear Units (SERLUs)"; their defaults λ = 1.07862, α = 2.90427 make it
/// self-normalizing). Parameters: lambda, alpha.
public enum SERLU: PointwiseFormula {
  public static let name = "serlu"
  @inlinable @inline(__always) public static func forward(_ x: Float, _ p: PointwiseParameters) -> Float {
    x >= 0 ? p.number(0) * x : p.number(0) * p.number(1) * x * VectorMath.exp(min(x, 0))
  }
  /// dy · λ for x ≥ 0, dy · λα·eˣ·(1 + x) below.
  @inlinable @inline(__always) public static func derivative(dy: Float, _ x: Float, _ p: PointwiseParameters) -> Float {
    x >= 0 ? dy * p.number(0) : dy * (p.number(0) * p.number(1) * VectorMath.exp(min(x, 0)) * (1 + x))
  }
}

/// ln(1 + e^(beta·x)) / beta, and x itself where beta·x > threshold (PyTorch
/// `nn.Softplus(beta, threshold)`, whose order of operations this follows). Parameters:
/// beta, threshold.
public enum Softplus: PointwiseFormula {
  public static let name = "softplus"
  @inlinable @inline(__always) public static func forward(_ x: Float, _ p: PointwiseParameters) -> Float {
    let bx = x * p.number(0)
    return bx > p.number(1) ? x : VectorMath.log1p(VectorMath.exp(bx)) / p.number(0)
  }
  /// dy where beta·x > threshold, else dy · z/(z + 1) with z = e^(beta·x) (PyTorch's
  /// `softplus_backward`).
  @inlinable @inline(__always) public static func derivative(dy: Float, _ x: Float, _ p: PointwiseParameters) -> Float {
    let bx = x * p.number(0)
    let z = VectorMath.exp(bx)
    return bx > p.number(1) ? dy : dy * z / (z + 1)
  }
}

/// ln σ(x) = min(x, 0) − ln(1 + e^−|x|) (PyTorch `nn.LogSigmoid`: the same as
/// −softplus(−x), without overflow for large |x|).
public enum LogSigmoid: PointwiseFormula {
  public static let name = "log_sigmoid"
  @inlinable @inline(__always) public static func forward(_ x: Float, _ p: PointwiseParameters) -> Float {
    min(x, 0) - VectorMath.log1p(VectorMath.exp(-abs(x)))
  }
  /// dy · σ(−x): dy/(1 + z) for x < 0, dy · z/(1 + z) otherwise, z = e^−|x| (PyTorch's
  /// `log_sigmoid_backward`, written with one division).
  @inlinable @inline(__always) public static func derivative(dy: Float, _ x: Float, _ p: PointwiseParameters) -> Float {
    let z = VectorMath.exp(-abs(x))
    return dy * ((x < 0 ? 1 : z) / (1 + z))
  }
}
