import DLCIR
import DLCKernels

/// batchnorm, layernorm and dropout, in inference and training forms, and their gradients.
let normalizationBindings: [String: KernelBinding] = [
  "batchnorm": KernelBinding { v in
    [
      KernelCall("BatchNormKernel.inferenceForward", batchNormParameters(v) + [.init("y", .result(0))] + batchNormSizes(v.dims(0)) + [
        .init("eps", .float(v.attributes.float("eps")))
      ]) { a in
        let (x, g, b, rm, rv, y) = (a.f32("x"), a.pinned("gamma"), a.pinned("beta"), a.f32("runningMean"), a.f32("runningVar"), a.f32("y"))
        let (n, c, spatial, eps) = (a.int("batch"), a.int("channels"), a.int("spatial"), a.float("eps"))
        return {
          BatchNormKernel.inferenceForward(x: x, gamma: g.base, beta: b.base, runningMean: rm, runningVar: rv, y: y,
                                           batch: n, channels: c, spatial: spatial, eps: eps)
        }
      }
    ]
  },
  "batchnorm_train": KernelBinding { v in
    [
      KernelCall("BatchNormKernel.trainForward", batchNormParameters(v) + [
        .init("y", .result(0)), .init("mean", .result(1)), .init("invstd", .result(2)),
      ] + batchNormSizes(v.dims(0)) + [
        .init("momentum", .float(v.attributes.float("momentum"))), .init("eps", .float(v.attributes.float("eps"))),
      ]) { a in
        let (x, g, b, rm, rv) = (a.f32("x"), a.pinned("gamma"), a.pinned("beta"), a.f32("runningMean"), a.f32("runningVar"))
        let (y, mean, invstd) = (a.f32("y"), a.f32("mean"), a.f32("invstd"))
        let (n, c, spatial, momentum, eps) = (a.int("batch"), a.int("channels"), a.int("spatial"), a.float("momentum"), a.float("eps"))
        return {
          BatchNormKernel.trainForward(x: x, gamma: g.base, beta: b.base, runningMean: rm, runningVar: rv, y: y, mean: mean, invstd: invstd,
                                       batch: n, channels: c, spatial: spatial, momentum: momentum, eps: eps)
        }
      }
    ]
  },
  // (%dy, %x, [@gamma], %mean, %invstd) → (dx, [dgamma, dbeta]). Without gamma the kernel
  // runs with γ = 1 and sums dγ and dβ (which dx needs) into the op's scratch.
  "batchnorm_grad": KernelBinding(scratchBytes: { v, _ in v.operandCount == 5 ? 0 : 2 * v.dims(1)[1].factor * 4 }) { v in
    let affine = v.operandCount == 5
    let channels = v.dims(1)[1]
    let (mean, invstd) = affine ? (3, 4) : (2, 3)
    return [
      KernelCall("BatchNormKernel.backward", [
        .init("dy", .operand(0)), .init("x", .operand(1)), .init("gamma", affine ? .operand(2) : ones(channels)),
        .init("mean", .operand(mean)), .init("invstd", .operand(invstd)), .init("dx", .result(0)),
        .init("dgamma", affine ? .result(1) : .scratch(offset: nil, element: .f32)),
        .init("dbeta", affine ? .result(2) : .scratch(offset: channels, element: .f32)),
      ] + batchNormSizes(v.dims(1))) { a in
        let (dy, x, g, mean, invstd) = (a.f32("dy"), a.f32("x"), a.pinned("gamma"), a.f32("mean"), a.f32("invstd"))
        let (dx, dg, db) = (a.f32("dx"), a.f32("dgamma"), a.f32("dbeta"))
        let (n, c, spatial) = (a.int("batch"), a.int("channels"), a.int("spatial"))
        return {
          BatchNormKernel.backward(dy: dy, x: x, gamma: g.base, mean: mean, invstd: invstd, dx: dx, dgamma: dg, dbeta: db,
                                   batch: n, channels: c, spatial: spatial)
        }
      }
    ]
  },
  // (%x, [@gamma, @beta]) {groups, eps}
  "groupnorm": KernelBinding { v in
    [
      KernelCall("GroupNormKernel.forward", [
        .init("x", .operand(0)), .init("gamma", .optionalOperand(1)), .init("beta", .optionalOperand(2)), .init("y", .result(0)),
      ] + groupNormSizes(v, v.dims(0))) { a in
        let (x, g, b, y) = (a.f32("x"), a.optionalF32("gamma"), a.optionalF32("beta"), a.f32("y"))
        let (n, c, spatial, groups, eps) = (a.int("batch"), a.int("channels"), a.int("spatial"), a.int("groups"), a.float("eps"))
        return {
          GroupNormKernel.forward(x: x, gamma: g, beta: b, y: y, batch: n, channels: c, spatial: spatial, groups: groups, eps: eps)
        }
      }
    ]
  },
  // (%dy, %x, [@gamma]) → (dx, [dgamma, dbeta]); the scratch holds each group's mean and rstd.
  "groupnorm_grad": KernelBinding(scratchBytes: { v, batch in 2 * batch * v.attributes.int("groups") * 4 }) { v in
    let affine = v.op.results.count == 3
    return [
      KernelCall("GroupNormKernel.backward", [
        .init("dy", .operand(0)), .init("x", .operand(1)), .init("gamma", .optionalOperand(2)), .init("dx", .result(0)),
        .init("dgamma", affine ? .result(1) : .none), .init("dbeta", affine ? .result(2) : .none),
        .init("statistics", .scratch(offset: nil, element: .f32)),
      ] + groupNormSizes(v, v.dims(1))) { a in
        let (dy, x, g, dx, dg, db) = (a.f32("dy"), a.f32("x"), a.optionalF32("gamma"), a.f32("dx"), a.optionalF32("dgamma"), a.optionalF32("dbeta"))
        let (statistics, n, c, spatial) = (a.f32("statistics"), a.int("batch"), a.int("channels"), a.int("spatial"))
        let (groups, eps) = (a.int("groups"), a.float("eps"))
        return {
          GroupNormKernel.backward(dy: dy, x: x, gamma: g, dx: dx, dgamma: dg, dbeta: db, statistics: statistics,
                                   batch: n, channels: c, spatial: spatial, groups: groups, eps: eps)
        }
      }
    ]
  },
  "layernorm": KernelBinding { v in
    [
      KernelCall("LayerNormKernel.forward", [
        .init("x", .operand(0)), .init("gamma", .operand(1)), .init("beta", .operand(2)), .init("y", .result(0)),
      ] + layerNormSizes(v.dims(0)) + [.init("eps", .float(v.attributes.float("eps")))]) { a in
        let (x, g, b, y) = (a.f32("x"), a.f32("gamma"), a.f32("beta"), a.f32("y"))
        let (rows, features, eps) = (a.int("rows"), a.int("features"), a.float("eps"))
        return { LayerNormKernel.forward(x: x, gamma: g, beta: b, y: y, rows: rows, features: features, eps: eps) }
      }
    ]
  },
  "layernorm_grad": KernelBinding { v in
    [
      KernelCall("LayerNormKernel.backward", [
        .init("dy", .operand(0)), .init("x", .operand(1)), .init("gamma", .operand(2)), .init("dx", .result(0)),
        .init("dgamma", .result(1)), .init("dbeta", .result(2)),
      ] + layerNormSizes(v.dims(1)) + [.init("eps", .float(v.attributes.float("eps")))]) { a in
        let (dy, x, g, dx, dg, db) = (a.f32("dy"), a.f32("x"), a.f32("gamma"), a.f32("dx"), a.f32("dgamma"), a.f32("dbeta"))
        let (rows, features, eps) = (a.int("rows"), a.int("features"), a.float("eps"))
        return { LayerNormKernel.backward(dy: dy, x: x, gamma: g, dx: dx, dgamma: dg, dbeta: db, rows: rows, features: features, eps: eps) }
      }
    ]
  },
  // The inference form is the identity.
  "dropout": KernelBinding { v in [copyCall(v)] },
  // (%x, %step): the mask is drawn from the op's stream at the step.
  "dropout_train": KernelBinding { v in
    [
      KernelCall("DropoutKernel.forward", [
        .init("x", .operand(0)), .init("y", .result(0)), .init("count", .size(v.count(0))),
        .init("rate", .float(v.attributes.float("rate"))), .init("stream", .stream(step: 1)),
      ]) { a in
        let (x, y, n, rate, stream) = (a.f32("x"), a.f32("y"), a.int("count"), a.float("rate"), a.stream("stream"))
        return { DropoutKernel.forward(x: x, y: y, count: n, rate: rate, stream: stream.current) }
      }
    ]
  },
  "dropout_grad": KernelBinding { v in
    [
      KernelCall("DropoutKernel.backward", [
        .init("dy", .operand(0)), .init("dx", .result(0)), .init("count", .size(v.count(0))),
        .init("rate", .float(v.attributes.float("rate"))), .init("stream", .stream(step: 1)),
      ]) { a in
        let (dy, dx, n, rate, stream) = (a.f32("dy"), a.f32("dx"), a.int("count"), a.float("rate"), a.stream("stream"))
        return { DropoutKernel.backward(dy: dy, dx: dx, count: n, rate: rate, stream: stream.current) }
      }
    ]
  },
]

/// (%x, [@gamma, @beta], @running_mean, @running_var) of the forward forms; without an
/// affine part γ and β are the constants 1 and 0, so the kernel is the same.
private func batchNormParameters(_ v: OpView) -> [KernelArgument] {
  let affine = v.operandCount == 5
  let channels = v.dims(0)[1]
  return [
    .init("x", .operand(0)), .init("gamma", affine ? .operand(1) : ones(channels)),
    .init("beta", affine ? .operand(2) : .pinnedFloats(name: "identityShift", [Float](repeating: 0, count: channels.factor))),
    .init("runningMean", .operand(affine ? 3 : 1)), .init("runningVar", .operand(affine ? 4 : 2)),
  ]
}

/// γ = 1 for a batchnorm without an affine part.
private func ones(_ channels: Extent) -> KernelValue {
  .pinnedFloats(name: "identityScale", [Float](repeating: 1, count: channels.factor))
}

/// Group norm's sizes over x [N, C, …] (everything after the channels is spatial), its
/// groups and eps.
private func groupNormSizes(_ v: OpView, _ x: [Extent]) -> [KernelArgument] {
  batchNormSizes(x) + [.init("groups", .int(v.attributes.int("groups"))), .init("eps", .float(v.attributes.float("eps")))]
}

/// A Float array kept at a fixed address for as long as a bound call holds it, or an
/// operand's address (owned elsewhere).
final class PinnedFloats {
  /// The first element.
  let base: UnsafeMutablePointer<Float>
  private let owned: Bool

  init(_ values: [Float]) {
    base = .allocate(capacity: max(1, values.count))
    base.initialize(from: values, count: values.count)
    owned = true
  }

  init(pointer: UnsafeMutablePointer<Float>) {
    base = pointer
    owned = false
  }

  deinit { if owned { base.deallocate() } }
}

extension KernelArguments {
  /// A Float operand or constant array, as a pointer that stays valid while the result lives.
  func pinned(_ label: String) -> PinnedFloats {
    switch value(label) {
    case .floats(let values): return PinnedFloats(values)
    default: return PinnedFloats(pointer: f32(label))
    }
  }
}

/// Batch norm's sizes over x [N, C, …]: everything after the channels is spatial.
private func batchNormSizes(_ x: [Extent]) -> [KernelArgument] {
  [.init("batch", .size(x[0])), .init("channels", .size(x[1])), .init("spatial", .size(Extent.product(x[2...])))]
}

/// Layer norm's sizes: rows of the last axis.
private func layerNormSizes(_ x: [Extent]) -> [KernelArgument] {
  let features = x[x.count - 1]
  return [.init("rows", .size(Extent.product(x) / features.factor)), .init("features", .size(features))]
}

/// y = x, element by element (ops that only move data).
func copyCall(_ v: OpView) -> KernelCall {
  KernelCall("ElementwiseKernel.copy", [
    .init("x", .operand(0), labelled: false), .init("to", .result(0)), .init("count", .size(v.count(0))),
  ]) { a in
    let (x, y, n) = (a.f32("x"), a.f32("to"), a.int("count"))
    return { ElementwiseKernel.copy(x, to: y, count: n) }
  }
}
