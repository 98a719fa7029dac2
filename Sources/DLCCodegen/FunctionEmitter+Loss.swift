import DLCIR

/// Losses and their gradients (as `Lowering+Loss.swift`), and self-attention (as
/// `Lowering+Attention.swift`). A loss's scalar is a Swift local, not an arena slot.
extension FunctionEmitter {
  mutating func emitLoss(_ op: Operation) throws(CodegenError) -> Bool {
    switch op.opcode {
    case "cross_entropy", "cross_entropy_grad":
      let shape = dims(op.operands[0])
      let classes = shape.last!.factor
      let rows = Extent.product(shape) / classes
      let (logits, target) = (operand(op, 0), operand(op, 1))
      let smoothing = Self.literal(op, "label_smoothing")
      let weights = try classWeights(op, classes: classes)
      let sizes = ["rows: \(rows.code)", "classes: \(classes)", "labelSmoothing: \(smoothing)"]
      let weightArgument = weights == nil ? "classWeights: nil" : "classWeights: w.baseAddress"
      if op.opcode == "cross_entropy" {
        let y = declareLocal(op.results[0].name)
        call(weights, "LossKernel.crossEntropy", ["logits: \(logits)", "target: \(target)"] + sizes + [weightArgument], result: y)
      } else {
        let y = result(op)
        call(weights, "LossKernel.crossEntropyGrad", ["logits: \(logits)", "target: \(target)", "dlogits: \(y)"] + sizes + [weightArgument])
      }
    case "mse", "mae":
      let n = count(op.operands[0]).code
      let (p, t) = (operand(op, 0), operand(op, 1))
      let y = declareLocal(op.results[0].name)
      text.call(op.opcode == "mse" ? "LossKernel.mse" : "LossKernel.mae", ["prediction: \(p)", "target: \(t)", "count: \(n)"], prefix: "let \(y) = ")
    case "mse_grad", "mae_grad":
      let n = count(op.operands[0]).code
      let (p, t) = (operand(op, 0), operand(op, 1))
      let y = result(op)
      text.call(op.opcode == "mse_grad" ? "LossKernel.mseGrad" : "LossKernel.maeGrad", [
        "prediction: \(p)", "target: \(t)", "dprediction: \(y)", "count: \(n)",
      ])
    case "bce_with_logits", "bce_with_logits_grad":
      let shape = dims(op.operands[0])
      let (n, features) = (Extent.product(shape).code, shape.last?.factor ?? 1)
      let (z, t) = (operand(op, 0), operand(op, 1))
      let posWeight = op.attributes["pos_weight"].map { a in (a.floatList ?? a.floatValue.map { [$0] } ?? []).map(Float.init) } ?? []
      let weights = posWeight.isEmpty ? nil : context.constant("posWeight", posWeight)
      let tail = [
        "count: \(n)", "features: \(features)", weights == nil ? "posWeight: nil" : "posWeight: w.baseAddress",
        "posWeightCount: \(posWeight.count)",
      ]
      if op.opcode == "bce_with_logits" {
        let y = declareLocal(op.results[0].name)
        call(weights, "LossKernel.bceWithLogits", ["logits: \(z)", "target: \(t)"] + tail, result: y)
      } else {
        let y = result(op)
        call(weights, "LossKernel.bceWithLogitsGrad", ["logits: \(z)", "target: \(t)", "dlogits: \(y)"] + tail)
      }
    default: return false
    }
    return true
  }

  /// A kernel call, inside `weights.withUnsafeBufferPointer { w in … }` when there are weights.
  private mutating func call(_ weights: String?, _ callee: String, _ arguments: [String], result: String? = nil) {
    let assign = result.map { "let \($0) = " } ?? ""
    guard let weights else {
      text.call(callee, arguments, prefix: assign)
      return
    }
    text.block(assign + weights + ".withUnsafeBufferPointer { w in") { $0.call(callee, arguments) }
  }

  /// The class weights of a cross-entropy op: a class constant for a list; for
  /// "balanced", the weights the training loop set (checked once per method).
  private mutating func classWeights(_ op: Operation, classes: Int) throws(CodegenError) -> String? {
    guard let attribute = op.attributes["class_weights"] else { return nil }
    if let list = attribute.floatList { return context.constant("classWeights", list.map(Float.init)) }
    guard attribute.stringValue == "balanced" else { throw CodegenError("unknown class weights \(attribute)") }
    if firstTime("#balanced") {
      text.block("guard let balanced = balancedClassWeights, balanced.count == \(classes) else {") {
        $0.line("throw TrainingError(\"'class_weights: balanced' needs the class counts of the training split\")")
      }
    }
    return "balanced"
  }

  mutating func emitAttention(_ op: Operation) throws(CodegenError) -> Bool {
    guard op.opcode.hasPrefix("self_attention") else { return false }
    let x = dims(op.operands[op.opcode == "self_attention_grad" ? 1 : 0])
    guard x.count == 3 else { throw CodegenError("self-attention needs a [N, L, D] input (\(op.label))") }
    let fields = [
      ("batch", x[0].code), ("length", x[1].code), ("width", x[2].code), ("heads", "\(max(Self.int(op, "heads"), 1))"),
      ("causal", "\(Self.bool(op, "causal"))"),
    ]
    let s = shapeLocal(layerName(op), "AttentionShape", fields)
    let bias = Self.bool(op, "bias"), rate = Self.literal(op, "dropout")
    switch op.opcode {
    case "self_attention", "self_attention_train":
      let (xp, wqkv) = (operand(op, 0), operand(op, 1))
      let bqkv = bias ? operand(op, 2) : "nil", wout = operand(op, bias ? 3 : 2), bout = bias ? operand(op, 4) : "nil"
      let weights = ["x: \(xp)", "wQKV: \(wqkv)", "bQKV: \(bqkv)", "wOut: \(wout)", "bOut: \(bout)"]
      if op.opcode == "self_attention" {
        let y = result(op)
        text.call("AttentionKernel.inference", weights + ["y: \(y)", "shape: \(s)", "workspace: \(scratch())"])
      } else {
        let (y, qkv, probs, ctx) = (result(op, 0), result(op, 1), result(op, 2), result(op, 3))
        let stream = stream(op)
        text.call("AttentionKernel.forward", weights + [
          "y: \(y)", "qkv: \(qkv)", "probs: \(probs)", "context: \(ctx)", "shape: \(s)", "dropout: \(rate)",
          "stream: \(stream)", "workspace: \(scratch())",
        ])
      }
    case "self_attention_grad":
      let inputs = (0..<7).map { operand(op, $0) }
      let dx = result(op, 0), dwqkv = result(op, 1)
      let dbqkv = bias ? result(op, 2) : "nil", dwout = result(op, bias ? 3 : 2), dbout = bias ? result(op, 4) : "nil"
      let stream = stream(op)
      text.call("AttentionKernel.backward", [
        "dy: \(inputs[0])", "x: \(inputs[1])", "qkv: \(inputs[2])", "probs: \(inputs[3])", "context: \(inputs[4])",
        "wQKV: \(inputs[5])", "wOut: \(inputs[6])", "dx: \(dx)", "dwQKV: \(dwqkv)", "dbQKV: \(dbqkv)",
        "dwOut: \(dwout)", "dbOut: \(dbout)", "shape: \(s)", "dropout: \(rate)", "stream: \(stream)",
        "workspace: \(scratch())",
      ])
    default: return false
    }
    return true
  }
}
