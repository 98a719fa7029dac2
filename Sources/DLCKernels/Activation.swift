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
      for i in range { y[i] = Scalar.relu(x[i]) }
    }
  }

  /// dx = dy where x > 0, else 0 (0 at x = 0, as PyTorch).
  public static func reluBackward(
    dy: UnsafePointer<Float>, x: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, count: Int
  ) {
    Parallel.forEach(count: count, minimumPerThread: grain) { range in
      for i in range { dx[i] = Scalar.reluGrad(dy: dy[i], x: x[i]) }
    }
  }

  // MARK: Leaky ReLU

  /// y = x where x > 0, else slope · x.
  public static func leakyRelu(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, count: Int, slope: Float) {
    Parallel.forEach(count: count, minimumPerThread: grain) { range in
      for i in range { y[i] = Scalar.leakyRelu(x[i], slope: slope) }
    }
  }

  /// dx = dy where x > 0, else slope · dy.
  public static func leakyReluBackward(
    dy: UnsafePointer<Float>, x: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, count: Int, slope: Float
  ) {
    Parallel.forEach(count: count, minimumPerThread: grain) { range in
      for i in range { dx[i] = Scalar.leakyReluGrad(dy: dy[i], x: x[i], slope: slope) }
    }
  }

  // MARK: Sigmoid and tanh

  /// y = 1 / (1 + e^(−x)); saturates to exactly 0 or 1 without overflow trouble
  /// (e^(−x) = +∞ gives 0).
  public static func sigmoid(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, count: Int) {
    Parallel.forEach(count: count, minimumPerThread: grain / 8) { range in
      for i in range { y[i] = Scalar.sigmoid(x[i]) }
    }
  }

  /// dx = dy · y · (1 − y), from the forward result y.
  public static func sigmoidBackward(
    dy: UnsafePointer<Float>, y: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, count: Int
  ) {
    Parallel.forEach(count: count, minimumPerThread: grain) { range in
      for i in range { dx[i] = Scalar.sigmoidGrad(dy: dy[i], y: y[i]) }
    }
  }

  /// y = tanh(x).
  public static func tanh(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, count: Int) {
    Parallel.forEach(count: count, minimumPerThread: grain / 8) { range in
      for i in range { y[i] = Scalar.tanh(x[i]) }
    }
  }

  /// dx = dy · (1 − y²), from the forward result y.
  public static func tanhBackward(
    dy: UnsafePointer<Float>, y: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, count: Int
  ) {
    Parallel.forEach(count: count, minimumPerThread: grain) { range in
      for i in range { dx[i] = Scalar.tanhGrad(dy: dy[i], y: y[i]) }
    }
  }

  // MARK: GELU (Hendrycks & Gimpel 2016, "Gaussian Error Linear Units")

  /// y = x · Φ(x) = ½x(1 + erf(x/√2)); with `approximate`, PyTorch's
  /// `nn.GELU(approximate="tanh")`: ½x(1 + tanh(√(2/π)(x + 0.044715x³))).
  public static func gelu(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, count: Int, approximate: Bool) {
    Parallel.forEach(count: count, minimumPerThread: grain / 8) { range in
      if approximate {
        for i in range { y[i] = Scalar.geluTanh(x[i]) }
      } else {
        for i in range { y[i] = Scalar.gelu(x[i]) }
      }
    }
  }

  /// dx = dy · GELU′(x): exact Φ(x) + x·φ(x); tanh form
  /// ½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²) with t = tanh(√(2/π)(x + 0.044715x³)).
  public static func geluBackward(
    dy: UnsafePointer<Float>, x: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, count: Int,
    approximate: Bool
  ) {
    Parallel.forEach(count: count, minimumPerThread: grain / 8) { range in
      if approximate {
        for i in range { dx[i] = Scalar.geluTanhGrad(dy: dy[i], x: x[i]) }
      } else {
        for i in range { dx[i] = Scalar.geluGrad(dy: dy[i], x: x[i]) }
      }
    }
  }
}
