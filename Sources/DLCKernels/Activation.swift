import Foundation

/// Pointwise activations and their vector-Jacobian products, as PyTorch's `nn.ReLU`,
/// `nn.LeakyReLU`, `nn.Sigmoid`, `nn.Tanh` and `nn.GELU` define them.
///
/// Every function reads `count` floats and overwrites `count` floats; `y`/`dx` may alias
/// their input. Loops over more than 2 × `grain` elements run on `Parallel.threads` threads.
public enum ActivationKernel {
  /// Elements per thread below which a loop stays on the calling thread.
  static let grain = 32_768

  // MARK: ReLU

  /// y = max(x, 0).
  public static func relu(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, count: Int) {
    Parallel.forEach(count: count, minimumPerThread: grain) { range in
      for i in range { y[i] = x[i] > 0 ? x[i] : 0 }
    }
  }

  /// dx = dy where x > 0, else 0 (0 at x = 0, as PyTorch).
  public static func reluBackward(
    dy: UnsafePointer<Float>, x: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, count: Int
  ) {
    Parallel.forEach(count: count, minimumPerThread: grain) { range in
      for i in range { dx[i] = x[i] > 0 ? dy[i] : 0 }
    }
  }

  // MARK: Leaky ReLU

  /// y = x where x > 0, else slope · x.
  public static func leakyRelu(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, count: Int, slope: Float) {
    Parallel.forEach(count: count, minimumPerThread: grain) { range in
      for i in range { y[i] = x[i] > 0 ? x[i] : slope * x[i] }
    }
  }

  /// dx = dy where x > 0, else slope · dy.
  public static func leakyReluBackward(
    dy: UnsafePointer<Float>, x: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, count: Int, slope: Float
  ) {
    Parallel.forEach(count: count, minimumPerThread: grain) { range in
      for i in range { dx[i] = x[i] > 0 ? dy[i] : slope * dy[i] }
    }
  }

  // MARK: Sigmoid and tanh

  /// y = 1 / (1 + e^(−x)); saturates to exactly 0 or 1 without overflow trouble
  /// (e^(−x) = +∞ gives 0).
  public static func sigmoid(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, count: Int) {
    Parallel.forEach(count: count, minimumPerThread: grain / 8) { range in
      for i in range { y[i] = 1 / (1 + VectorMath.exp(-x[i])) }
    }
  }

  /// dx = dy · y · (1 − y), from the forward result y.
  public static func sigmoidBackward(
    dy: UnsafePointer<Float>, y: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, count: Int
  ) {
    Parallel.forEach(count: count, minimumPerThread: grain) { range in
      for i in range { dx[i] = dy[i] * y[i] * (1 - y[i]) }
    }
  }

  /// y = tanh(x).
  public static func tanh(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, count: Int) {
    Parallel.forEach(count: count, minimumPerThread: grain / 8) { range in
      for i in range { y[i] = VectorMath.tanh(x[i]) }
    }
  }

  /// dx = dy · (1 − y²), from the forward result y.
  public static func tanhBackward(
    dy: UnsafePointer<Float>, y: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, count: Int
  ) {
    Parallel.forEach(count: count, minimumPerThread: grain) { range in
      for i in range { dx[i] = dy[i] * (1 - y[i] * y[i]) }
    }
  }

  // MARK: GELU (Hendrycks & Gimpel 2016, "Gaussian Error Linear Units")

  /// 1/√2, for Φ(x) = ½(1 + erf(x/√2)).
  static let invSqrt2: Float = 0.70710678118654752
  /// 1/√(2π), for φ(x) = e^(−x²/2)/√(2π).
  static let invSqrt2Pi: Float = 0.39894228040143268
  /// √(2/π), the tanh approximation's scale.
  static let sqrt2OverPi: Float = 0.79788456080286536
  /// The cubic coefficient of the tanh approximation.
  static let geluCubic: Float = 0.044715

  /// y = x · Φ(x) = ½x(1 + erf(x/√2)); with `approximate`, PyTorch's
  /// `nn.GELU(approximate="tanh")`: ½x(1 + tanh(√(2/π)(x + 0.044715x³))).
  public static func gelu(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, count: Int, approximate: Bool) {
    // Constants as locals: a static read inside the loop can keep it from vectorizing.
    let (invSqrt2, sqrt2OverPi, geluCubic) = (Self.invSqrt2, Self.sqrt2OverPi, Self.geluCubic)
    Parallel.forEach(count: count, minimumPerThread: grain / 8) { range in
      if approximate {
        for i in range {
          let v = x[i]
          let u = sqrt2OverPi * (v + geluCubic * v * v * v)
          y[i] = 0.5 * v * (1 + VectorMath.tanh(u))
        }
      } else {
        for i in range {
          let v = x[i]
          y[i] = 0.5 * v * (1 + VectorMath.erf(v * invSqrt2))
        }
      }
    }
  }

  /// dx = dy · GELU′(x): exact Φ(x) + x·φ(x); tanh form
  /// ½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²) with t = tanh(√(2/π)(x + 0.044715x³)).
  public static func geluBackward(
    dy: UnsafePointer<Float>, x: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, count: Int,
    approximate: Bool
  ) {
    let (invSqrt2, invSqrt2Pi) = (Self.invSqrt2, Self.invSqrt2Pi)
    let (sqrt2OverPi, geluCubic) = (Self.sqrt2OverPi, Self.geluCubic)
    Parallel.forEach(count: count, minimumPerThread: grain / 8) { range in
      if approximate {
        for i in range {
          let v = x[i]
          let t = VectorMath.tanh(sqrt2OverPi * (v + geluCubic * v * v * v))
          let du = sqrt2OverPi * (1 + 3 * geluCubic * v * v)
          dx[i] = dy[i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * du)
        }
      } else {
        for i in range {
          let v = x[i]
          let cdf = 0.5 * (1 + VectorMath.erf(v * invSqrt2))
          let pdf = invSqrt2Pi * VectorMath.exp(-0.5 * v * v)
          dx[i] = dy[i] * (cdf + v * pdf)
        }
      }
    }
  }
}
