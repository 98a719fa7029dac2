/// Inverted dropout (Srivastava et al. 2014, as PyTorch's `nn.Dropout`): element i is
/// kept when `stream.uniform(at: i) >= rate` and scaled by 1/(1 − rate), else multiplied
/// by 0 (so, as in PyTorch, a NaN stays NaN).
///
/// The mask is a pure function of the stream, so the backward pass regenerates it
/// instead of storing it. Rate 0 copies; rate 1 zeroes (as PyTorch).
public enum DropoutKernel {
  /// Elements per thread below which the work stays on the calling thread (Philox is
  /// ~10 multiply rounds per 4 elements, so this is lower than for plain arithmetic).
  static let grain = 8_192

  /// y = mask ⊙ x / (1 − rate).
  public static func forward(
    x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, count: Int, rate: Float, stream: RandomStream
  ) {
    applyMask(x, y, count: count, rate: rate, stream: stream)
  }

  /// dx = mask ⊙ dy / (1 − rate), with the mask of the forward pass.
  public static func backward(
    dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, count: Int, rate: Float, stream: RandomStream
  ) {
    applyMask(dy, dx, count: count, rate: rate, stream: stream)
  }

  /// out = input · factor, factor = 1/(1 − rate) or 0; one Philox block serves four elements.
  static func applyMask(
    _ input: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count: Int, rate: Float, stream: RandomStream
  ) {
    guard count > 0 else { return }
    if rate <= 0 {
      ElementwiseKernel.copy(input, to: out, count: count)
      return
    }
    if rate >= 1 {
      out.update(repeating: 0, count: count)
      return
    }
    let scale = 1 / (1 - rate)
    let blocks = (count + 3) / 4
    Parallel.forEach(count: blocks, minimumPerThread: grain / 4) { range in
      for b in range {
        let i = b * 4
        let factors = Scalar.dropoutFactors(stream.block(b), rate: rate, scale: scale)
        if i + 4 <= count {
          out[i] = Scalar.dropout(input[i], factor: factors[0])
          out[i + 1] = Scalar.dropout(input[i + 1], factor: factors[1])
          out[i + 2] = Scalar.dropout(input[i + 2], factor: factors[2])
          out[i + 3] = Scalar.dropout(input[i + 3], factor: factors[3])
        } else {
          // The tail: element j is lane j & 3 of block b = j >> 2, as `uniform(at: j)` reads it.
          for j in i..<count { out[j] = Scalar.dropout(input[j], factor: factors[j & 3]) }
        }
      }
    }
  }
}
