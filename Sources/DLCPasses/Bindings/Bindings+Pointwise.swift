import DLCIR
import DLCKernels

/// The activations: one binding per row of the pointwise table and one per its gradient,
/// made from the row (its formula type's generic kernel, the attributes as the parameter
/// pack, the transcendental trait), and softmax.
///
/// The unfused call reads `ELU.forward(x: …, y: …, count: …, parameters: …,
/// transcendental: true)`; inside a fused loop the same formula is called per element
/// (`FunctionEmitter+Pointwise.swift`).
let pointwiseBindings: [String: KernelBinding] = {
  var table: [String: KernelBinding] = ["softmax": softmaxBinding, "softmax_grad": softmaxGradBinding]
  for row in PointwiseOps.all {
    guard let kernels = PointwiseKernels.named(row.name) else { preconditionFailure("no formula for '\(row.name)'") }
    table[row.name] = pointwiseBinding(row, kernels, gradient: false)
    table[row.gradientName] = pointwiseBinding(row, kernels, gradient: true)
  }
  return table
}()

/// `row(x)` → `F.forward(x:y:…)`, or `row_grad(dy, saved)` → `F.backward(dy:saved:dx:…)`.
private func pointwiseBinding(_ row: PointwiseOp, _ kernels: PointwiseKernels, gradient: Bool) -> KernelBinding {
  KernelBinding { v in
    let tail: [KernelArgument] = [
      .init("count", .size(Extent.product(v.resultDims()))), .init("parameters", .record(parameterPack(row, v))),
      .init("transcendental", .bool(OpRegistry.schema(v.op.opcode)?.traits.contains(.transcendental) == true)),
    ]
    if gradient {
      return [
        KernelCall(kernels.typeName + ".backward", [.init("dy", .operand(0)), .init("saved", .operand(1)), .init("dx", .result(0))] + tail) { a in
          let (dy, saved, dx, n, p, t) = (a.f32("dy"), a.f32("saved"), a.f32("dx"), a.int("count"), parameters(a), a.bool("transcendental"))
          let backward = kernels.backward
          return { backward(dy, saved, dx, n, p, t) }
        }
      ]
    }
    return [
      KernelCall(kernels.typeName + ".forward", [.init("x", .operand(0)), .init("y", .result(0))] + tail) { a in
        let (x, y, n, p, t) = (a.f32("x"), a.f32("y"), a.int("count"), parameters(a), a.bool("transcendental"))
        let forward = kernels.forward
        return { forward(x, y, n, p, t) }
      }
    ]
  }
}

/// The op's attributes as the formula's parameter pack (`PointwiseParameters(a:b:c:d:)`).
private func parameterPack(_ row: PointwiseOp, _ v: OpView) -> KernelRecord {
  let values = row.parameterValues(v.op.attributes)
  let fields = ["a", "b", "c", "d"].enumerated().map { i, label in
    KernelArgument(label, .float(i < values.count ? values[i] : 0))
  }
  return KernelRecord("PointwiseParameters", fields, suffix: "_parameters")
}

/// The resolved parameter pack of a call.
private func parameters(_ a: KernelArguments) -> PointwiseParameters {
  let r = a.record("parameters")
  return PointwiseParameters(a: r.float("a"), b: r.float("b"), c: r.float("c"), d: r.float("d"))
}

/// softmax(x) {axis}: rows along the axis.
private let softmaxBinding = KernelBinding { v in
  let (outer, size, inner) = Extent.split(v.dims(0), perSampleAxis: v.attributes.int("axis"))
  return [
    KernelCall("SoftmaxKernel.forward", [
      .init("x", .operand(0)), .init("y", .result(0)), .init("outer", .size(outer)), .init("axis", .size(size)),
      .init("inner", .size(inner)),
    ]) { a in
      let (x, y, outer, size, inner) = (a.f32("x"), a.f32("y"), a.int("outer"), a.int("axis"), a.int("inner"))
      return { SoftmaxKernel.forward(x: x, y: y, outer: outer, axis: size, inner: inner) }
    }
  ]
}

/// softmax_grad(dy, y) {axis}.
private let softmaxGradBinding = KernelBinding { v in
  let (outer, size, inner) = Extent.split(v.dims(1), perSampleAxis: v.attributes.int("axis"))
  return [
    KernelCall("SoftmaxKernel.backward", [
      .init("dy", .operand(0)), .init("y", .operand(1)), .init("dx", .result(0)), .init("outer", .size(outer)),
      .init("axis", .size(size)), .init("inner", .size(inner)),
    ]) { a in
      let (dy, y, dx, outer, size, inner) = (a.f32("dy"), a.f32("y"), a.f32("dx"), a.int("outer"), a.int("axis"), a.int("inner"))
      return { SoftmaxKernel.backward(dy: dy, y: y, dx: dx, outer: outer, axis: size, inner: inner) }
    }
  ]
}
