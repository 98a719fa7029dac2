import Foundation
import Testing

@testable import DLCKernels

private typealias Tensor = KernelTesting.Tensor

/// Sample mean and standard deviation, in Double.
private func moments(_ values: [Float]) -> (mean: Double, std: Double) {
  let mean = values.reduce(0) { $0 + Double($1) } / Double(values.count)
  let variance = values.reduce(0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(values.count)
  return (mean, variance.squareRoot())
}

@Suite struct InitializersTests {
  /// torch.nn.init._calculate_fan_in_and_fan_out: dense [out, in], conv [out, in, kh, kw].
  @Test func fansFollowPyTorch() {
    #expect(InitKernel.fans(shape: [512, 784]) == (784, 512))
    #expect(InitKernel.fans(shape: [32, 3, 5, 5]) == (75, 800))
    #expect(InitKernel.fans(shape: [192, 64]) == (64, 192))
    #expect(InitKernel.fans(shape: [10]) == (10, 10))
  }

  /// torch.nn.init.calculate_gain.
  @Test func gainsFollowPyTorch() {
    #expect(InitKernel.gain(nonlinearity: "relu", a: 0) == Float(2).squareRoot())
    #expect(InitKernel.gain(nonlinearity: "leaky_relu", a: 0) == Float(2).squareRoot())
    #expect(abs(InitKernel.gain(nonlinearity: "leaky_relu", a: 0.2) - Float(2 / 1.04).squareRoot()) < 1e-7)
    #expect(InitKernel.gain(nonlinearity: "tanh", a: 0) == Float(5) / 3)
    #expect(InitKernel.gain(nonlinearity: "sigmoid", a: 0) == 1)
    #expect(InitKernel.gain(nonlinearity: "linear", a: 0) == 1)
    #expect(InitKernel.gain(nonlinearity: "selu", a: 0) == 0.75)
  }

  /// kaiming_normal (He et al. 2015) on a 512×784 dense weight: std = √2/√784 = 0.0505.
  /// Over 401 408 draws the sample std is within 0.5% of it (its standard error is 0.11%).
  @Test func kaimingNormalStatistics() {
    let (fanIn, _) = InitKernel.fans(shape: [512, 784])
    let std = InitKernel.gain(nonlinearity: "relu", a: 0) / Float(fanIn).squareRoot()
    let y = Tensor(count: 512 * 784)
    InitKernel.normal(y.m, count: y.count, mean: 0, std: std, stream: RandomStream(seed: 7, purpose: .initialization, id: 0))
    let (mean, sampleStd) = moments(y.array)
    #expect(abs(mean) < 3e-4)
    #expect(abs(sampleStd / Double(std) - 1) < 0.005, "std \(sampleStd) vs \(std)")
  }

  /// xavier_uniform (Glorot & Bengio 2010): U(−a, a) with a = √(6/(fan_in + fan_out));
  /// every value inside, the extremes near ±a, the variance a²/3.
  @Test func xavierUniformBound() {
    let fans = InitKernel.fans(shape: [512, 784])
    let bound = (6 / Float(fans.fanIn + fans.fanOut)).squareRoot()
    let y = Tensor(count: 512 * 784)
    InitKernel.uniform(y.m, count: y.count, low: -bound, high: bound, stream: RandomStream(seed: 7, purpose: .initialization, id: 1))
    let values = y.array
    #expect(values.allSatisfy { $0 >= -bound && $0 < bound })
    #expect(values.min()! < -0.999 * bound && values.max()! > 0.999 * bound)
    let (mean, std) = moments(values)
    #expect(abs(mean) < 1e-3 * Double(bound) * 3)
    #expect(abs(std / (Double(bound) / 3.0.squareRoot()) - 1) < 0.005)
  }

  @Test func sameStreamSameValues() {
    let stream = RandomStream(seed: 123, purpose: .initialization, id: 4)
    let (a, b, c) = (Tensor(count: 70_001), Tensor(count: 70_001), Tensor(count: 70_001))
    InitKernel.normal(a.m, count: a.count, mean: 1, std: 2, stream: stream)
    InitKernel.normal(b.m, count: b.count, mean: 1, std: 2, stream: stream)
    InitKernel.normal(c.m, count: c.count, mean: 1, std: 2, stream: RandomStream(seed: 123, purpose: .initialization, id: 5))
    #expect(a.array == b.array)
    #expect(a.array != c.array)
    // Element i is element i of the stream, whatever the split over threads.
    #expect(a.array[70_000] == 1 + 2 * stream.normal(at: 70_000))
  }

  @Test func constants() {
    let y = Tensor(count: 5)
    InitKernel.zeros(y.m, count: 5)
    #expect(y.array == [0, 0, 0, 0, 0])
    InitKernel.constant(y.m, count: 5, value: 0.25)
    #expect(y.array == [0.25, 0.25, 0.25, 0.25, 0.25])
  }
}
