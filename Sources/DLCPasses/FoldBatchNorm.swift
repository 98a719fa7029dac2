import DLCIR

/// Folds inference batch normalization into the linear op beside it (per output channel):
///
///   s = γ / √(σ² + ε),  t = β − μ·s          (BN(x) = s·x + t, Ioffe & Szegedy 2015)
///   after:  BN(W·x + b) = (s⊙W)·x + (s⊙(b − μ) + β)       w'[o,…] = s[o]·w[o,…]
///   before: W·BN(x) + b = (W·diag(s))·x + (b + W·t)         w'[o,c,…] = w[o,c,…]·s[c]
///
/// A batchnorm is folded into the `dense` or `conv2d` that produces its input when that
/// result has no other reader, or else into the one `dense`/`conv2d` that reads its
/// output (for a conv only without padding: padded zeros would have been normalized
/// too). The linear op gains a bias if it had none, the batchnorm op and its parameters
/// go; a batchnorm without an affine part folds as one with γ = 1, β = 0. Every batchnorm
/// that is not folded gets a remark with the reason, and so does every layernorm and
/// groupnorm (instance norm included): they normalize each sample with its own
/// statistics, which are not known before the input is, so no weight can hold them.
/// Run on the deployed model (`@predict`, `@loss`); `@train_step` keeps batch statistics.
///
/// Before:
/// ```
/// %dense_1 = dense(%input, @dense_1.weight, @dense_1.bias) : tensor<Nx256xf32>
/// %batchnorm_1 = batchnorm(%dense_1, @batchnorm_1.gamma, @batchnorm_1.beta,
///                          @batchnorm_1.running_mean, @batchnorm_1.running_var) {eps = 1e-05, momentum = 0.1} : tensor<Nx256xf32>
/// %relu_1 = relu(%batchnorm_1) : tensor<Nx256xf32>
/// ```
/// After:
/// ```
/// %dense_1 = dense(%input, @dense_1.weight, @dense_1.bias) : tensor<Nx256xf32>
/// %relu_1 = relu(%dense_1) : tensor<Nx256xf32>
/// ```
public struct FoldBatchNorm: ModelPass {
  public let name = "fold-batchnorm"
  public let summary = "fold inference batchnorm into the dense or conv2d beside it"

  public init() {}

  public func run(on module: inout Module, context: PassContext) throws {
    let f = try module.deployedPredictIndex(for: "fold-batchnorm", help: "fold after training; the training step needs the batch statistics")
    var folded: [String] = []
    var i = 0
    while i < module.functions[f].body.count {
      let op = module.functions[f].body[i]
      if let why = Self.perSampleReason(op) {
        context.remark(name, "kept '\(op.results[0].name)': \(why)", at: op.location)
      }
      guard op.opcode == "batchnorm" else { i += 1; continue }
      switch try fold(at: i, in: f, module: &module, weights: &context.weights) {
      case .folded(let into):
        folded.append(op.results[0].name)
        context.remark(name, "folded '\(op.results[0].name)' into '\(into)'", at: op.location)
        // The batchnorm op is gone; index i now holds the next op.
      case .skipped(let why):
        context.remark(name, "kept '\(op.results[0].name)': \(why)", at: op.location)
        i += 1
      }
    }
    if folded.isEmpty, !module.functions[f].body.contains(where: { $0.opcode == "batchnorm" }) {
      context.remark(name, "no batchnorm in '@predict'")
    }
  }

  enum Outcome { case folded(into: String), skipped(String) }

  /// Why a normalization with per-sample statistics cannot fold, or nil for another op.
  static func perSampleReason(_ op: Operation) -> String? {
    let what: String
    switch op.opcode {
    case "layernorm": what = "a layernorm"
    case "groupnorm":
      let channels = op.results.first?.type.perSampleShape?.first
      what = op.attributes["groups"]?.intValue == channels ? "an instance norm (a groupnorm with one channel per group)" : "a groupnorm"
    default: return nil
    }
    return "\(what) normalizes each sample with its own mean and variance, known only with the input, so no weight can absorb it"
  }

  /// Folds the batchnorm at body index `i` of function `f`, or says why not.
  func fold(at i: Int, in f: Int, module: inout Module, weights: inout Weights?) throws -> Outcome {
    let function = module.functions[f]
    let bn = function.body[i]
    guard bn.operands.count == 5 || bn.operands.count == 3, case .value(let x) = bn.operands[0] else {
      return .skipped("unexpected operands")
    }
    let bnParams = bn.operands.dropFirst().map(\.name)
    guard bnParams.allSatisfy({ module.parameterUses($0) == 1 }) else {
      return .skipped("its parameters are shared with another op")
    }
    let uses = function.useCounts()
    let y = bn.results[0].name

    // The producer: dense/conv2d → batchnorm.
    var reasons: [String] = []
    if let p = function.definingIndex(of: x) {
      let producer = function.body[p]
      if let why = linearRefusal(producer, module: module) {
        reasons.append("its input '\(x)' \(why)")
      } else if uses[x, default: 0] != 1 {
        reasons.append("its input '\(x)' has other readers")
      } else {
        try foldAfter(producer: p, batchnorm: i, in: f, module: &module, weights: &weights)
        return .folded(into: x)
      }
    } else {
      reasons.append("its input '\(x)' is a function argument")
    }

    // The consumer: batchnorm → dense/conv2d (without padding).
    let readers = function.body.indices.filter { function.body[$0].operands.contains(.value(y)) }
    if readers.count == 1, !function.returns.contains(y), function.body[readers[0]].operands.first == .value(y) {
      let consumer = function.body[readers[0]]
      if let why = linearRefusal(consumer, module: module) {
        reasons.append("its reader '\(consumer.results.first?.name ?? consumer.opcode)' \(why)")
      } else if consumer.opcode == "conv2d", consumer.attributes["padding"]?.intList?.contains(where: { $0 != 0 }) ?? true {
        reasons.append("its reader '\(consumer.results[0].name)' pads with zeros, which the batchnorm would have shifted")
      } else {
        try foldBefore(consumer: readers[0], batchnorm: i, in: f, module: &module, weights: &weights)
        return .folded(into: consumer.results[0].name)
      }
    } else {
      reasons.append("its output is not read by exactly one dense or conv2d")
    }
    return .skipped(reasons.joined(separator: "; "))
  }

  /// Why `op` cannot absorb a batchnorm, or nil when it can.
  func linearRefusal(_ op: Operation, module: Module) -> String? {
    guard op.opcode == "dense" || op.opcode == "conv2d" else { return "comes from '\(op.opcode)', not dense or conv2d" }
    guard op.operands.count >= 2, case .param(let w) = op.operands[1], let weight = module.parameter(named: w) else {
      return "has no weight parameter"
    }
    guard weight.type.element == .f32 else { return "has \(weight.type.element.rawValue) weights" }
    guard module.parameterUses(w) == 1 else { return "shares its weight with another op" }
    if op.operands.count > 2, module.parameterUses(op.operands[2].name) != 1 { return "shares its bias with another op" }
    if op.opcode == "dense", (op.results.first?.type.rank ?? 0) != 2 { return "works on sequences" }
    return nil
  }

  /// BN(W·x + b): scales each output row of W and rewrites the bias.
  func foldAfter(producer p: Int, batchnorm i: Int, in f: Int, module: inout Module, weights: inout Weights?) throws {
    let bn = module.functions[f].body[i]
    var op = module.functions[f].body[p]
    let (w, bias) = try ensureBias(&op, module: &module, weights: &weights)
    if var values = weights {
      let (s, t) = try scaleShift(bn, weights: values)
      var wv = try values.floats(w), bv = try values.floats(bias)
      let perRow = wv.count / s.count
      for o in s.indices {
        for k in 0..<perRow { wv[o * perRow + k] *= s[o] }
        // s·(b − μ) + β = s·b + t.
        bv[o] = Float(Double(s[o]) * Double(bv[o]) + Double(t[o]))
      }
      values[w]?.storage = .f32(wv)
      values[bias]?.storage = .f32(bv)
      weights = values
    }
    module.functions[f].body[p] = op
    let y = bn.results[0].name, x = op.results[0].name
    module.functions[f].body.remove(at: i)
    module.functions[f].replaceUses(of: y, with: x)
    module.removeUnreadParameters(bn.operands.dropFirst().map(\.name), weights: &weights)
  }

  /// W·BN(x) + b: scales each input column (channel) of W and adds W·t to the bias.
  func foldBefore(consumer c: Int, batchnorm i: Int, in f: Int, module: inout Module, weights: inout Weights?) throws {
    let bn = module.functions[f].body[i]
    var op = module.functions[f].body[c]
    let (w, bias) = try ensureBias(&op, module: &module, weights: &weights)
    if var values = weights {
      let (s, t) = try scaleShift(bn, weights: values)
      var wv = try values.floats(w), bv = try values.floats(bias)
      let outputs = bv.count, channels = s.count
      let taps = wv.count / max(outputs * channels, 1)  // kh·kw for a conv, 1 for dense
      for o in 0..<outputs {
        var shift = Double(bv[o])
        for ch in 0..<channels {
          for k in 0..<taps {
            let at = (o * channels + ch) * taps + k
            shift += Double(wv[at]) * Double(t[ch])
            wv[at] *= s[ch]
          }
        }
        bv[o] = Float(shift)
      }
      values[w]?.storage = .f32(wv)
      values[bias]?.storage = .f32(bv)
      weights = values
    }
    guard case .value(let x) = bn.operands[0] else { return }
    op.operands[0] = .value(x)
    module.functions[f].body[c] = op
    module.functions[f].body.remove(at: i)
    module.removeUnreadParameters(bn.operands.dropFirst().map(\.name), weights: &weights)
  }

  /// The weight and bias names of a linear op, adding a zero bias parameter when it has none.
  func ensureBias(_ op: inout Operation, module: inout Module, weights: inout Weights?) throws -> (String, String) {
    let w = op.operands[1].name
    if op.operands.count > 2 { return (w, op.operands[2].name) }
    guard let wi = module.parameterIndex(w), let outputs = module.parameters[wi].type.fixedShape?.first else {
      throw PassError("parameter '@\(w)' has no fixed shape")
    }
    let weight = module.parameters[wi]
    let layer = weight.attributes["layer"]?.stringValue ?? op.results[0].name
    var name = layer + ".bias"
    while module.parameter(named: name) != nil { name += "_folded" }
    var attributes = weight.attributes
    attributes["role"] = .string("bias")
    attributes["init"] = .dict(["kind": .string("zeros")])
    module.parameters.insert(
      Parameter(name: name, type: TensorType(shape: [outputs]), attributes: attributes, location: weight.location), at: wi + 1)
    if weights != nil { weights?[name] = Weights.Tensor(shape: [outputs], floats: [Float](repeating: 0, count: outputs)) }
    op.operands.append(.param(name))
    return (w, name)
  }

  /// Per-channel s = γ/√(σ²+ε) and t = β − μ·s of a batchnorm op, computed in Double
  /// (γ = 1 and β = 0 without an affine part).
  func scaleShift(_ bn: Operation, weights: Weights) throws -> (s: [Float], t: [Float]) {
    let names = bn.operands.dropFirst().map(\.name)
    let mean = try weights.floats(names[names.count - 2]), variance = try weights.floats(names[names.count - 1])
    let affine = names.count == 4
    let gamma = affine ? try weights.floats(names[0]) : [Float](repeating: 1, count: mean.count)
    let beta = affine ? try weights.floats(names[1]) : [Float](repeating: 0, count: mean.count)
    let eps = bn.attributes["eps"]?.floatValue ?? 1e-5
    guard variance.allSatisfy({ $0.isFinite && $0 >= 0 }), mean.allSatisfy(\.isFinite) else {
      throw PassError("'\(bn.results[0].name)' has running statistics that are not finite or a negative variance",
                      at: bn.location)
    }
    var s: [Float] = [], t: [Float] = []
    for c in gamma.indices {
      let scale = Double(gamma[c]) / (Double(variance[c]) + eps).squareRoot()
      s.append(Float(scale))
      t.append(Float(Double(beta[c]) - Double(mean[c]) * scale))
    }
    return (s, t)
  }
}
