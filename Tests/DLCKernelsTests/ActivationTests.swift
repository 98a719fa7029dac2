import Foundation
import Testing

@testable import DLCKernels

private typealias Tensor = KernelTesting.Tensor

/// The activations under test, with their Double reference forms.
enum ActivationCase: String, CaseIterable, Sendable, CustomTestStringConvertible {
  case relu, leakyRelu, sigmoid, tanh, gelu, geluTanh, elu
  case selu, celu, silu, swish, mish, elish, hardElish, serlu, softplus, logSigmoid
  case shiftedRelu, softsign, hardSigmoid, hardSwish, hardTanh, relu6

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
    case .selu: return 1.0507009873554804934 * (x > 0 ? x : 1.6732632423543772848 * Foundation.expm1(x))
    case .celu: return x > 0 ? x : 0.7 * Foundation.expm1(x / 0.7)
    case .silu: return x / (1 + Foundation.exp(-x))
    case .swish: return x / (1 + Foundation.exp(-1.5 * x))
    case .mish: return x * Foundation.tanh(Foundation.log1p(Foundation.exp(x)))
    case .elish: return (x >= 0 ? x : Foundation.expm1(x)) / (1 + Foundation.exp(-x))
    case .hardElish: return (x >= 0 ? x : Foundation.expm1(x)) * Swift.min(Swift.max((x + 1) / 2, 0), 1)
    case .serlu: return x >= 0 ? 1.07862 * x : 1.07862 * 2.90427 * x * Foundation.exp(x)
    case .softplus: return 2 * x > 5 ? x : Foundation.log1p(Foundation.exp(2 * x)) / 2
    case .logSigmoid: return Swift.min(x, 0) - Foundation.log1p(Foundation.exp(-abs(x)))
    case .shiftedRelu: return Swift.max(x, 0) - 0.5
    case .softsign: return x / (1 + abs(x))
    case .hardSigmoid: return Swift.min(Swift.max(x + 3, 0), 6) / 6
    case .hardSwish: return x * Swift.min(Swift.max(x + 3, 0), 6) / 6
    case .hardTanh: return Swift.min(Swift.max(x, -2), 0.5)
    case .relu6: return Swift.min(Swift.max(x, 0), 6)
    }
  }

  /// The formula's kernels.
  var kernels: PointwiseKernels { PointwiseKernels.named(formulaName)! }

  /// The parameter pack: leaky_relu's slope 0.1, gelu's form (0 exact, 1 tanh).
  var parameters: PointwiseParameters {
    switch self {
    case .leakyRelu: return PointwiseParameters(0.1)
    case .geluTanh: return PointwiseParameters(1)
    case .elu, .celu: return PointwiseParameters(0.7)
    case .swish: return PointwiseParameters(1.5)
    case .serlu: return PointwiseParameters(1.07862, 2.90427)
    case .softplus: return PointwiseParameters(2, 5)
    case .shiftedRelu: return PointwiseParameters(0.5)
    case .hardTanh: return PointwiseParameters(-2, 0.5)
    default: return PointwiseParameters()
    }
  }

  /// Whether the derivative reads the forward result y (as the rows say).
  var fromOutput: Bool { [.sigmoid, .tanh, .elu, .selu, .celu, .hardTanh, .relu6].contains(self) }

  /// The formula type.
  var formula: any PointwiseFormula.Type {
    switch self {
    case .relu: return ReLU.self
    case .leakyRelu: return LeakyReLU.self
    case .sigmoid: return Sigmoid.self
    case .tanh: return Tanh.self
    case .gelu, .geluTanh: return GELU.self
    case .elu: return ELU.self
    case .selu: return SELU.self
    case .celu: return CELU.self
    case .silu: return SiLU.self
    case .swish: return Swish.self
    case .mish: return Mish.self
    case .elish: return ELiSH.self
    case .hardElish: return HardELiSH.self
    case .serlu: return SERLU.self
    case .softplus: return Softplus.self
    case .logSigmoid: return LogSigmoid.self
    case .shiftedRelu: return ShiftedReLU.self
    case .softsign: return Softsign.self
    case .hardSigmoid: return HardSigmoid.self
    case .hardSwish: return HardSwish.self
    case .hardTanh: return HardTanh.self
    case .relu6: return ReLU6.self
    }
  }

  /// The row's name.
  var formulaName: String {
    switch self {
    case .leakyRelu: return "leaky_relu"
    case .geluTanh: return "gelu"
    case .hardElish: return "hard_elish"
    case .logSigmoid: return "log_sigmoid"
    case .shiftedRelu: return "shifted_relu"
    case .hardSigmoid: return "hard_sigmoid"
    case .hardSwish: return "hard_swish"
    case .hardTanh: return "hard_tanh"
    default: return rawValue
    }
  }

  /// Where the formula (or its derivative) has a kink, for these parameters: finite
  /// differences keep away from them. (softplus's threshold is where beta·x = 5.)
  var kinks: [Double] {
    switch self {
    case .relu, .leakyRelu, .elu, .celu, .selu, .serlu, .shiftedRelu: return [0]
    case .hardElish: return [-1, 1]
    case .hardSigmoid, .hardSwish: return [-3, 3]
    case .hardTanh: return [-2, 0.5]
    case .relu6: return [0, 6]
    case .softplus: return [2.5]
    default: return []
    }
  }

  /// The formula on one element.
  func formulaForward(_ x: Float) -> Float { formula.forward(x, parameters) }

  /// Runs the forward kernel.
  func forward(_ x: KernelTesting.Tensor, _ y: KernelTesting.Tensor) {
    kernels.forward(x.p, y.m, x.count, parameters, false)
  }

  /// Runs the backward kernel on x or on the forward result y.
  func backward(dy: KernelTesting.Tensor, x: KernelTesting.Tensor, y: KernelTesting.Tensor, dx: KernelTesting.Tensor) {
    kernels.backward(dy.p, fromOutput ? y.p : x.p, dx.m, x.count, parameters, false)
  }
}

/// Inputs in [-4, 4) kept at least 0.05 away from 0, ±1, ±3, −2, 2.5 and 0.5, so no kink
/// (`ActivationCase.kinks`) is straddled by a finite difference.
private func inputs(_ count: Int, seed: UInt64) -> [Float] {
  KernelTesting.random(count, seed: seed, scale: 4).map { v in
    [0, 1, -1, 3, -3, -2, 2.5, 0.5].contains { abs(v - $0) < 0.05 } ? v + 0.1 : v
  }
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

  /// The derivative just either side of every kink, against central differences of the
  /// Double reference with h = 1e-5, well inside each point's distance to its kink (≥ 1e-3),
  /// so the difference sees one smooth piece: truncation ~1e-10, and the Float formula's
  /// rounding (a few ulp of the O(1) derivative) sets the tolerance, 1e-5.
  @Test(arguments: ActivationCase.allCases.filter { !$0.kinks.isEmpty })
  func derivativeNearKinksMatchesFiniteDifferences(kind: ActivationCase) {
    let values = kind.kinks.flatMap { k in [-1e-2, -1e-3, 1e-3, 1e-2].map { Float(k + $0) } }
    let count = values.count
    let (x, y, dy, dx) = (Tensor(values), Tensor(count: count), Tensor(Array(repeating: 1, count: count)), Tensor(count: count))
    kind.forward(x, y)
    kind.backward(dy: dy, x: x, y: y, dx: dx)
    let h = 1e-5
    let differences = values.map { v in (kind.reference(Double(v) + h) - kind.reference(Double(v) - h)) / (2 * h) }
    KernelTesting.expectClose(dx.array, differences, tolerance: 1e-5, "\(kind) near its kinks")
  }

  /// swish with beta 1 computes silu's numbers to the bit, value and derivative.
  @Test func swishWithBetaOneIsSiLU() {
    for x in inputs(10_000, seed: 5) + [0, -0.0, 1e-30, -1e-30, 50, -50, 100, -100] {
      #expect(Swish.forward(x, PointwiseParameters(1)).bitPattern == SiLU.forward(x, PointwiseParameters()).bitPattern, "\(x)")
      #expect(
        Swish.derivative(dy: 0.3, x, PointwiseParameters(1)).bitPattern == SiLU.derivative(dy: 0.3, x, PointwiseParameters()).bitPattern,
        "\(x)")
    }
  }

  /// shifted_relu with shift 0 computes relu's numbers (the lowering keeps `relu` then
  /// anyway), and a shift moves every value by exactly the shift.
  @Test func shiftedReluIsReluMinusTheShift() {
    for x in inputs(1000, seed: 6) + [0, -0.0] {
      #expect(ShiftedReLU.forward(x, PointwiseParameters(0)) == ReLU.forward(x, PointwiseParameters()))
      #expect(ShiftedReLU.forward(x, PointwiseParameters(0.5)) == ReLU.forward(x, PointwiseParameters()) - 0.5)
      #expect(ShiftedReLU.derivative(dy: 2, x, PointwiseParameters(0.5)) == ReLU.derivative(dy: 2, x, PointwiseParameters()))
    }
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
