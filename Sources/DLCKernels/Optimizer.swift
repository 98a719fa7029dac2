import Foundation

/// Parameter updates of `torch.optim.SGD`, `Adam`, `AdamW` and `RMSprop`, following the algorithms
/// in their PyTorch documentation (and the order of operations of its single-tensor
/// implementation, so runs compare closely). `step` is 1-based.
///
/// Hyperparameters that enter a per-step scalar (1 − τ, 1 − β₁, 1 − β₂, the bias
/// corrections 1 − βᵗ, 1 − γλ) are taken as `Double` and those scalars are computed in
/// Double, then rounded once to Float, as PyTorch computes them from Python floats:
/// 1 − Float(0.999) is 1.3e-5 below 1 − 0.999, which would make v that much too small.
public enum OptimizerKernel {
  /// Parameters per thread below which the update stays on the calling thread.
  static let grain = 32_768

  /// SGD (torch.optim.SGD): g ← ∇ + λθ; with momentum μ, b ← g at step 1 and
  /// b ← μb + (1 − τ)g after; g ← g + μb (Nesterov) or b; θ ← θ − γg.
  /// A nil `momentumBuffer` or μ = 0 means plain SGD.
  public static func sgd(
    parameter: UnsafeMutablePointer<Float>, grad: UnsafePointer<Float>, momentumBuffer: UnsafeMutablePointer<Float>?,
    count: Int, lr: Float, momentum: Double, dampening: Double, nesterov: Bool, weightDecay: Double, step: Int
  ) {
    let (p, wd, mu) = (parameter, Float(weightDecay), Float(momentum))
    guard let buffer = momentumBuffer, mu != 0 else {
      Parallel.forEach(count: count, minimumPerThread: grain) { range in
        for i in range { p[i] -= lr * (grad[i] + wd * p[i]) }
      }
      return
    }
    let keep = Float(1 - dampening)
    let first = step <= 1
    Parallel.forEach(count: count, minimumPerThread: grain) { range in
      switch (first, nesterov) {
      case (true, false):
        for i in range {
          let g = grad[i] + wd * p[i]
          buffer[i] = g
          p[i] -= lr * g
        }
      case (true, true):
        for i in range {
          let g = grad[i] + wd * p[i]
          buffer[i] = g
          p[i] -= lr * (g + mu * g)
        }
      case (false, false):
        for i in range {
          let g = grad[i] + wd * p[i]
          let b = mu * buffer[i] + keep * g
          buffer[i] = b
          p[i] -= lr * b
        }
      case (false, true):
        for i in range {
          let g = grad[i] + wd * p[i]
          let b = mu * buffer[i] + keep * g
          buffer[i] = b
          p[i] -= lr * (g + mu * b)
        }
      }
    }
  }

  /// Adam (Kingma & Ba 2015; torch.optim.Adam) or, with `decoupled`, AdamW (Loshchilov &
  /// Hutter 2019; torch.optim.AdamW):
  /// Adam g ← ∇ + λθ, AdamW θ ← θ(1 − γλ); m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²;
  /// with `maxExpAvgSq` (amsgrad) v_max ← max(v_max, v) replaces v below;
  /// θ ← θ − γ/(1 − β₁ᵗ) · m / (√v/√(1 − β₂ᵗ) + ε).
  /// amsgrad keeps the maximum of the raw v, as PyTorch's implementation and its
  /// `max_exp_avg_sq` state do (the documentation maxes the corrected v̂; pytorch#142323).
  public static func adam(
    parameter: UnsafeMutablePointer<Float>, grad: UnsafePointer<Float>, expAvg: UnsafeMutablePointer<Float>,
    expAvgSq: UnsafeMutablePointer<Float>, maxExpAvgSq: UnsafeMutablePointer<Float>?, count: Int, lr: Float,
    beta1: Double, beta2: Double, eps: Float, weightDecay: Double, decoupled: Bool, step: Int
  ) {
    let t = Double(max(step, 1))
    // Scalars in Double, as PyTorch computes them from Python floats; the kernel's own
    // multiplications use them rounded to Float (PyTorch's float32 `mul_(beta2)` too).
    let stepSize = Float(Double(lr) / (1 - Foundation.pow(beta1, t)))
    let invBiasCorrection2Sqrt = Float(1 / (1 - Foundation.pow(beta2, t)).squareRoot())
    let coupledDecay = decoupled ? 0 : Float(weightDecay)
    let shrink: Float = decoupled ? Float(1 - Double(lr) * weightDecay) : 1
    let (oneMinusBeta1, oneMinusBeta2) = (Float(1 - beta1), Float(1 - beta2))
    let decay2 = Float(beta2)
    let (p, m, v) = (parameter, expAvg, expAvgSq)
    // The square root vectorizes only when clang's shims are built with -fno-math-errno
    // (otherwise Float.squareRoot() keeps a sqrtf fallback call per element).
    Parallel.forEach(count: count, minimumPerThread: grain) { range in
      if let vmax = maxExpAvgSq {
        for i in range {
          let theta = p[i] * shrink
          let g = grad[i] + coupledDecay * theta
          let mi = m[i] + oneMinusBeta1 * (g - m[i])
          let vi = decay2 * v[i] + oneMinusBeta2 * g * g
          let top = max(vmax[i], vi)
          m[i] = mi
          v[i] = vi
          vmax[i] = top
          p[i] = theta - stepSize * (mi / (top.squareRoot() * invBiasCorrection2Sqrt + eps))
        }
      } else {
        for i in range {
          let theta = p[i] * shrink
          let g = grad[i] + coupledDecay * theta
          let mi = m[i] + oneMinusBeta1 * (g - m[i])
          let vi = decay2 * v[i] + oneMinusBeta2 * g * g
          m[i] = mi
          v[i] = vi
          p[i] = theta - stepSize * (mi / (vi.squareRoot() * invBiasCorrection2Sqrt + eps))
        }
      }
    }
  }

  /// RMSprop (Hinton 2012, lecture 6e; torch.optim.RMSprop), in the order of operations of
  /// PyTorch's single-tensor implementation: g ← ∇ + λθ; v ← αv + (1 − α)g²; centered
  /// (Graves 2013): ḡ ← lerp(ḡ, g, 1 − α) and d ← √(v − ḡ²) + ε, else d ← √v + ε; with
  /// momentum μ, b ← μb + g/d and θ ← θ − γb, else θ ← θ − γg/d. A nil `momentumBuffer`
  /// means μ = 0 and a nil `gradAvg` not centered. 1 − α is computed in Double, as PyTorch
  /// computes it from a Python float. Where PyTorch's CPU kernels fuse a multiply-add
  /// (`add` with alpha, `addcmul_`, `lerp_`, measured against torch 2.13), so does this
  /// kernel, and `lerp` takes ATen's two branches on the weight; `addcdiv_` is not fused.
  public static func rmsprop(
    parameter: UnsafeMutablePointer<Float>, grad: UnsafePointer<Float>, squareAvg: UnsafeMutablePointer<Float>,
    momentumBuffer: UnsafeMutablePointer<Float>?, gradAvg: UnsafeMutablePointer<Float>?, count: Int, lr: Float,
    alpha: Double, eps: Double, momentum: Double, weightDecay: Double
  ) {
    let (p, v) = (parameter, squareAvg)
    let (decay, keep, weight, epsilon, mu) = (Float(weightDecay), Float(alpha), Float(1 - alpha), Float(eps), Float(momentum))
    // lerp(a, b, w) as ATen computes it: a + w(b − a) for |w| < 0.5, else b − (b − a)(1 − w).
    let (lowWeight, oneMinusWeight) = (abs(weight) < 0.5, 1 - weight)
    let negativeLR = -lr
    Parallel.forEach(count: count, minimumPerThread: grain) { range in
      for i in range {
        let g = decay == 0 ? grad[i] : grad[i].addingProduct(decay, p[i])
        let vi = (v[i] * keep).addingProduct(weight * g, g)
        v[i] = vi
        var denominator: Float
        if let gavg = gradAvg {
          let m = gavg[i]
          let mean = lowWeight ? m.addingProduct(weight, g - m) : g.addingProduct(-(g - m), oneMinusWeight)
          gavg[i] = mean
          denominator = vi.addingProduct(-mean, mean).squareRoot()
        } else {
          denominator = vi.squareRoot()
        }
        denominator = denominator + epsilon
        if let buffer = momentumBuffer {
          let b = buffer[i] * mu + g / denominator
          buffer[i] = b
          p[i] = p[i].addingProduct(negativeLR, b)
        } else {
          p[i] = p[i] + negativeLR * g / denominator
        }
      }
    }
  }
}
