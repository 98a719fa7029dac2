import DLCIR
import DLCKernels

/// The kernels' shape structs, written once as `KernelRecord`s over `Extent`s: the
/// interpreter resolves them at its batch, the emitter prints them as locals, and the
/// memory plans size scratch space from the same record (`Conv2DShape(record, batch:)`).
public enum KernelGeometry {
  /// The `Conv2DShape` of a convolution with input dims `x` [N, C, H, W] and weight dims
  /// `w` [K, C, kh, kw]; stride, padding and dilation from the op's attributes.
  public static func conv2D(x: [Extent], w: [Extent], _ attributes: OpAttributes) -> KernelRecord {
    let (sh, sw) = attributes.pair("stride"), (ph, pw) = attributes.pair("padding"), (dh, dw) = attributes.pair("dilation")
    return KernelRecord("Conv2DShape", [
      .init("batch", .size(x[0])), .init("inChannels", .size(x[1])), .init("height", .size(x[2])), .init("width", .size(x[3])),
      .init("outChannels", .size(w[0])), .init("kernelH", .size(w[2])), .init("kernelW", .size(w[3])), .init("strideH", .int(sh)),
      .init("strideW", .int(sw)), .init("padH", .int(ph)), .init("padW", .int(pw)), .init("dilationH", .int(dh)),
      .init("dilationW", .int(dw)),
    ])
  }

  /// The convolution geometry of a conv op in any of its forms: x and the weight come
  /// from the operands, or from the result for the gradient that produces them.
  public static func conv2D(_ v: OpView) -> KernelRecord {
    switch v.op.opcode {
    case "conv2d_grad_input": return conv2D(x: v.resultDims(), w: v.dims(1), v.attributes)
    case "conv2d_grad_weight": return conv2D(x: v.dims(1), w: v.resultDims(), v.attributes)
    default: return conv2D(x: v.dims(0), w: v.dims(1), v.attributes)
    }
  }

  /// The `Pool2DShape` of a pooling op over input dims `x` [N, C, H, W].
  public static func pool2D(input x: [Extent], _ attributes: OpAttributes) -> KernelRecord {
    let (kh, kw) = attributes.pair("size"), (sh, sw) = attributes.pair("stride"), (ph, pw) = attributes.pair("padding")
    return KernelRecord("Pool2DShape", [
      .init("batch", .size(x[0])), .init("channels", .size(x[1])), .init("height", .size(x[2])), .init("width", .size(x[3])),
      .init("windowH", .int(kh)), .init("windowW", .int(kw)), .init("strideH", .int(sh)), .init("strideW", .int(sw)),
      .init("padH", .int(ph)), .init("padW", .int(pw)),
    ])
  }

  /// The `AttentionShape` of a self-attention op: x [N, L, D] is operand 0 of the forward
  /// forms and operand 1 of the gradient.
  public static func attention(_ v: OpView) -> KernelRecord {
    let x = v.dims(v.op.opcode == "self_attention_grad" ? 1 : 0)
    return KernelRecord("AttentionShape", [
      .init("batch", .size(x[0])), .init("length", .size(x[1])), .init("width", .size(x[2])),
      .init("heads", .int(v.attributes.int("heads"))), .init("causal", .bool(v.attributes.bool("causal"))),
    ])
  }
}

extension KernelRecord {
  /// The fields at batch `batch` (a record holds only sizes, integers and booleans).
  public func resolved(batch: Int) -> KernelArguments {
    let values: [ResolvedValue] = fields.map { field in
      switch field.value {
      case .size(let e): return .int(e.value(batch: batch))
      case .int(let v): return .int(v)
      case .float(let v): return .float(v)
      case .bool(let v): return .bool(v)
      default: preconditionFailure("\(type) field '\(field.label)' is not a size, number or boolean")
      }
    }
    return KernelArguments(function: type, labels: fields.map(\.label), values: values)
  }
}

extension Conv2DShape {
  /// The shape from a `KernelGeometry.conv2D` record's resolved fields.
  public init(_ f: KernelArguments) {
    self.init(
      batch: f.int("batch"), inChannels: f.int("inChannels"), height: f.int("height"), width: f.int("width"),
      outChannels: f.int("outChannels"), kernelH: f.int("kernelH"), kernelW: f.int("kernelW"), strideH: f.int("strideH"),
      strideW: f.int("strideW"), padH: f.int("padH"), padW: f.int("padW"), dilationH: f.int("dilationH"),
      dilationW: f.int("dilationW"))
  }
}

extension Pool2DShape {
  /// The shape from a `KernelGeometry.pool2D` record's resolved fields.
  public init(_ f: KernelArguments) {
    self.init(
      batch: f.int("batch"), channels: f.int("channels"), height: f.int("height"), width: f.int("width"),
      windowH: f.int("windowH"), windowW: f.int("windowW"), strideH: f.int("strideH"), strideW: f.int("strideW"),
      padH: f.int("padH"), padW: f.int("padW"))
  }
}

extension AttentionShape {
  /// The shape from a `KernelGeometry.attention` record's resolved fields.
  public init(_ f: KernelArguments) {
    self.init(batch: f.int("batch"), length: f.int("length"), width: f.int("width"), heads: f.int("heads"), causal: f.bool("causal"))
  }
}
