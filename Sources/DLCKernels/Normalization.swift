/// Batch normalization (Ioffe & Szegedy 2015) and layer normalization (Ba et al. 2016)
/// with PyTorch's semantics: the biased variance normalizes; `nn.BatchNorm*` keeps the
/// unbiased variance in `running_var` and weighs the new batch by `momentum`.
public enum BatchNormKernel {
  /// Elements per thread below which the work stays on the calling thread.
  static let grain = 32_768

  /// x [N, C, S] (S = H·W, or 1 for [N, F]); writes y, mean [C] and
  /// invstd [C] = 1/√(var_biased + eps), and updates the running statistics:
  /// running = (1 − momentum)·running + momentum·batch, the variance made unbiased by
  /// n/(n − 1) with n = N·S (n = 1 uses the batch variance as is; PyTorch rejects it).
  public static func trainForward(
    x: UnsafePointer<Float>, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
    runningMean: UnsafeMutablePointer<Float>, runningVar: UnsafeMutablePointer<Float>,
    y: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>, invstd: UnsafeMutablePointer<Float>,
    batch: Int, channels: Int, spatial: Int, momentum: Float, eps: Float
  ) {
    let n = batch * spatial
    guard n > 0 else { return }
    let unbias = n > 1 ? Float(Double(n) / Double(n - 1)) : 1
    forChannels(batch: batch, channels: channels, spatial: spatial) { cs in
      // 1. Batch statistics (two passes: mean, then squared deviations).
      if spatial == 1 {
        for c in cs { mean[c] = 0; invstd[c] = 0 }
        for r in 0..<batch {
          let row = x + r * channels
          for c in cs { mean[c] += row[c] }
        }
        let inv = 1 / Float(n)
        for c in cs { mean[c] *= inv }
        for r in 0..<batch {
          let row = x + r * channels
          for c in cs { invstd[c] += (row[c] - mean[c]) * (row[c] - mean[c]) }
        }
        for c in cs { invstd[c] *= inv }  // the biased variance, for now
      } else {
        for c in cs {
          var sum = 0.0
          for b in 0..<batch { sum += Double(runSum(x + (b * channels + c) * spatial, spatial)) }
          let mu = Float(sum / Double(n))
          var squares = 0.0
          for b in 0..<batch { squares += Double(runSquares(x + (b * channels + c) * spatial, spatial, mu)) }
          mean[c] = mu
          invstd[c] = Float(squares / Double(n))
        }
      }
      // 2. Running statistics, then invstd.
      for c in cs {
        let variance = invstd[c]
        runningMean[c] = (1 - momentum) * runningMean[c] + momentum * mean[c]
        runningVar[c] = (1 - momentum) * runningVar[c] + momentum * variance * unbias
        invstd[c] = 1 / (variance + eps).squareRoot()
      }
      // 3. y = (x − mean)·invstd·γ + β.
      normalize(x: x, y: y, mean: mean, invstd: invstd, gamma: gamma, beta: beta,
                batch: batch, channels: channels, spatial: spatial, range: cs)
    }
  }

  /// y = (x − running_mean)/√(running_var + eps)·γ + β.
  public static func inferenceForward(
    x: UnsafePointer<Float>, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
    runningMean: UnsafePointer<Float>, runningVar: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
    batch: Int, channels: Int, spatial: Int, eps: Float
  ) {
    forChannels(batch: batch, channels: channels, spatial: spatial) { cs in
      if spatial == 1 {
        for r in 0..<batch {
          let (row, out) = (x + r * channels, y + r * channels)
          for c in cs { out[c] = (row[c] - runningMean[c]) / (runningVar[c] + eps).squareRoot() * gamma[c] + beta[c] }
        }
      } else {
        for c in cs {
          let scale = gamma[c] / (runningVar[c] + eps).squareRoot()
          let shift = beta[c] - runningMean[c] * scale
          for b in 0..<batch {
            let offset = (b * channels + c) * spatial
            let (run, out) = (x + offset, y + offset)
            for s in 0..<spatial { out[s] = run[s] * scale + shift }
          }
        }
      }
    }
  }

  /// With x̂ = (x − mean)·invstd: dβ = Σ dy, dγ = Σ dy·x̂ and
  /// dx = γ·invstd·(dy − dβ/n − x̂·dγ/n) (Ioffe & Szegedy 2015, §3).
  public static func backward(
    dy: UnsafePointer<Float>, x: UnsafePointer<Float>, gamma: UnsafePointer<Float>,
    mean: UnsafePointer<Float>, invstd: UnsafePointer<Float>,
    dx: UnsafeMutablePointer<Float>, dgamma: UnsafeMutablePointer<Float>, dbeta: UnsafeMutablePointer<Float>,
    batch: Int, channels: Int, spatial: Int
  ) {
    let n = batch * spatial
    guard n > 0 else { return }
    let inv = 1 / Float(n)
    forChannels(batch: batch, channels: channels, spatial: spatial) { cs in
      if spatial == 1 {
        for c in cs { dgamma[c] = 0; dbeta[c] = 0 }
        for r in 0..<batch {
          let (g, row) = (dy + r * channels, x + r * channels)
          for c in cs {
            dbeta[c] += g[c]
            dgamma[c] += g[c] * (row[c] - mean[c]) * invstd[c]
          }
        }
        for r in 0..<batch {
          let (g, row, out) = (dy + r * channels, x + r * channels, dx + r * channels)
          for c in cs {
            let xhat = (row[c] - mean[c]) * invstd[c]
            out[c] = gamma[c] * invstd[c] * (g[c] - dbeta[c] * inv - xhat * dgamma[c] * inv)
          }
        }
      } else {
        for c in cs {
          let (mu, istd) = (mean[c], invstd[c])
          var (sumDy, sumDyXhat) = (0.0, 0.0)
          for b in 0..<batch {
            let offset = (b * channels + c) * spatial
            let (g, run) = (dy + offset, x + offset)
            var (s1, s2): (Float, Float) = (0, 0)
            for s in 0..<spatial {
              s1 += g[s]
              s2 += g[s] * (run[s] - mu)
            }
            sumDy += Double(s1)
            sumDyXhat += Double(s2) * Double(istd)
          }
          dbeta[c] = Float(sumDy)
          dgamma[c] = Float(sumDyXhat)
          let scale = gamma[c] * istd
          let (meanDy, meanDyXhat) = (Float(sumDy) * inv, Float(sumDyXhat) * inv)
          for b in 0..<batch {
            let offset = (b * channels + c) * spatial
            let (g, run, out) = (dy + offset, x + offset, dx + offset)
            for s in 0..<spatial { out[s] = scale * (g[s] - meanDy - (run[s] - mu) * istd * meanDyXhat) }
          }
        }
      }
    }
  }

  /// Runs `body` over ranges of channels, on two threads when the tensor is large.
  @inline(__always)
  static func forChannels(batch: Int, channels: Int, spatial: Int, _ body: (Range<Int>) -> Void) {
    let perChannel = max(1, batch * spatial)
    Parallel.forEach(count: channels, minimumPerThread: max(1, grain / perChannel), body)
  }

  /// y = (x − mean)·invstd·γ + β over the channels in `range`.
  @inline(__always)
  static func normalize(
    x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, mean: UnsafePointer<Float>,
    invstd: UnsafePointer<Float>, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
    batch: Int, channels: Int, spatial: Int, range cs: Range<Int>
  ) {
    if spatial == 1 {
      for r in 0..<batch {
        let (row, out) = (x + r * channels, y + r * channels)
        for c in cs { out[c] = (row[c] - mean[c]) * invstd[c] * gamma[c] + beta[c] }
      }
    } else {
      for c in cs {
        let (mu, scale, shift) = (mean[c], invstd[c] * gamma[c], beta[c])
        for b in 0..<batch {
          let offset = (b * channels + c) * spatial
          let (run, out) = (x + offset, y + offset)
          for s in 0..<spatial { out[s] = (run[s] - mu) * scale + shift }
        }
      }
    }
  }

  /// Σ run[0..<count] in Float (a short contiguous run).
  @inline(__always)
  static func runSum(_ run: UnsafePointer<Float>, _ count: Int) -> Float {
    var sum: Float = 0
    for s in 0..<count { sum += run[s] }
    return sum
  }

  /// Σ (run[s] − mu)² in Float.
  @inline(__always)
  static func runSquares(_ run: UnsafePointer<Float>, _ count: Int, _ mu: Float) -> Float {
    var sum: Float = 0
    for s in 0..<count { sum += (run[s] - mu) * (run[s] - mu) }
    return sum
  }
}

/// Layer normalization over the last axis (Ba et al. 2016), as PyTorch's `nn.LayerNorm`
/// with elementwise affine γ, β: y = (x − mean)/√(var_biased + eps)·γ + β per row.
public enum LayerNormKernel {
  /// Rows × features per thread below which the work stays on the calling thread.
  static let grain = 32_768

  /// y = (x − μ)·rstd·γ + β per row of `features`.
  public static func forward(
    x: UnsafePointer<Float>, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
    rows: Int, features: Int, eps: Float
  ) {
    guard features > 0 else { return }
    Parallel.forEach(count: rows, minimumPerThread: max(1, grain / features)) { range in
      for r in range {
        let (row, out) = (x + r * features, y + r * features)
        let (mu, rstd) = statistics(row, features, eps)
        for j in 0..<features { out[j] = (row[j] - mu) * rstd * gamma[j] + beta[j] }
      }
    }
  }

  /// With x̂ = (x − μ)·rstd and g = dy ⊙ γ per row: dx = rstd·(g − mean(g) − x̂·mean(g ⊙ x̂)),
  /// dγ = Σ_rows dy ⊙ x̂, dβ = Σ_rows dy. The row statistics are recomputed from x.
  public static func backward(
    dy: UnsafePointer<Float>, x: UnsafePointer<Float>, gamma: UnsafePointer<Float>,
    dx: UnsafeMutablePointer<Float>, dgamma: UnsafeMutablePointer<Float>, dbeta: UnsafeMutablePointer<Float>,
    rows: Int, features: Int, eps: Float
  ) {
    guard features > 0 else { return }
    for j in 0..<features { dgamma[j] = 0; dbeta[j] = 0 }
    let inv = 1 / Float(features)
    // One thread: dγ and dβ sum over rows, and the rows are short.
    for r in 0..<rows {
      let (row, g, out) = (x + r * features, dy + r * features, dx + r * features)
      let (mu, rstd) = statistics(row, features, eps)
      var (sumG, sumGXhat): (Float, Float) = (0, 0)
      for j in 0..<features {
        let xhat = (row[j] - mu) * rstd
        let gj = g[j] * gamma[j]
        sumG += gj
        sumGXhat += gj * xhat
        dgamma[j] += g[j] * xhat
        dbeta[j] += g[j]
      }
      let (meanG, meanGXhat) = (sumG * inv, sumGXhat * inv)
      for j in 0..<features {
        let xhat = (row[j] - mu) * rstd
        out[j] = rstd * (g[j] * gamma[j] - meanG - xhat * meanGXhat)
      }
    }
  }

  /// The mean and 1/√(biased variance + eps) of one row (two passes).
  @inline(__always)
  static func statistics(_ row: UnsafePointer<Float>, _ features: Int, _ eps: Float) -> (mean: Float, rstd: Float) {
    var sum: Float = 0
    for j in 0..<features { sum += row[j] }
    let mu = sum / Float(features)
    var squares: Float = 0
    for j in 0..<features { squares += (row[j] - mu) * (row[j] - mu) }
    return (mu, 1 / (squares / Float(features) + eps).squareRoot())
  }
}
