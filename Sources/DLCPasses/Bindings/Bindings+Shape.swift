import DLCIR
import DLCKernels

/// Ops that move data or merge values: flatten, reshape, add, multiply, concat, slice.
let shapeBindings: [String: KernelBinding] = [
  "flatten": KernelBinding { v in [copyCall(v)] },
  "reshape": KernelBinding { v in [copyCall(v)] },
  // y = a + b, then each further operand added into y.
  "add": KernelBinding { v in
    let n = KernelValue.size(v.count(0))
    var calls = [
      KernelCall("ElementwiseKernel.add", [
        .init("a", .operand(0), labelled: false), .init("b", .operand(1), labelled: false), .init("y", .result(0)), .init("count", n),
      ]) { a in
        let (x0, x1, y, n) = (a.f32("a"), a.f32("b"), a.f32("y"), a.int("count"))
        return { ElementwiseKernel.add(x0, x1, y: y, count: n) }
      }
    ]
    for i in 2..<max(v.operandCount, 2) {
      calls.append(
        KernelCall("ElementwiseKernel.accumulate", [.init("x", .operand(i), labelled: false), .init("into", .result(0)), .init("count", n)]) { a in
          let (x, y, n) = (a.f32("x"), a.f32("into"), a.int("count"))
          return { ElementwiseKernel.accumulate(x, into: y, count: n) }
        })
    }
    return calls
  },
  // y = a · b, then y multiplied by each further operand.
  "multiply": KernelBinding { v in
    let n = KernelValue.size(v.count(0))
    return (1..<max(v.operandCount, 2)).map { i in
      KernelCall("ElementwiseKernel.multiply", [
        .init("a", i == 1 ? .operand(0) : .result(0), labelled: false), .init("b", .operand(i), labelled: false),
        .init("y", .result(0)), .init("count", n),
      ]) { a in
        let (x0, x1, y, n) = (a.f32("a"), a.f32("b"), a.f32("y"), a.int("count"))
        return { ElementwiseKernel.multiply(x0, x1, y: y, count: n) }
      }
    }
  },
  "concat": KernelBinding { v in
    let axis = v.attributes.int("axis")
    let parts = (0..<v.operandCount).map { (operand: $0, size: Extent.split(v.dims($0), perSampleAxis: axis).size) }
    let (outer, _, inner) = Extent.split(v.resultDims(), perSampleAxis: axis)
    return [
      KernelCall("ElementwiseKernel.concat", [
        .init("parts", .segments(parts), labelled: false), .init("y", .result(0)), .init("outer", .size(outer)),
        .init("inner", .size(inner)),
      ]) { a in
        let (parts, y, outer, inner) = (a.segments("parts"), a.f32("y"), a.int("outer"), a.int("inner"))
        return { ElementwiseKernel.concat(parts, y: y, outer: outer, inner: inner) }
      }
    ]
  },
  "slice": KernelBinding { v in
    let (outer, size, inner) = Extent.split(v.dims(0), perSampleAxis: v.attributes.int("axis"))
    return [
      KernelCall("ElementwiseKernel.slice", [
        .init("x", .operand(0)), .init("y", .result(0)), .init("outer", .size(outer)), .init("axisSize", .size(size)),
        .init("start", .int(v.attributes.int("start"))), .init("length", .int(v.attributes.int("length"))), .init("inner", .size(inner)),
      ]) { a in
        let (x, y, outer, size, inner) = (a.f32("x"), a.f32("y"), a.int("outer"), a.int("axisSize"), a.int("inner"))
        let (start, length) = (a.int("start"), a.int("length"))
        return { ElementwiseKernel.slice(x: x, y: y, outer: outer, axisSize: size, start: start, length: length, inner: inner) }
      }
    ]
  },
]
