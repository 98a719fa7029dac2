/// The memory a run will need, against the memory the machine has, before anything is
/// allocated.
///
/// In: the module a command runs (the training module for `train` and `check`, the
/// deployed one for `eval` and `predict`) and its batch size. Out: the planned bytes —
/// parameters (with gradients' optimizer state where training keeps it) plus the static
/// memory plans of `@train_step` and `@predict` at the batch size, kernel scratch included —
/// and, when they exceed the limit, a diagnostic at the spec line of the biggest
/// contributor. The limit is the smaller of the memory available to this process
/// (`MemAvailable` in /proc/meminfo, and the cgroup's limit less its usage) and
/// `--max-memory`. Every sum saturates, so an absurd model reports a size instead of trapping.
import DLCIR
import DLCPasses
import DLCRuntime
import DLCSpec
import DLCSyntax
import Foundation

enum MemoryBudget {
  /// What a run needs, and its largest single part.
  struct Need {
    /// Parameters and optimizer state, in their element types.
    var parameterBytes = 0
    /// The planned arenas (`@train_step` and `@predict`) at the batch size.
    var activationBytes = 0
    var total: Int { saturatingAdd(parameterBytes, activationBytes) }
    /// The largest contributor: a layer's parameters and state, or the activations of
    /// the op with the largest result; where it is in the spec, and what it is.
    var biggest: (what: String, location: IRLocation?) = ("", nil)
  }

  /// The planned memory of `module` at `batch`: its parameters, and the arenas of the
  /// functions the command runs.
  static func need(_ module: Module, batch: Int, plans: [MemoryPlan]? = nil) -> Need {
    var need = Need()
    // Parameters (and their optimizer state) by layer.
    var byLayer: [String: (bytes: Int, location: IRLocation?)] = [:]
    var layerOrder: [String] = []
    for p in module.parameters {
      let bytes = saturatingMultiply(p.type.elementCountPerSample, p.type.element.byteSize)
      need.parameterBytes = saturatingAdd(need.parameterBytes, bytes)
      let layer = p.attributes["layer"]?.stringValue ?? p.name
      if byLayer[layer] == nil { layerOrder.append(layer) }
      let old = byLayer[layer] ?? (0, nil)
      byLayer[layer] = (saturatingAdd(old.bytes, bytes), old.location ?? p.location)
    }
    for plan in plans ?? Self.plans(module, batch: batch) {
      need.activationBytes = saturatingAdd(need.activationBytes, plan.arenaBytes)
    }
    let largestLayer = layerOrder.max { byLayer[$0]!.bytes < byLayer[$1]!.bytes }
    if let layer = largestLayer, byLayer[layer]!.bytes >= need.activationBytes {
      need.biggest = ("the parameters of '\(layer)' (\(Summary.bytes(byLayer[layer]!.bytes)) with their optimizer state)",
                      byLayer[layer]!.location)
    } else if let op = largestResult(module, batch: batch) {
      need.biggest = ("the activations at batch size \(batch) (the largest is '\(op.name)', \(Summary.bytes(op.bytes)))",
                      op.location)
    }
    return need
  }

  /// The static plans of `@train_step` and `@predict` at `batch` (those the module has).
  static func plans(_ module: Module, batch: Int) -> [MemoryPlan] {
    ["train_step", "predict"].compactMap { MemoryReport.plan(module: module, function: $0, batch: batch) }
  }

  /// The op of `@predict` with the largest result at `batch`.
  private static func largestResult(_ module: Module, batch: Int) -> (name: String, bytes: Int, location: IRLocation?)? {
    guard let predict = module.function(named: "predict") else { return nil }
    var best: (name: String, bytes: Int, location: IRLocation?)?
    for op in predict.body {
      for r in op.results {
        let bytes = saturatingMultiply(r.type.elementCount(batch: batch), r.type.element.byteSize)
        if best == nil || bytes > best!.bytes { best = (r.name, bytes, op.location) }
      }
    }
    return best
  }

  /// Reports `module` at `spec`'s line of its biggest contributor when it needs more than
  /// the limit; returns whether it fits.
  @discardableResult
  /// `plans` are the module's plans at its batch size when the caller has them already.
  static func check(
    _ module: Module, spec: Spec, maxMemory: Int?, training: Bool, plans: [MemoryPlan]? = nil, _ diags: DiagnosticEngine
  ) -> Bool {
    guard let batch = module.attributes["train"]?["batch_size"]?.intValue else { return true }
    let available = availableBytes()
    let limits = [available, maxMemory].compactMap { $0 }
    guard let limit = limits.min() else { return true }
    let need = need(module, batch: batch, plans: plans)
    guard need.total > limit else { return true }
    let source = maxMemory.map { $0 <= (available ?? Int.max) } == true ? "the --max-memory limit of" : "the available"
    let range = Driver.passErrorRange(need.biggest.location, spec: spec)
    diags.emit(Diagnostic(.modelTooLarge(training ? "train" : "run", Summary.bytes(need.total), source, Summary.bytes(limit)),
                          at: range, label: "the biggest part", path: spec.file.path)
      .note("parameters\(training ? " and optimizer state" : "") \(Summary.bytes(need.parameterBytes)), activations at batch size \(batch) \(Summary.bytes(need.activationBytes))")
      .note("the biggest part is \(need.biggest.what)")
      .help("use fewer or smaller layers, or a smaller 'batch_size'"))
    return false
  }

  /// Bytes this process may still allocate: `MemAvailable`, lowered by a cgroup limit
  /// (v2 `memory.max` less `memory.current`, or v1's `limit_in_bytes` less usage); nil
  /// when neither can be read.
  static func availableBytes() -> Int? {
    var found: [Int] = []
    if let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) {
      for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
        let fields = line.split(separator: " ")
        if fields.count >= 2, let kib = Int(fields[1]) { found.append(saturatingMultiply(kib, 1024)) }
      }
    }
    let cgroups = [("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                   ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes")]
    for (limitPath, usagePath) in cgroups {
      guard let limit = readInt(limitPath) else { continue }
      found.append(max(0, limit - (readInt(usagePath) ?? 0)))
    }
    return found.min()
  }

  private static func readInt(_ path: String) -> Int? {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
    return Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
  }
}

extension Driver {
  /// Bytes from a size such as `512M`, `8GiB`, `2g` or `1000000` (binary units: K, M, G, T
  /// with or without `iB`); nil when the text is not one.
  public static func parseByteSize(_ text: String) -> Int? {
    let units: [(String, Int)] = [("t", 40), ("g", 30), ("m", 20), ("k", 10), ("", 0)]
    var s = text.lowercased().trimmingCharacters(in: .whitespaces)
    if s.hasSuffix("ib") { s.removeLast(2) } else if s.hasSuffix("b") { s.removeLast() }
    for (suffix, shift) in units where s.hasSuffix(suffix) {
      guard let n = Int(s.dropLast(suffix.count)), n > 0 else { return nil }
      let (bytes, overflow) = n.multipliedReportingOverflow(by: 1 << shift)
      return overflow ? nil : bytes
    }
    return nil
  }
}
