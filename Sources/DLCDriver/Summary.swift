/// The model summary `dlc check` prints: one row per op of `predict` with its output
/// shape, parameters and FLOPs per sample, then totals (Keras-style).
import DLCIR
import DLCPasses
import DLCRuntime

enum Summary {
  /// Renders the summary of a checked module.
  /// `trainingPlans` are `MemoryBudget.plans(training, …)` when the caller made them.
  static func render(_ m: Module, training: Module? = nil, optimized: Module? = nil, trainingPlans: [MemoryPlan]? = nil) -> String {
    guard let predict = m.function(named: "predict") else { return "" }
    var types: [String: TensorType] = [:]
    for p in m.parameters { types[p.name] = p.type }
    for a in predict.arguments { types[a.name] = a.type }
    var rows: [[String]] = [["Layer (op)", "Output shape", "Params", "FLOPs"]]
    var totalFlops = 0
    var usedParams = Set<String>()
    for op in predict.body {
      for r in op.results { types[r.name] = r.type }
      var params = 0
      for case .param(let name) in op.operands where !usedParams.contains(name) {
        usedParams.insert(name)
        params = saturatingAdd(params, types[name].map(count) ?? 0)
      }
      let flops = OpRegistry.schema(op.opcode)?.flopsPerSample(operands: op.operands.map { operandType($0, types) }, results: op.results.map(\.type), attributes: op.attributes) ?? 0
      totalFlops = saturatingAdd(totalFlops, flops)
      let name = op.results.first?.name ?? "?"
      rows.append(["\(name) (\(op.opcode))", shape(op.results.first?.type), group(params), group(flops)])
    }
    let total = m.parameters.reduce(0) { saturatingAdd($0, count($1.type)) }
    let trainable = m.parameters.filter { $0.attributes["trainable"] != .bool(false) }.reduce(0) { saturatingAdd($0, count($1.type)) }
    let widths = (0..<4).map { c in rows.map { $0[c].count }.max()! }
    let rule = String(repeating: "-", count: widths.reduce(0, +) + 6)
    var out = "Model: \(m.name)\n" + rule + "\n"
    for (i, row) in rows.enumerated() {
      let line = row[0].padding(widths[0]) + "  " + row[1].padding(widths[1]) + "  "
        + row[2].leftPadding(widths[2]) + "  " + row[3].leftPadding(widths[3])
      out += line.trimmingTrailingSpaces + "\n"
      if i == 0 { out += rule + "\n" }
    }
    out += rule + "\n"
    out += "Total params: \(group(total)) (\(bytes(m.modelBytes)))\n"
    out += "Trainable params: \(group(trainable))\n"
    out += "Non-trainable params: \(group(total - trainable))\n"
    out += "FLOPs per sample (forward): \(group(totalFlops))\n"
    out += memoryLine(m, training: training ?? m, plans: trainingPlans)
    out += dataLine(m)
    if let optimized { out += optimizedLines(m, optimized) }
    return out
  }

  /// Parameters, model bytes and FLOPs per sample before and after the `optimize:` passes.
  private static func optimizedLines(_ m: Module, _ optimized: Module) -> String {
    let names = (m.attributes["optimize"]?.listValue ?? []).compactMap { $0["kind"]?.stringValue }
    let before = ModelOptimizer.Size(m), after = ModelOptimizer.Size(optimized)
    func change(_ b: Int, _ a: Int, _ f: (Int) -> String) -> String {
      f(b) + " → " + f(a) + (b > 0 ? String(format: " (%.1f%%)", 100 * Double(a) / Double(b)) : "")
    }
    return "After optimize (\(names.joined(separator: ", "))): params \(change(before.parameters, after.parameters, group)), "
      + "model \(change(before.bytes, after.bytes, bytes)), FLOPs per sample \(change(before.flopsPerSample, after.flopsPerSample, group))\n"
  }

  /// The planned activation memory of one batch (static plan, buffers reused once dead),
  /// and what it would be without reuse.
  /// `predict` is the model's (whole, even when training precomputes a frozen prefix).
  private static func memoryLine(_ m: Module, training: Module, plans: [MemoryPlan]?) -> String {
    guard let batch = m.attributes["train"]?["batch_size"]?.intValue else { return "" }
    var parts: [String] = []
    // `plans` holds the training module's train_step plan first (see `MemoryBudget.plans`);
    // predict is planned on `m`, whose predict is whole even when training's is split.
    let splitPredict = training.function(named: "predict") != m.function(named: "predict")
    for (module, function, label) in [(m, "predict", "predict"), (training, "train_step", "train step")] {
      let given = plans.flatMap { ps -> MemoryPlan? in
        guard !(function == "predict" && splitPredict), ps.count == 2 else { return nil }
        return function == "train_step" ? ps[0] : ps[1]
      }
      guard let plan = given ?? MemoryReport.plan(module: module, function: function, batch: batch) else { continue }
      parts.append("\(label) \(bytes(plan.arenaBytes)) (\(bytes(plan.unplannedBytes)) without reuse)")
    }
    guard !parts.isEmpty else { return "" }
    return "Activation memory per batch of \(batch): " + parts.joined(separator: ", ") + "\n"
  }

  private static func dataLine(_ m: Module) -> String {
    guard case .dict(let d)? = m.attributes["data"] else { return "" }
    var parts: [String] = []
    if case .dict(let s)? = d["source"] {
      if case .string(let p)? = s["path"] ?? s["x"] { parts.append(p) }
    }
    if case .int(let f)? = d["features"] { parts.append("\(f) features") }
    if case .int(let c)? = d["classes"] { parts.append("\(c) classes") }
    if case .int(let t)? = d["targets"], d["classes"] == nil { parts.append("\(t) target\(t == 1 ? "" : "s")") }
    if case .string(let t)? = d["task"] { parts.append(t) }
    return "Data: " + parts.joined(separator: ", ") + "\n"
  }

  private static func operandType(_ o: Operand, _ types: [String: TensorType]) -> TensorType {
    switch o {
    case .value(let n), .param(let n): return types[n] ?? TensorType(dims: [], element: .f32)
    }
  }

  /// Elements per sample; saturates (every count in the summary does) rather than trapping.
  private static func count(_ t: TensorType) -> Int { t.elementCountPerSample }

  private static func shape(_ t: TensorType?) -> String {
    guard let t else { return "" }
    return "[" + t.dims.map { if case .fixed(let n) = $0 { return String(n) } else { return "N" } }.joined(separator: ", ") + "]"
  }

  /// 1234567 → "1,234,567".
  static func group(_ n: Int) -> String {
    let digits = Array(String(n))
    var out = ""
    for (i, c) in digits.enumerated() {
      if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
      out.append(c)
    }
    return out
  }

  static func bytes(_ n: Int) -> String {
    if n < 1024 { return "\(n) B" }
    let units = ["KiB", "MiB", "GiB"]
    var v = Double(n) / 1024
    var u = 0
    while v >= 1024, u < units.count - 1 { v /= 1024; u += 1 }
    let tenths = Int((v * 10).rounded())
    return "\(tenths / 10).\(tenths % 10) \(units[u])"
  }
}

extension String {
  func padding(_ width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
  func leftPadding(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
  var trimmingTrailingSpaces: String {
    var s = Substring(self)
    while s.last == " " { s = s.dropLast() }
    return String(s)
  }
}
