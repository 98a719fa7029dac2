/// The piecewise-linear and rational activations: relu with a shift, softsign,
/// hard-sigmoid, hard-swish, hard-tanh and relu6, as PyTorch's `nn.Softsign`,
/// `nn.Hardsigmoid`, `nn.Hardswish`, `nn.Hardtanh` and `nn.ReLU6` define them (values and
/// the derivative at each kink). Each is one row of DLCIR's pointwise table (see
/// `Activation.swift`).

/// max(x, 0) − shift: the cheatsheet's "ReLU − 0.5", which centres the output of a
/// Kaiming-initialized layer. Parameters: shift. (`relu` without a shift stays `ReLU`.)
public enum ShiftedReLU: PointwiseFormula {
  public static let name = "shifted_relu"
  @inlinable @inline(__always) public static func forward(_ x: Float, _ p: PointwiseParameters) -> Float {
    (x > 0 ? x : 0) - p.number(0)
  }
  /// dy where x > 0, else 0 (as relu; from x, since y = −shift rounds away tiny x > 0).
  @inlinable @inline(__always) public static func derivative(dy: Float, _ x: Float, _ p: PointwiseParameters) -> Float {
    x > 0 ? dy : 0
  }
}

/// x / (1 + |x|) (PyTorch `nn.Softsign`).
public enum Softsign: PointwiseFormula {
  public static let name = "softsign"
  @inlinable @inline(__always) public static func forward(_ x: Float, _ p: PointwiseParameters) -> Float {
    x / (1 + abs(x))
  }
  /// dy / (1 + |x|)², from x (from y it would be (1 − |y|)², which cancels for large |x|).
  @inlinable @inline(__always) public static func derivative(dy: Float, _ x: Float, _ p: PointwiseParameters) -> Float {
    let d = 1 + abs(x)
    return dy / (d * d)
  }
}

/// min(max(x + 3, 0), 6) / 6 (PyTorch `nn.Hardsigmoid`; Keras's older hard_sigmoid used
/// 0.2x + 0.5 instead).
public enum HardSigmoid: PointwiseFormula {
  public static let name = "hard_sigmoid"
  @inlinable @inline(__always) public static func forward(_ x: Float, _ p: PointwiseParameters) -> Float {
    min(max(x + 3, 0), 6) / 6
  }
  /// dy/6 for −3 < x < 3, else 0 (0 at both kinks, as PyTorch).
  @inlinable @inline(__always) public static func derivative(dy: Float, _ x: Float, _ p: PointwiseParameters) -> Float {
    x > -3 && x < 3 ? dy * (1.0 / 6) : 0
  }
}

/// x · min(max(x + 3, 0), 6) / 6 (Howard et al. 2019, "Searching for MobileNetV3"; PyTorch
/// `nn.Hardswish`).
public enum HardSwish: PointwiseFormula {
  public static let name = "hard_swish"
  @inlinable @inline(__always) public static func forward(_ x: Float, _ p: PointwiseParameters) -> Float {
    x * min(max(x + 3, 0), 6) / 6
  }
  /// 0 for x ≤ −3, dy · (x/3 + ½) for −3 < x < 3, dy for x ≥ 3 (PyTorch 2's choice at the
  /// kinks: 0 at −3 and 1 at 3).
  @inlinable @inline(__always) public static func derivative(dy: Float, _ x: Float, _ p: PointwiseParameters) -> Float {
    x <= -3 ? 0 : (x < 3 ? dy * (x / 3 + 0.5) : dy)
  }
}

/// min(max(x, min), max) (PyTorch `nn.Hardtanh(min_val, max_val)`). Parameters: min, max
/// (min < max, checked by the row).
public enum HardTanh: PointwiseFormula {
  public static let name = "hard_tanh"
  @inlinable @inline(__always) public static func forward(_ x: Float, _ p: PointwiseParameters) -> Float {
    min(max(x, p.number(0)), p.number(1))
  }
  /// dy where min < y < max, else 0 (0 at both kinks, as PyTorch). From y: the clamp
  /// returns x itself strictly inside, and a bound exactly where x is at or beyond it.
  @inlinable @inline(__always) public static func derivative(dy: Float, _ y: Float, _ p: PointwiseParameters) -> Float {
    y > p.number(0) && y < p.number(1) ? dy : 0
  }
}

/// min(max(x, 0), 6) (Krizhevsky 2010; PyTorch `nn.ReLU6`, which is hardtanh(0, 6)).
public enum ReLU6: PointwiseFormula {
  public static let name = "relu6"
  @inlinable @inline(__always) public static func forward(_ x: Float, _ p: PointwiseParameters) -> Float {
    min(max(x, 0), 6)
  }
  /// dy where 0 < y < 6, else 0 (0 at both kinks, as PyTorch), from y as hard-tanh.
  @inlinable @inline(__always) public static func derivative(dy: Float, _ y: Float, _ p: PointwiseParameters) -> Float {
    y > 0 && y < 6 ? dy : 0
  }
}
