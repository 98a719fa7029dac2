import Foundation
import Testing

@testable import DLCKernels

private typealias Tensor = KernelTesting.Tensor

/// Hyperparameters of one SGD case.
struct SGDCase: Sendable, CustomTestStringConvertible {
  var momentum: Double, dampening: Double, nesterov: Bool, weightDecay: Double
  var testDescription: String { "μ \(momentum) τ \(dampening) nesterov \(nesterov) λ \(weightDecay)" }
}

/// Hyperparameters of one Adam case.
struct AdamCase: Sendable, CustomTestStringConvertible {
  var weightDecay: Double, decoupled: Bool, amsgrad: Bool
  var testDescription: String { "λ \(weightDecay) decoupled \(decoupled) amsgrad \(amsgrad)" }
}

/// Three steps of gradients for 5 parameters. The gradients fall at step 3 and the Adam
/// cases use β₂ = 0.95, so v shrinks by ~5% and amsgrad's maximum differs from it.
private let gradients: [[Float]] = [
  [0.5, -1.0, 2.0, 0.0, 1e-3],
  [0.25, 0.5, -1.0, 0.1, -2.0],
  [-0.1, 0.05, 0.01, -0.3, 0.2],
]
private let theta0: [Float] = [1.0, -0.5, 0.25, 2.0, -1.5]

/// torch.optim.SGD's documented algorithm, in Double.
private func sgdReference(_ c: SGDCase, lr: Double) -> [Double] {
  var theta = theta0.map(Double.init)
  var buffer = theta
  for (t, grad) in gradients.enumerated() {
    for i in theta.indices {
      var g = Double(grad[i]) + c.weightDecay * theta[i]
      if c.momentum != 0 {
        buffer[i] = t == 0 ? g : c.momentum * buffer[i] + (1 - c.dampening) * g
        g = c.nesterov ? g + c.momentum * buffer[i] : buffer[i]
      }
      theta[i] -= lr * g
    }
  }
  return theta
}

/// torch.optim.Adam / AdamW's algorithm, in Double. amsgrad keeps the maximum of the raw
/// v and divides it by the current bias correction, as PyTorch's implementation does
/// (the documentation's formula maxes the corrected v̂; pytorch/pytorch#142323).
private func adamReference(_ c: AdamCase, lr: Double, beta1: Double, beta2: Double, eps: Double) -> [Double] {
  var theta = theta0.map(Double.init)
  var (m, v, vmax) = ([Double](repeating: 0, count: 5), [Double](repeating: 0, count: 5), [Double](repeating: 0, count: 5))
  for (index, grad) in gradients.enumerated() {
    let t = Double(index + 1)
    for i in theta.indices {
      var g = Double(grad[i])
      if c.decoupled { theta[i] *= 1 - lr * c.weightDecay } else { g += c.weightDecay * theta[i] }
      m[i] = beta1 * m[i] + (1 - beta1) * g
      v[i] = beta2 * v[i] + (1 - beta2) * g * g
      vmax[i] = max(vmax[i], v[i])
      let mHat = m[i] / (1 - Foundation.pow(beta1, t))
      let vHat = (c.amsgrad ? vmax[i] : v[i]) / (1 - Foundation.pow(beta2, t))
      theta[i] -= lr * mHat / (vHat.squareRoot() + eps)
    }
  }
  return theta
}

@Suite struct OptimizerTests {
  /// θ = 1, g = 1, lr 0.1, μ 0.9: step 1 b = 1, θ = 0.9; step 2 b = 1.9, θ = 0.71.
  @Test func momentumByHand() {
    let (p, g, b) = (Tensor([1]), Tensor([1]), Tensor(count: 1))
    for step in 1...2 {
      OptimizerKernel.sgd(
        parameter: p.m, grad: g.p, momentumBuffer: b.m, count: 1, lr: 0.1, momentum: 0.9, dampening: 0,
        nesterov: false, weightDecay: 0, step: step)
    }
    #expect(abs(p.array[0] - 0.71) < 1e-6)
    #expect(abs(b.array[0] - 1.9) < 1e-6)
  }

  @Test(arguments: [
    SGDCase(momentum: 0, dampening: 0, nesterov: false, weightDecay: 0),
    SGDCase(momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 0),
    SGDCase(momentum: 0.9, dampening: 0, nesterov: true, weightDecay: 0),
    SGDCase(momentum: 0, dampening: 0, nesterov: false, weightDecay: 0.01),
    SGDCase(momentum: 0.8, dampening: 0.5, nesterov: false, weightDecay: 0.05),
    SGDCase(momentum: 0.9, dampening: 0, nesterov: true, weightDecay: 0.1),
  ])
  func sgdMatchesTheDocumentedAlgorithm(c: SGDCase) {
    let (p, b) = (Tensor(theta0), Tensor(count: 5, value: 0))
    for (t, grad) in gradients.enumerated() {
      let g = Tensor(grad)
      OptimizerKernel.sgd(
        parameter: p.m, grad: g.p, momentumBuffer: c.momentum == 0 ? nil : b.m, count: 5, lr: 0.1,
        momentum: c.momentum, dampening: c.dampening, nesterov: c.nesterov,
        weightDecay: c.weightDecay, step: t + 1)
    }
    KernelTesting.expectClose(p.array, sgdReference(c, lr: 0.1), tolerance: 1e-6, "sgd \(c.testDescription)")
  }

  @Test(arguments: [
    AdamCase(weightDecay: 0, decoupled: false, amsgrad: false),
    AdamCase(weightDecay: 0.1, decoupled: false, amsgrad: false),
    AdamCase(weightDecay: 0.1, decoupled: true, amsgrad: false),
    AdamCase(weightDecay: 0, decoupled: false, amsgrad: true),
    AdamCase(weightDecay: 0.01, decoupled: true, amsgrad: true),
  ])
  func adamMatchesTheDocumentedAlgorithm(c: AdamCase) {
    let p = Tensor(theta0)
    let (m, v, vmax) = (Tensor(count: 5, value: 0), Tensor(count: 5, value: 0), Tensor(count: 5, value: 0))
    for (t, grad) in gradients.enumerated() {
      let g = Tensor(grad)
      OptimizerKernel.adam(
        parameter: p.m, grad: g.p, expAvg: m.m, expAvgSq: v.m, maxExpAvgSq: c.amsgrad ? vmax.m : nil, count: 5,
        lr: 0.01, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: c.weightDecay, decoupled: c.decoupled,
        step: t + 1)
    }
    let expected = adamReference(c, lr: 0.01, beta1: 0.9, beta2: 0.95, eps: 1e-8)
    KernelTesting.expectClose(p.array, expected, tolerance: 1e-6, "adam \(c.testDescription)")
  }

  /// The state after each of five steps at PyTorch's default betas (0.9, 0.999) against
  /// the published update computed in Double (Kingma & Ba 2015, Algorithm 1; AdamW:
  /// Loshchilov & Hutter 2019, Algorithm 2): m and v to 1e-6 relative, θ to 8 Float ulps.
  /// With 1 − β₂ taken in Float32 (1 − Float(0.999) = 0.00099998713) v came out 1.3e-5 low.
  @Test(arguments: [false, true])
  func adamStateFollowsThePublishedFormulaInDouble(decoupled: Bool) {
    let (lr, beta1, beta2, eps, decay) = (1e-3, 0.9, 0.999, 1e-8, 0.01)
    let steps: [[Float]] = [[0.5, -1.0, 2.0, 1e-3], [0.25, 0.5, -1.0, -2.0], [-0.1, 0.05, 0.01, 0.2],
                            [1.5, -0.75, 0.3, 0.02], [0.6, 0.4, -0.2, -1.0]]
    let start: [Float] = [1.0, -0.5, 0.25, -1.5]
    let p = Tensor(start)
    let (m, v) = (Tensor(count: 4, value: 0), Tensor(count: 4, value: 0))
    var (theta, mRef, vRef) = (start.map(Double.init), [Double](repeating: 0, count: 4), [Double](repeating: 0, count: 4))
    for (index, grad) in steps.enumerated() {
      let t = Double(index + 1), g = Tensor(grad)
      OptimizerKernel.adam(
        parameter: p.m, grad: g.p, expAvg: m.m, expAvgSq: v.m, maxExpAvgSq: nil, count: 4, lr: Float(lr),
        beta1: beta1, beta2: beta2, eps: Float(eps), weightDecay: decay, decoupled: decoupled, step: index + 1)
      for i in theta.indices {
        var g = Double(grad[i])
        if decoupled { theta[i] *= 1 - lr * decay } else { g += decay * theta[i] }
        mRef[i] = beta1 * mRef[i] + (1 - beta1) * g
        vRef[i] = beta2 * vRef[i] + (1 - beta2) * g * g
        let mHat = mRef[i] / (1 - Foundation.pow(beta1, t)), vHat = vRef[i] / (1 - Foundation.pow(beta2, t))
        theta[i] -= lr * mHat / (vHat.squareRoot() + eps)
      }
      for i in theta.indices {
        let step = "step \(index + 1) element \(i)"
        #expect(abs(Double(m.array[i]) - mRef[i]) <= 1e-6 * abs(mRef[i]), "exp_avg \(m.array[i]) vs \(mRef[i]), \(step)")
        #expect(abs(Double(v.array[i]) - vRef[i]) <= 1e-6 * abs(vRef[i]), "exp_avg_sq \(v.array[i]) vs \(vRef[i]), \(step)")
        #expect(abs(Double(p.array[i]) - theta[i]) <= 8 * Double(Float(theta[i]).ulp), "θ \(p.array[i]) vs \(theta[i]), \(step)")
      }
    }
  }

  /// SGD's 1 − τ in Double (PyTorch's `add_(grad, alpha=1 - dampening)`): the momentum
  /// buffer after steps with g = 1 then 1000 and μ = 0.001 is μ + (1 − τ)·1000 to two
  /// Float ulps. 1 − τ taken in Float32 is 9.5e-7 (τ = 0.99) and 1.3e-5 (τ = 0.999) off.
  @Test(arguments: [0.99, 0.999])
  func sgdDampeningScalarIsTakenInDouble(dampening: Double) {
    let (p, b) = (Tensor([0]), Tensor(count: 1, value: 0))
    for (step, grad) in [Float(1), 1000].enumerated() {
      let g = Tensor([grad])
      OptimizerKernel.sgd(parameter: p.m, grad: g.p, momentumBuffer: b.m, count: 1, lr: 0, momentum: 0.001,
                          dampening: dampening, nesterov: false, weightDecay: 0, step: step + 1)
    }
    let expected = Float(0.001 + (1 - dampening) * 1000)
    #expect(abs(b.array[0] - expected) <= 2 * expected.ulp, "τ \(dampening): \(b.array[0]) vs \(expected)")
  }

  /// Adam's first step moves every parameter with a non-zero gradient by ≈ lr·sign(g)
  /// (m̂ = g, v̂ = g²), the property Kingma & Ba 2015 §2.1 describe.
  @Test func adamFirstStepIsLearningRateTimesSign() {
    let (p, g) = (Tensor([0, 0, 0]), Tensor([3, -0.01, 250]))
    let (m, v) = (Tensor(count: 3, value: 0), Tensor(count: 3, value: 0))
    OptimizerKernel.adam(
      parameter: p.m, grad: g.p, expAvg: m.m, expAvgSq: v.m, maxExpAvgSq: nil, count: 3, lr: 0.001, beta1: 0.9,
      beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, step: 1)
    KernelTesting.expectClose(p.array, [-0.001, 0.001, -0.001], tolerance: 1e-8, "first step")
  }

  /// 100 003 parameters run on two threads; every element matches the one-element update.
  @Test func largeUpdatesSplitConsistently() {
    let count = 100_003
    let theta = KernelTesting.random(count, seed: 1), grad = KernelTesting.random(count, seed: 2)
    let (p, g, m, v) = (Tensor(theta), Tensor(grad), Tensor(count: count, value: 0), Tensor(count: count, value: 0))
    OptimizerKernel.adam(
      parameter: p.m, grad: g.p, expAvg: m.m, expAvgSq: v.m, maxExpAvgSq: nil, count: count, lr: 0.01, beta1: 0.9,
      beta2: 0.999, eps: 1e-8, weightDecay: 0.01, decoupled: true, step: 1)
    let result = p.array
    for i in [0, 1, count / 2, count / 2 + 1, count - 1] {
      let (q, h, a, b) = (Tensor([theta[i]]), Tensor([grad[i]]), Tensor([0]), Tensor([0]))
      OptimizerKernel.adam(
        parameter: q.m, grad: h.p, expAvg: a.m, expAvgSq: b.m, maxExpAvgSq: nil, count: 1, lr: 0.01, beta1: 0.9,
        beta2: 0.999, eps: 1e-8, weightDecay: 0.01, decoupled: true, step: 1)
      #expect(result[i] == q.array[0], "element \(i)")
    }
  }
}
