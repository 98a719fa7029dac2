/// Group normalization (Wu & He 2018) with PyTorch's semantics (`nn.GroupNorm`, and
/// `nn.InstanceNorm*` as the case of one channel per group): each sample's C channels
/// fall in G groups of C/G consecutive channels; a group's C/G·S elements (S positions
/// per channel) are normalized with their own mean and biased variance, then each
/// channel is scaled and shifted by γ[c], β[c] when the layer is affine.
///
/// A group's elements are contiguous in [N, C, S], so its statistics are those of one
/// layer-norm row (`LayerNormKernel.statistics`, a fixed left-to-right Float sum); rows are
/// split between threads whole, and the per-channel sums of the backward pass add each
/// sample's part in sample order, so results do not depend on the thread count.
public enum GroupNormKernel {
  /// Elements per thread below which the work stays on the calling thread.
  static let grain = 32_768

  /// y = (x − μ)·rstd·γ[c] + β[c] over each group of x [batch, channels, spatial];
  /// γ and β are nil without an affine part.
  public static func forward(
    x: UnsafePointer<Float>, gamma: UnsafePointer<Float>?, beta: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>,
    batch: Int, channels: Int, spatial: Int, groups: Int, eps: Float
  ) {
    let perGroup = channels / groups
    let length = perGroup * spatial
    guard length > 0 else { return }
    Parallel.forEach(count: batch * groups, minimumPerThread: max(1, grain / length)) { rows in
      for r in rows {
        let (row, out) = (x + r * length, y + r * length)
        let (mu, rstd) = LayerNormKernel.statistics(row, length, eps)
        let first = (r % groups) * perGroup
        for k in 0..<perGroup {
          let (g, b) = (gamma.map { $0[first + k] } ?? 1, beta.map { $0[first + k] } ?? 0)
          let scale = rstd * g
          let (run, dst) = (row + k * spatial, out + k * spatial)
          for s in 0..<spatial { dst[s] = (run[s] - mu) * scale + b }
        }
      }
    }
  }

  /// With x̂ = (x − μ)·rstd and g = dy·γ[c] over one group of M = C/G·S elements:
  /// dx = rstd·(g − mean(g) − x̂·mean(g·x̂)); dγ[c] = Σ dy·x̂ and dβ[c] = Σ dy over the
  /// samples and positions of channel c (nil without an affine part). `statistics` is
  /// scratch for 2·batch·groups Floats (each group's μ and rstd, recomputed from x).
  public static func backward(
    dy: UnsafePointer<Float>, x: UnsafePointer<Float>, gamma: UnsafePointer<Float>?,
    dx: UnsafeMutablePointer<Float>, dgamma: UnsafeMutablePointer<Float>?, dbeta: UnsafeMutablePointer<Float>?,
    statistics: UnsafeMutablePointer<Float>, batch: Int, channels: Int, spatial: Int, groups: Int, eps: Float
  ) {
    let perGroup = channels / groups
    let length = perGroup * spatial
    guard length > 0 else { return }
    let inv = 1 / Float(length)
    // 1. Per group: its statistics (kept for step 2) and dx.
    Parallel.forEach(count: batch * groups, minimumPerThread: max(1, grain / length)) { rows in
      for r in rows {
        let (row, g, out) = (x + r * length, dy + r * length, dx + r * length)
        let (mu, rstd) = LayerNormKernel.statistics(row, length, eps)
        statistics[2 * r] = mu
        statistics[2 * r + 1] = rstd
        let first = (r % groups) * perGroup
        var (sumG, sumGXhat): (Float, Float) = (0, 0)
        for k in 0..<perGroup {
          let scale = gamma.map { $0[first + k] } ?? 1
          for s in k * spatial..<(k + 1) * spatial {
            let gj = g[s] * scale
            sumG += gj
            sumGXhat += gj * ((row[s] - mu) * rstd)
          }
        }
        let (meanG, meanGXhat) = (sumG * inv, sumGXhat * inv)
        for k in 0..<perGroup {
          let scale = gamma.map { $0[first + k] } ?? 1
          for s in k * spatial..<(k + 1) * spatial {
            out[s] = rstd * (g[s] * scale - meanG - (row[s] - mu) * rstd * meanGXhat)
          }
        }
      }
    }
    // 2. Per channel: dγ and dβ, each sample's run summed in Float, the samples in Double.
    guard let dgamma, let dbeta else { return }
    Parallel.forEach(count: channels, minimumPerThread: max(1, grain / max(1, batch * spatial))) { cs in
      for c in cs {
        var (sumDy, sumDyXhat) = (0.0, 0.0)
        for n in 0..<batch {
          let r = n * groups + c / perGroup
          let (mu, rstd) = (statistics[2 * r], statistics[2 * r + 1])
          let offset = (n * channels + c) * spatial
          let (g, run) = (dy + offset, x + offset)
          var (s1, s2): (Float, Float) = (0, 0)
          for s in 0..<spatial {
            s1 += g[s]
            s2 += g[s] * ((run[s] - mu) * rstd)
          }
          sumDy += Double(s1)
          sumDyXhat += Double(s2)
        }
        dbeta[c] = Float(sumDy)
        dgamma[c] = Float(sumDyXhat)
      }
    }
  }
}
