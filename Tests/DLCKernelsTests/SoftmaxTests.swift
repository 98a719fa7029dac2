import Foundation
import Testing

@testable import DLCKernels

private typealias Tensor = KernelTesting.Tensor

/// Softmax over the middle axis of [outer, axis, inner], in Double.
private func softmaxReference(_ x: [Double], outer: Int, axis: Int, inner: Int) -> [Double] {
  var y = x
  for o in 0..<outer {
    for j in 0..<inner {
      let at = (0..<axis).map { (o * axis + $0) * inner + j }
      let m = at.map { x[$0] }.max()!
      let total = at.reduce(0) { $0 + Foundation.exp(x[$1] - m) }
      for i in at { y[i] = Foundation.exp(x[i] - m) / total }
    }
  }
  return y
}

@Suite struct SoftmaxTests {
  @Test func publishedValues() {
    let (x, y) = (Tensor([1, 2, 3]), Tensor(count: 3))
    SoftmaxKernel.forward(x: x.p, y: y.m, outer: 1, axis: 3, inner: 1)
    KernelTesting.expectClose(y.array, [0.090_030_573, 0.244_728_471, 0.665_240_956], tolerance: 1e-7, "softmax [1, 2, 3]")
  }

  @Test func largeLogitsStayFinite() {
    let (x, y) = (Tensor([1000, 1000, -1000, 0]), Tensor(count: 4))
    SoftmaxKernel.forward(x: x.p, y: y.m, outer: 2, axis: 2, inner: 1)
    #expect(y.array == [0.5, 0.5, 0, 1])
  }

  @Test(arguments: [(1, 7, 1), (2, 5, 3), (3, 1, 4), (4, 6, 1), (400, 10, 10)])
  func forwardMatchesReference(outer: Int, axis: Int, inner: Int) {
    let values = KernelTesting.random(outer * axis * inner, seed: 1, scale: 5)
    let (x, y) = (Tensor(values), Tensor(count: values.count))
    SoftmaxKernel.forward(x: x.p, y: y.m, outer: outer, axis: axis, inner: inner)
    let expected = softmaxReference(values.map(Double.init), outer: outer, axis: axis, inner: inner)
    KernelTesting.expectClose(y.array, expected, tolerance: 1e-6, "softmax \(outer)x\(axis)x\(inner)")
  }

  @Test(arguments: [(1, 7, 1), (2, 5, 3), (1, 3, 5), (3, 4, 2), (400, 10, 10)])
  func backwardMatchesFiniteDifferences(outer: Int, axis: Int, inner: Int) {
    let count = outer * axis * inner
    let values = KernelTesting.random(count, seed: 2, scale: 3), r = KernelTesting.random(count, seed: 3)
    let (x, y, dy, dx) = (Tensor(values), Tensor(count: count), Tensor(r), Tensor(count: count))
    SoftmaxKernel.forward(x: x.p, y: y.m, outer: outer, axis: axis, inner: inner)
    SoftmaxKernel.backward(dy: dy.p, y: y.p, dx: dx.m, outer: outer, axis: axis, inner: inner)
    // Each Double reference evaluation is O(count): sample fewer elements of big tensors.
    let samples = count > 10_000 ? 12 : 64
    KernelTesting.expectGradient(dx.array, at: values, samples: samples, "softmax backward \(outer)x\(axis)x\(inner)") {
      point in
      KernelTesting.dot(r, softmaxReference(point, outer: outer, axis: axis, inner: inner))
    }
  }

  /// log_softmax is ln of softmax, strided lines included.
  @Test(arguments: [(1, 7, 1), (2, 5, 3), (3, 1, 4), (400, 10, 10)])
  func logSoftmaxIsTheLogOfSoftmax(outer: Int, axis: Int, inner: Int) {
    let values = KernelTesting.random(outer * axis * inner, seed: 4, scale: 5)
    let (x, y) = (Tensor(values), Tensor(count: values.count))
    LogSoftmaxKernel.forward(x: x.p, y: y.m, outer: outer, axis: axis, inner: inner)
    let expected = softmaxReference(values.map(Double.init), outer: outer, axis: axis, inner: inner).map { Foundation.log($0) }
    KernelTesting.expectClose(y.array, expected, tolerance: 1e-6, "log_softmax \(outer)x\(axis)x\(inner)")
  }

  /// Logits whose exponentials overflow without the max stay finite and exact.
  @Test func logSoftmaxOfLargeLogitsStaysFinite() {
    let (x, y) = (Tensor([1000, 1000, -1000, 0]), Tensor(count: 4))
    LogSoftmaxKernel.forward(x: x.p, y: y.m, outer: 2, axis: 2, inner: 1)
    KernelTesting.expectClose(y.array, [-0.693_147_180_6, -0.693_147_180_6, -1000, 0], tolerance: 1e-7, "log_softmax of large logits")
  }

  @Test(arguments: [(1, 7, 1), (2, 5, 3), (3, 4, 2), (400, 10, 10)])
  func logSoftmaxBackwardMatchesFiniteDifferences(outer: Int, axis: Int, inner: Int) {
    let count = outer * axis * inner
    let values = KernelTesting.random(count, seed: 5, scale: 3), r = KernelTesting.random(count, seed: 6)
    let (x, y, dy, dx) = (Tensor(values), Tensor(count: count), Tensor(r), Tensor(count: count))
    LogSoftmaxKernel.forward(x: x.p, y: y.m, outer: outer, axis: axis, inner: inner)
    LogSoftmaxKernel.backward(dy: dy.p, y: y.p, dx: dx.m, outer: outer, axis: axis, inner: inner)
    let samples = count > 10_000 ? 12 : 64
    KernelTesting.expectGradient(dx.array, at: values, samples: samples, "log_softmax backward \(outer)x\(axis)x\(inner)") {
      point in
      KernelTesting.dot(r, softmaxReference(point, outer: outer, axis: axis, inner: inner).map { Foundation.log($0) })
    }
  }
}
