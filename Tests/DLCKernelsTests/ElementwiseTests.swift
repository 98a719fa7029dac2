import Testing

@testable import DLCKernels

private typealias Tensor = KernelTesting.Tensor

@Suite struct ElementwiseTests {
  @Test(arguments: [1, 7, 100_003])
  func arithmetic(count: Int) {
    let a = KernelTesting.random(count, seed: 1), b = KernelTesting.random(count, seed: 2)
    let (ta, tb, y) = (Tensor(a), Tensor(b), Tensor(count: count))
    ElementwiseKernel.add(ta.p, tb.p, y: y.m, count: count)
    #expect(y.array == zip(a, b).map { $0 + $1 })
    ElementwiseKernel.multiply(ta.p, tb.p, y: y.m, count: count)
    #expect(y.array == zip(a, b).map { $0 * $1 })
    ElementwiseKernel.accumulate(ta.p, into: y.m, count: count)
    #expect(y.array == zip(a, b).map { $0 * $1 + $0 })
  }

  @Test func multiplyInPlace() {
    let (y, b) = (Tensor([1, 2, 3]), Tensor([4, 5, 6]))
    ElementwiseKernel.multiply(y.p, b.p, y: y.m, count: 3)
    #expect(y.array == [4, 10, 18])
  }

  @Test func copyAndFill() {
    let (x, y) = (Tensor([1, 2, 3, 4, 5]), Tensor(count: 5))
    ElementwiseKernel.copy(x.p, to: y.m, count: 5)
    #expect(y.array == [1, 2, 3, 4, 5])
    ElementwiseKernel.fill(y.m, count: 5, value: -2.5)
    #expect(y.array == [-2.5, -2.5, -2.5, -2.5, -2.5])
  }

  /// [2, 1, 2] ++ [2, 2, 2] along axis 1 → [2, 3, 2]; slicing gives each part back.
  @Test func concatThenSliceRoundTrips() {
    let a = Tensor([1, 2, 3, 4])
    let b = Tensor([10, 11, 12, 13, 20, 21, 22, 23])
    let y = Tensor(count: 12)
    ElementwiseKernel.concat([(a.p, 1), (b.p, 2)], y: y.m, outer: 2, inner: 2)
    #expect(y.array == [1, 2, 10, 11, 12, 13, 3, 4, 20, 21, 22, 23])
    let (pa, pb) = (Tensor(count: 4), Tensor(count: 8))
    ElementwiseKernel.slice(x: y.p, y: pa.m, outer: 2, axisSize: 3, start: 0, length: 1, inner: 2)
    ElementwiseKernel.slice(x: y.p, y: pb.m, outer: 2, axisSize: 3, start: 1, length: 2, inner: 2)
    #expect(pa.array == a.array)
    #expect(pb.array == b.array)
  }

  @Test func sliceOfTheLastAxis() {
    let x = Tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])
    let y = Tensor(count: 6)
    ElementwiseKernel.slice(x: x.p, y: y.m, outer: 3, axisSize: 4, start: 1, length: 2, inner: 1)
    #expect(y.array == [1, 2, 5, 6, 9, 10])
  }
}
