import Foundation
import Testing
import _DLCTestSupport

@testable import DLCKernels

/// `OptimizerKernel.rmsprop` against torch.optim.RMSprop: ten steps of every combination
/// of momentum, centered and weight decay, at α = 0.99 and at α = 0.3 (where PyTorch's
/// `lerp_` of the centered mean takes its other branch). The fixture
/// `bench/reference/rmsprop_reference.json` was recorded with PyTorch by
/// `bench/reference/rmsprop_reference.py`; the test needs no PyTorch.
@Suite struct RMSpropTests {
  /// One recorded run: hyperparameters and, per step, the parameter and each state.
  struct Case: Decodable, Sendable, CustomTestStringConvertible {
    var lr: Double, alpha: Double, eps: Double, momentum: Double, centered: Bool
    var weight_decay: Double
    var steps: [[String: [Double]]]
    var testDescription: String { "α \(alpha) μ \(momentum) centered \(centered) λ \(weight_decay)" }
  }

  struct Fixture: Decodable {
    var param0: [Double]
    var gradients: [[Double]]
    var cases: [Case]
  }

  static let fixture: Fixture? = RepoRoot.read("bench/reference/rmsprop_reference.json")
    .flatMap { try? JSONDecoder().decode(Fixture.self, from: Data($0.utf8)) }

  @Test func theFixtureCoversEveryOptionCombination() throws {
    let f = try #require(Self.fixture, "bench/reference/rmsprop_reference.json is missing or malformed")
    let combinations = Set(f.cases.map { "\($0.alpha) \($0.momentum > 0) \($0.centered) \($0.weight_decay > 0)" })
    #expect(combinations.count == 16 && f.cases.allSatisfy { $0.steps.count == 10 })
  }

  /// How far from PyTorch an entry may be, relative to the largest entry of its tensor.
  /// The kernel fuses the multiply-adds PyTorch's CPU kernels fuse, but the comparison
  /// still cannot be exact: PyTorch's vectorized square root is SLEEF's, within 0.5001 ULP
  /// and not correctly rounded (on 1,000 random floats, 194 square roots differ from the
  /// correctly rounded ones the kernel computes). Those one-ULP differences compound over
  /// ten steps, most where the centered variance `v − ḡ²` cancels: the worst entry is
  /// 1.3e-7 off; a wrong formula, order, fusion or scalar is off by far more.
  static let tolerance = 1e-6

  /// Every step's parameter and state close to PyTorch's (see `tolerance`).
  @Test(arguments: fixture?.cases ?? [])
  func matchesPyTorch(_ c: Case) throws {
    let f = try #require(Self.fixture)
    let n = f.param0.count
    var p = f.param0.map(Float.init)
    var (square, buffer, mean) = ([Float](repeating: 0, count: n), [Float](repeating: 0, count: n), [Float](repeating: 0, count: n))
    for (t, recorded) in c.steps.enumerated() {
      let g = f.gradients[t].map(Float.init)
      p.withUnsafeMutableBufferPointer { p in
        square.withUnsafeMutableBufferPointer { square in
          buffer.withUnsafeMutableBufferPointer { buffer in
            mean.withUnsafeMutableBufferPointer { mean in
              OptimizerKernel.rmsprop(
                parameter: p.baseAddress!, grad: g, squareAvg: square.baseAddress!,
                momentumBuffer: c.momentum > 0 ? buffer.baseAddress! : nil, gradAvg: c.centered ? mean.baseAddress! : nil,
                count: n, lr: Float(c.lr), alpha: c.alpha, eps: c.eps, momentum: c.momentum, weightDecay: c.weight_decay)
            }
          }
        }
      }
      var ours: [String: [Float]] = ["param": p, "square_avg": square]
      if c.momentum > 0 { ours["momentum_buffer"] = buffer }
      if c.centered { ours["grad_avg"] = mean }
      #expect(Set(ours.keys) == Set(recorded.keys), "step \(t + 1)")
      for (name, reference) in recorded {
        let scale = reference.map(abs).max() ?? 0
        for (i, (a, b)) in zip(ours[name] ?? [], reference).enumerated() {
          #expect(abs(Double(a) - b) <= Self.tolerance * scale,
                  "step \(t + 1) \(name)[\(i)]: \(a) vs PyTorch \(b), off by \(abs(Double(a) - b) / scale) of the tensor's largest entry")
        }
      }
    }
  }

  /// The state that does not take part stays untouched: no buffer without momentum, no
  /// mean unless centered (autodiff then gives the update no such operand at all).
  @Test func absentStateIsNeitherReadNorWritten() {
    var p: [Float] = [1, -2], square: [Float] = [0, 0]
    let g: [Float] = [0.5, 0.25]
    OptimizerKernel.rmsprop(parameter: &p, grad: g, squareAvg: &square, momentumBuffer: nil, gradAvg: nil, count: 2, lr: 0.01,
                            alpha: 0.99, eps: 1e-8, momentum: 0, weightDecay: 0)
    // First step: v = 0.01·g², so θ moves by lr·g/(0.1·|g|) = 0.1 against the gradient's sign.
    #expect(abs(p[0] - 0.9) < 1e-6 && abs(p[1] - -2.1) < 1e-6)
  }
}
