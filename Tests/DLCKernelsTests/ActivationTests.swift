import Foundation
import Testing

@testable import DLCKernels

private typealias Tensor = KernelTesting.Tensor

/// The activations under test, with their Double reference forms.
enum ActivationCase: String, CaseIterable, Sendable, CustomTestStringConvertible {
  case relu, leakyRelu, sigmoid, tanh, gelu, geluTanh, elu

  var testDescription: String { rawValue }

  /// The activation in Double, from its defining formula.
  func reference(_ x: Double) -> Double {
    switch self {
    case .relu: return max(x, 0)
    case .leakyRelu: return x > 0 ? x : 0.1 * x
    case .sigmoid: return 1 / (1 + Foundation.exp(-x))
    case .tanh: return Foundation.tanh(x)
    case .gelu: return 0.5 * x * (1 + Foundation.erf(x / 2.0.squareRoot()))
    case .geluTanh:
      return 0.5 * x * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x)))
    case .elu: return x > 0 ? x : 0.7 * (Foundation.exp(x) - 1)
    }
  }

  /// The formula's kernels.
  var kernels: PointwiseKernels {
    switch self {
    case .relu: return PointwiseKernels(ReLU.self)
    case .leakyRelu: return PointwiseKernels(LeakyReLU.self)
    case .sigmoid: return PointwiseKernels(Sigmoid.self)
    case .tanh: return PointwiseKernels(Tanh.self)
    case .gelu, .geluTanh: return PointwiseKernels(GELU.self)
    case .elu: return PointwiseKernels(ELU.self)
    }
  }

  /// The parameter pack: leaky_relu's slope 0.1, gelu's form (0 exact, 1 tanh).
  var parameters: PointwiseParameters {
    switch self {
    case .leakyRelu: return PointwiseParameters(0.1)
    case .geluTanh: return PointwiseParameters(1)
    case .elu: return PointwiseParameters(0.7)
    default: return PointwiseParameters()
    }
  }

  /// Whether the derivative reads the forward result y (as the rows say).
  var fromOutput: Bool { self == .sigmoid || self == .tanh || self == .elu }

  /// The formula on one element.
  func formulaForward(_ x: Float) -> Float {
    switch self {
    case .relu: return ReLU.forward(x, parameters)
    case .leakyRelu: return LeakyReLU.forward(x, parameters)
    case .sigmoid: return Sigmoid.forward(x, parameters)
    case .tanh: return Tanh.forward(x, parameters)
    case .gelu, .geluTanh: return GELU.forward(x, parameters)
    case .elu: return ELU.forward(x, parameters)
    }
  }

  /// Runs the forward kernel.
  func forward(_ x: KernelTesting.Tensor, _ y: KernelTesting.Tensor) {
    kernels.forward(x.p, y.m, x.count, parameters, false)
  }

  /// Runs the backward kernel on x or on the forward result y.
  func backward(dy: KernelTesting.Tensor, x: KernelTesting.Tensor, y: KernelTesting.Tensor, dx: KernelTesting.Tensor) {
    kernels.backward(dy.p, fromOutput ? y.p : x.p, dx.m, x.count, parameters, false)
  }
}

/// Inputs in [-4, 4) kept at least 0.05 away from 0, so ReLU's kink is not straddled by
/// a finite difference.
private func inputs(_ count: Int, seed: UInt64) -> [Float] {
  KernelTesting.random(count, seed: seed, scale: 4).map { abs($0) < 0.05 ? $0 + 0.1 : $0 }
}

@Suite struct ActivationTests {
  @Test(arguments: ActivationCase.allCases, [1, 7, 1000, 100_003])
  func forwardMatchesReference(kind: ActivationCase, count: Int) {
    let values = inputs(count, seed: 1)
    let (x, y) = (Tensor(values), Tensor(count: count))
    kind.forward(x, y)
    KernelTesting.expectClose(y.array, values.map { kind.reference(Double($0)) }, tolerance: 1e-6, "\(kind)")
  }

  @Test(arguments: ActivationCase.allCases, [1, 7, 257, 70_001])
  func backwardMatchesFiniteDifferences(kind: ActivationCase, count: Int) {
    let values = inputs(count, seed: 2), r = KernelTesting.random(count, seed: 3)
    let (x, y, dy, dx) = (Tensor(values), Tensor(count: count), Tensor(r), Tensor(count: count))
    kind.forward(x, y)
    kind.backward(dy: dy, x: x, y: y, dx: dx)
    // L = Σ r ⊙ f(x) in Double. f acts elementwise, so the central difference of L along
    // eᵢ is rᵢ·(f(xᵢ + h) − f(xᵢ − h))/2h: all other terms cancel. h = 1e-4 in Double
    // leaves ~1e-8 truncation; sigmoid/tanh backward reads the Float y (~1e-7).
    let h = 1e-4
    let differences = zip(r, values).map { r, v in
      Double(r) * (kind.reference(Double(v) + h) - kind.reference(Double(v) - h)) / (2 * h)
    }
    KernelTesting.expectClose(dx.array, differences, tolerance: 1e-5, "\(kind) backward")
  }

  @Test func publishedValues() {
    let x = Tensor([1, 0, -1])
    let y = Tensor(count: 3)
    PointwiseKernel.forward(GELU.self, x: x.p, y: y.m, count: 3, parameters: PointwiseParameters(0), transcendental: true)
    #expect(abs(y.array[0] - 0.841_344_75) < 1e-6)  // Φ(1) = 0.8413447
    PointwiseKernel.forward(GELU.self, x: x.p, y: y.m, count: 3, parameters: PointwiseParameters(1), transcendental: true)
    #expect(abs(y.array[0] - 0.841_192_0) < 1e-6)  // PyTorch nn.GELU("tanh")(1)
    PointwiseKernel.forward(Sigmoid.self, x: x.p, y: y.m, count: 3, parameters: PointwiseParameters(), transcendental: true)
    #expect(y.array[1] == 0.5)
    PointwiseKernel.forward(ReLU.self, x: x.p, y: y.m, count: 3, parameters: PointwiseParameters(), transcendental: false)
    #expect(y.array == [1, 0, 0])
  }

  /// PyTorch's `nn.ELU(alpha)`: x for x > 0, else alpha·(eˣ − 1), values from that formula
  /// in double precision (e⁻¹ = 0.36787944117, e⁻² = 0.13533528324, e⁻¹⁰ = 4.539993e-5).
  /// The derivative from y: dy for y > 0, else dy·(y + alpha), alpha·dy at 0.
  @Test func eluPublishedValues() {
    let x = Tensor([2, 0, -1, -2, -10])
    let (y, dx) = (Tensor(count: 5), Tensor(count: 5))
    PointwiseKernel.forward(ELU.self, x: x.p, y: y.m, count: 5, parameters: PointwiseParameters(1), transcendental: true)
    KernelTesting.expectClose(y.array, [2, 0, -0.632_120_558_8, -0.864_664_716_8, -0.999_954_600_1], tolerance: 1e-6, "elu")
    PointwiseKernel.forward(ELU.self, x: x.p, y: y.m, count: 5, parameters: PointwiseParameters(0.5), transcendental: true)
    KernelTesting.expectClose(y.array, [2, 0, -0.316_060_279_4, -0.432_332_358_4, -0.499_977_300_0], tolerance: 1e-6, "elu 0.5")
    let dy = Tensor([3, 3, 3, 3, 3])
    PointwiseKernel.backward(ELU.self, dy: dy.p, saved: y.p, dx: dx.m, count: 5, parameters: PointwiseParameters(0.5), transcendental: false)
    // 3·alpha·eˣ: 1.5 at 0, 1.5·e⁻¹ = 0.551819161, 1.5·e⁻² = 0.203002925, 1.5·e⁻¹⁰.
    KernelTesting.expectClose(dx.array, [3, 1.5, 0.551_819_161_8, 0.203_002_924_9, 0.000_068_099_9], tolerance: 1e-6, "elu backward")
  }

  @Test func reluGradientIsZeroAtZero() {
    let (x, dy, dx) = (Tensor([0, 2, -2]), Tensor([5, 5, 5]), Tensor(count: 3))
    PointwiseKernel.backward(ReLU.self, dy: dy.p, saved: x.p, dx: dx.m, count: 3, parameters: PointwiseParameters(), transcendental: false)
    #expect(dx.array == [0, 5, 0])
  }

  /// The split loop (two threads' worth of elements at the transcendental grain) gives
  /// what the loop on one thread gives, element for element.
  @Test(arguments: ActivationCase.allCases)
  func splitLoopsMatchOneThread(kind: ActivationCase) {
    let count = 4 * PointwiseKernel.grain + 3
    let values = inputs(count, seed: 4)
    let (x, split, single) = (Tensor(values), Tensor(count: count), Tensor(count: count))
    kind.kernels.forward(x.p, split.m, count, kind.parameters, true)
    for i in 0..<count { single.m[i] = kind.formulaForward(values[i]) }
    #expect(split.array == single.array)
  }

  @Test(arguments: ActivationCase.allCases)
  func extremeInputsStayFinite(kind: ActivationCase) {
    let values: [Float] = [-1000, -90, 90, 1000]
    let (x, y, dy, dx) = (Tensor(values), Tensor(count: 4), Tensor([1, 1, 1, 1]), Tensor(count: 4))
    kind.forward(x, y)
    kind.backward(dy: dy, x: x, y: y, dx: dx)
    #expect(y.array.allSatisfy { $0.isFinite }, "\(kind) forward \(y.array)")
    #expect(dx.array.allSatisfy { $0.isFinite }, "\(kind) backward \(dx.array)")
  }
}
