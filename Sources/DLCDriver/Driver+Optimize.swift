/// `dlc optimize`, and the optimization steps of `dlc compile --emit opt-ir`, `dlc check`
/// and `dlc train`: the spec's `optimize:` passes (or `--passes`) over a trained model.
import DLCIR
import DLCPasses
import DLCRuntime
import DLCSpec
import DLCSema
import DLCSyntax
import DLCTraining
import Foundation

/// Options of `dlc optimize`.
public struct OptimizeOptions: Sendable {
  public var spec: SpecOptions
  public var checkpoint: String
  /// Pass names replacing the spec's `optimize:` list; options come from the spec's entry
  /// of the same pass, or the catalog's defaults.
  public var passes: [String]?
  /// Where the optimized checkpoint goes (default: `optimized.safetensors` beside the input).
  public var output: String?
  /// Which passes' IR to print.
  public var dumps: IRDumps
  /// Seconds of timed forward passes per model and batch size for the latency report;
  /// 0 skips it.
  public var latencySeconds: Double

  public init(
    spec: SpecOptions, checkpoint: String, passes: [String]? = nil, output: String? = nil, dumps: IRDumps = IRDumps(),
    latencySeconds: Double = OptimizeOptions.defaultLatencySeconds
  ) {
    self.spec = spec
    self.checkpoint = checkpoint
    self.passes = passes
    self.output = output
    self.dumps = dumps
    self.latencySeconds = latencySeconds
  }

  /// Short enough that `dlc optimize` stays quick: four timings of 0.25 s.
  public static let defaultLatencySeconds = 0.25
}

extension Driver {
  /// `dlc optimize`: runs the passes over a checkpoint, writes the optimized checkpoint and
  /// reports what each pass did, the size before and after, and the metrics of both.
  public static func optimize(_ options: OptimizeOptions) -> DriverResult {
    runtimeCommand(options.spec, needsTraining: false) { module in
      try PathCheck.check(options.checkpoint, option: "--checkpoint", as: .inputFile)
      let entries = try optimizeEntries(module, override: options.passes)
      // Beside the input: its folder, or the current one for a bare file name (not the root).
      let folder = (options.checkpoint as NSString).deletingLastPathComponent
      let output = options.output ?? (folder.isEmpty ? "." : folder) + "/optimized.safetensors"
      try PathCheck.check(output, option: "--output", as: .outputFile)
      return try deploy(module: module, entries: entries, checkpoint: options.checkpoint, output: output,
                        dumps: options.dumps, latencySeconds: options.latencySeconds)
    }
  }

  /// The optimization entries to run: the spec's list, or `override` (pass names in
  /// kebab or snake case) with options from the spec's entry or the catalog's defaults.
  static func optimizeEntries(_ module: Module, override: [String]?) throws -> [OptimizePipeline.Entry] {
    let listed = OptimizePipeline.entries(of: module)
    guard let override else { return listed }
    return try override.map { raw in
      let kind = String(raw.map { $0 == "-" ? "_" : $0 })
      if let e = listed.first(where: { $0.kind == kind }) { return e }
      guard let entry = Catalog.entry(.pass, kind) else {
        let names = Catalog.entries(.pass).map { String($0.name.map { $0 == "_" ? "-" : $0 }) }
        throw RuntimeError("unknown pass '\(raw)'; passes: " + names.joined(separator: ", "))
      }
      guard case .dict(var options) = EntryUse(entry: entry).attribute else { return OptimizePipeline.Entry(kind: kind) }
      options["kind"] = nil
      for p in entry.params where options[p.name] == nil {
        if case .required = p.default {
          throw RuntimeError("pass '\(raw)' needs '\(p.name)'; list it in the spec's 'optimize:' with its options")
        }
      }
      return OptimizePipeline.Entry(kind: kind, options: options)
    }
  }

  /// Optimizes `checkpoint` into `output` and returns the report: the remarks, the size
  /// table, the metrics of both models on the test (else valid) split, and with
  /// `latencySeconds > 0` their forward-pass latency. The written file is read back for
  /// the measurements, so they are of the deployed model as stored.
  static func deploy(
    module: Module, entries: [OptimizePipeline.Entry], checkpoint path: String, output: String, dumps: IRDumps = IRDumps(),
    latencySeconds: Double = 0
  ) throws -> String {
    let passes = try PassPipeline.deployment(entries)
    guard !passes.isEmpty else {
      throw RuntimeError("no pass to run on the deployed model: the spec's 'optimize:' lists none; name some with '--passes'")
    }
    let source = try Checkpoint(contentsOf: path)
    let run = try RunDescription(module: module, specText: "")
    try CheckpointCheck.check(source, path: path, run: run, use: .evaluate)
    var printed = ""
    let result = try ModelOptimizer.optimize(
      module: module, passes: passes, checkpoint: source, path: path, printAfterAll: dumps.all, printAfter: dumps.after,
      sink: { printed += $0 },
      prepare: { context in
        // Fine-tuning (prune) and calibration (quantize) use the train split the checkpoint
        // saw, loaded once for both.
        let needs = Set(entries.map(\.kind)).intersection(["prune", "quantize"])
        guard !needs.isEmpty else { return }
        let split = try Inference.trainingSplit(run: run, checkpoint: source, path: path)
        if needs.contains("prune") { FineTuning(run: run, split: split).install(in: context) }
        if needs.contains("quantize") { Calibration(run: run, split: split).install(in: context) }
      })
    let optimized = ModelOptimizer.checkpoint(result, source: source, passes: entries.filter { !$0.runsAtTraining }.map(\.passName))
    try optimized.write(to: output)
    let deployed = try Checkpoint(contentsOf: output)

    var out = printed
    out += "optimized \(path) with " + passes.map(\.name).joined(separator: ", ") + "\n"
    out += remarkLines(result.remarks)
    out += sizeTable(before: result.before, after: result.after)
    out += sizeRow("stored model", ModelOptimizer.storedModelBytes(source, module: module),
                   ModelOptimizer.storedModelBytes(optimized, module: result.module), Summary.bytes)
    let makeBefore = { (seed: UInt64) -> TrainingBackend in InterpreterBackend(module: module, seed: seed) }
    let makeAfter = { (seed: UInt64) -> TrainingBackend in InterpreterBackend(module: result.module, seed: seed) }
    if let split = Inference.defaultSplit(run) {
      let before = try Inference.evaluate(run: run, checkpoint: path, split: split, loaded: source, makeBackend: makeBefore)
      let after = try Inference.evaluate(run: run, checkpoint: output, split: split, loaded: deployed, makeBackend: makeAfter)
      out += "\(split) split (\(after.samples) samples):\n"
      for (b, a) in zip(before.metrics, after.metrics) {
        out += "  " + b.name.padding(14) + String(format: "%.6f → %.6f", b.value, a.value) + "\n"
      }
    }
    if latencySeconds > 0 {
      let batches = Array(Set([1, run.train.batchSize])).sorted()
      let before = try Latency.measure(run: run, checkpoint: path, batches: batches, seconds: latencySeconds, loaded: source,
                                       makeBackend: makeBefore)
      let after = try Latency.measure(run: run, checkpoint: output, batches: batches, seconds: latencySeconds, loaded: deployed,
                                      makeBackend: makeAfter)
      out += latencyTable(before: before, after: after, seconds: latencySeconds)
    }
    return out + "wrote \(output)\n"
  }

  /// `latency, median per forward pass (…):` and one row per batch size, before → after.
  static func latencyTable(before: [Latency.Measurement], after: [Latency.Measurement], seconds: Double) -> String {
    var out = "latency, median per forward pass (interpreter, about \(String(format: "%g", seconds)) s of runs each):\n"
    for (b, a) in zip(before, after) {
      let ratio = a.median > 0 && b.median > 0 ? b.median / a.median : 1
      let speedup = ratio >= 1 ? String(format: " (%.2f× faster)", ratio) : String(format: " (%.2f× slower)", 1 / ratio)
      out += "  " + "batch \(b.batch)".padding(18) + String(format: "%.1f µs → %.1f µs", b.median * 1e6, a.median * 1e6) + speedup + "\n"
    }
    return out
  }

  /// `fold-batchnorm: folded 'batchnorm_1' into 'dense_1'`, one per line, with places.
  static func remarkLines(_ remarks: [PassRemark]) -> String {
    remarks.map { r in
      let place = r.location.map { "\($0.file):\($0.line):\($0.column): " } ?? ""
      return "  \(place)\(r.pass): \(r.message)\n"
    }.joined()
  }

  /// Parameters, bytes, FLOPs and ops before and after.
  static func sizeTable(before: ModelOptimizer.Size, after: ModelOptimizer.Size) -> String {
    sizeRow("params", before.parameters, after.parameters, Summary.group)
      + sizeRow("model bytes", before.bytes, after.bytes, Summary.bytes)
      + sizeRow("FLOPs per sample", before.flopsPerSample, after.flopsPerSample, Summary.group)
      + sizeRow("ops in @predict", before.ops, after.ops, String.init)
  }

  /// `  name              before → after (ratio%)`.
  static func sizeRow(_ name: String, _ b: Int, _ a: Int, _ format: (Int) -> String) -> String {
    let ratio = b > 0 ? String(format: " (%.1f%%)", 100 * Double(a) / Double(b)) : ""
    return "  " + name.padding(18) + format(b) + " → " + format(a) + ratio + "\n"
  }

  /// The deployed model's IR after the passes, without weights (`--emit opt-ir`, `dlc check`);
  /// pass failures become diagnostics at the op's place in the spec.
  static func optimizedModule(
    _ module: Module, spec: Spec, override: [String]? = nil, dumps: IRDumps = IRDumps(), sink: @escaping (String) -> Void = { _ in },
    _ diags: DiagnosticEngine
  ) -> (Module, [PassRemark])? {
    let context = PassContext()
    do {
      let passes = try PassPipeline.deployment(try optimizeEntries(module, override: override))
      let optimized = try PassManager(passes: passes, printAfterAll: dumps.all, printAfter: dumps.after, sink: sink, context: context)
        .running(module)
      return (optimized, context.remarks)
    } catch let error as PassManagerError {
      if case .passFailed(let pass, let why as PassError) = error {
        diags.emit(Diagnostic(.passFailed(pass, why.message), at: sourceRange(why.location, in: spec.file))
          .help(why.help))
      } else {
        diags.emit(Diagnostic(.passFailed(error.pass ?? "?", "\(error)"), at: nil, path: spec.file.path))
      }
    } catch {
      diags.emit(Diagnostic(.passFailed("optimize", "\(error)"), at: nil, path: spec.file.path))
    }
    return nil
  }

  /// The word at an IR location in the spec, or nil when it is in another file.
  static func sourceRange(_ location: IRLocation?, in file: SourceFile) -> SourceRange? {
    guard let location, location.file == file.path, location.line >= 1, location.line <= file.lineCount else { return nil }
    let start = file.byteOffset(line: location.line, column: location.column)
    var end = start
    while end < file.bytes.count, file.bytes[end] != UInt8(ascii: "\n"), file.bytes[end] != UInt8(ascii: ":"),
          file.bytes[end] != UInt8(ascii: " ") { end += 1 }
    return file.range(fromByte: start, toByte: max(end, start + 1))
  }
}
