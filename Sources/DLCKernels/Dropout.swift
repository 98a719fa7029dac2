/// Inverted dropout (Srivastava et al. 2014, as PyTorch's `nn.Dropout`): element i is
/// kept when `stream.uniform(at: i) >= rate` and scaled by 1/(1 − rate), else zeroed.
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

  /// out = mask ⊙ input · 1/(1 − rate); one Philox block serves four elements.
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
    // The same test as `uniform(at:) >= rate`, on the raw word.
    @inline(__always) func kept(_ word: UInt32) -> Bool { Float(word >> 8) * 0x1p-24 >= rate }
    let blocks = (count + 3) / 4
    Parallel.forEach(count: blocks, minimumPerThread: grain / 4) { range in
      for b in range {
        let i = b * 4
        if i + 4 <= count {
          let w = stream.block(b)
          out[i] = kept(w.0) ? input[i] * scale : 0
          out[i + 1] = kept(w.1) ? input[i + 1] * scale : 0
          out[i + 2] = kept(w.2) ? input[i + 2] * scale : 0
          out[i + 3] = kept(w.3) ? input[i + 3] * scale : 0
        } else {
          for j in i..<count { out[j] = stream.uniform(at: j) >= rate ? input[j] * scale : 0 }
        }
      }
    }
  }
}
