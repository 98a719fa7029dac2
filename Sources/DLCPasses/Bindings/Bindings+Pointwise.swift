import DLCIR
import DLCKernels

/// The activations: one binding per row of the pointwise table and one per its gradient,
/// made from the row (its formula type's generic kernel, the attributes as the parameter
/// pack, the transcendental trait), softmax and log_softmax.
///
/// The unfused call reads `ELU.forward(x: …, y: …, count: …, parameters: …,
/// transcendental: true)`; inside a fused loop the same formula is called per element
/// (`FunctionEmitter+Pointwise.swift`).
let pointwiseBindings: [String: KernelBinding] = {
  var table: [String: KernelBinding] = [
    "softmax": alongAxisBinding("SoftmaxKernel"), "softmax_grad": alongAxisGradientBinding("SoftmaxKernel"),
    "log_softmax": alongAxisBinding("LogSoftmaxKernel"), "log_softmax_grad": alongAxisGradientBinding("LogSoftmaxKernel"),
  ]
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

/// The kernels of softmax and log_softmax, by the name emitted code calls them by.
private let alongAxisKernels: [String: (forward: AlongAxisForward, backward: AlongAxisBackward)] = [
  "SoftmaxKernel": (SoftmaxKernel.forward, SoftmaxKernel.backward),
  "LogSoftmaxKernel": (LogSoftmaxKernel.forward, LogSoftmaxKernel.backward),
]
private typealias AlongAxisForward = @Sendable (
  _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ outer: Int, _ axis: Int, _ inner: Int
) -> Void
private typealias AlongAxisBackward = @Sendable (
  _ dy: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, _ outer: Int, _ axis: Int, _ inner: Int
) -> Void

/// softmax(x) {axis} or log_softmax(x) {axis}: rows along the axis, by `kernel`.
private func alongAxisBinding(_ kernel: String) -> KernelBinding {
  guard let forward = alongAxisKernels[kernel]?.forward else { preconditionFailure("no kernel '\(kernel)'") }
  return KernelBinding { v in
    let (outer, size, inner) = Extent.split(v.dims(0), perSampleAxis: v.attributes.int("axis"))
    return [
      KernelCall(kernel + ".forward", [
        .init("x", .operand(0)), .init("y", .result(0)), .init("outer", .size(outer)), .init("axis", .size(size)),
        .init("inner", .size(inner)),
      ]) { a in
        let (x, y, outer, size, inner) = (a.f32("x"), a.f32("y"), a.int("outer"), a.int("axis"), a.int("inner"))
        return { forward(x, y, outer, size, inner) }
      }
    ]
  }
}

/// softmax_grad(dy, y) {axis} or log_softmax_grad(dy, y) {axis}, by `kernel`.
private func alongAxisGradientBinding(_ kernel: String) -> KernelBinding {
  guard let backward = alongAxisKernels[kernel]?.backward else { preconditionFailure("no kernel '\(kernel)'") }
  return KernelBinding { v in
    let (outer, size, inner) = Extent.split(v.dims(1), perSampleAxis: v.attributes.int("axis"))
    return [
      KernelCall(kernel + ".backward", [
        .init("dy", .operand(0)), .init("y", .operand(1)), .init("dx", .result(0)), .init("outer", .size(outer)),
        .init("axis", .size(size)), .init("inner", .size(inner)),
      ]) { a in
        let (dy, y, dx, outer, size, inner) = (a.f32("dy"), a.f32("y"), a.f32("dx"), a.int("outer"), a.int("axis"), a.int("inner"))
        return { backward(dy, y, dx, outer, size, inner) }
      }
    ]
  }
}
