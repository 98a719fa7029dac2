/// Parameter initialization: constants, uniform and normal draws from a `RandomStream`,
/// and the fan and gain rules of `torch.nn.init`.
///
/// Element i of a tensor uses element i of the stream, so a parameter's values do not
/// depend on the thread count or on the order of the draws.
public enum InitKernel {
  /// Elements per thread below which the work stays on the calling thread.
  static let grain = 16_384

  /// y = 0.
  public static func zeros(_ y: UnsafeMutablePointer<Float>, count: Int) {
    constant(y, count: count, value: 0)
  }

  /// y = value.
  public static func constant(_ y: UnsafeMutablePointer<Float>, count: Int, value: Float) {
    guard count > 0 else { return }
    y.update(repeating: value, count: count)
  }

  /// y ~ U[low, high): low + (high − low)·u with u = stream.uniform(at: i).
  public static func uniform(
    _ y: UnsafeMutablePointer<Float>, count: Int, low: Float, high: Float, stream: RandomStream
  ) {
    let width = high - low
    Parallel.forEach(count: count, minimumPerThread: grain) { range in
      for i in range { y[i] = low + width * stream.uniform(at: i) }
    }
  }

  /// y ~ N(mean, std²): mean + std·z with z = stream.normal(at: i).
  public static func normal(
    _ y: UnsafeMutablePointer<Float>, count: Int, mean: Float, std: Float, stream: RandomStream
  ) {
    Parallel.forEach(count: count, minimumPerThread: grain) { range in
      for i in range { y[i] = mean + std * stream.normal(at: i) }
    }
  }

  /// fan_in and fan_out as `torch.nn.init._calculate_fan_in_and_fan_out`: with
  /// receptive field r = Π shape[2...], fan_in = shape[1]·r, fan_out = shape[0]·r.
  /// PyTorch rejects fewer than 2 dimensions; here a vector of n gives (n, n) and a
  /// scalar (1, 1).
  public static func fans(shape: [Int]) -> (fanIn: Int, fanOut: Int) {
    guard shape.count >= 2 else {
      let n = shape.first ?? 1
      return (n, n)
    }
    let receptive = shape.dropFirst(2).reduce(1, *)
    return (shape[1] * receptive, shape[0] * receptive)
  }

  /// The recommended gain of `torch.nn.init.calculate_gain`: linear, identity, conv*,
  /// sigmoid → 1; tanh → 5/3; relu → √2; leaky_relu with slope a → √(2/(1 + a²));
  /// selu → 3/4. Other names get 1, the linear gain.
  public static func gain(nonlinearity: String, a: Float) -> Float {
    switch nonlinearity {
    case "tanh": return 5.0 / 3
    case "relu": return Float(2).squareRoot()
    case "leaky_relu": return (2 / (1 + a * a)).squareRoot()
    case "selu": return 3.0 / 4
    default: return 1
    }
  }
}
