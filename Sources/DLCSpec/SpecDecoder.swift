/// The spec decoder: YAML node tree to the typed `Spec` AST.
///
/// In: the root `Node` of a spec file. Out: a `Spec` whose failed parts are nil, with
/// every problem (unknown keys and names with suggestions, wrong types, out-of-range
/// values, missing keys) reported at its position. Cross-references (layer names,
/// shapes, loss against task) are the type checker's job, not this one's.
import DLCSyntax

public enum SpecDecoder {
  /// Decodes a whole spec document.
  public static func decode(_ root: Node, file: SourceFile, diagnostics diags: DiagnosticEngine) -> Spec? {
    if root.scalar?.resolved == .null {
      return diags.fail(Diagnostic(.emptyDocument(), at: root.range)
        .help("a spec starts with 'dlc: 1', 'name:', then the sections data, model, loss and train"))
    }
    guard let top = SectionReader(root, as: .top, diags: diags) else { return nil }
    var spec = Spec(file: file, version: 1, name: nil, seed: top.values.int("seed") ?? 0, data: nil, model: nil,
                    loss: nil, train: nil, optimize: [], range: root.range)
    if let v = top.int("dlc"), v.value != 1 {
      diags.emit(Diagnostic(.unsupportedVersion(String(v.value)), at: v.range).help("this dlc reads version 1"))
    }
    if let name = top.string("name") {
      if EntryDecoder.isValidName(name.value) {
        spec.name = name
      } else {
        diags.emit(Diagnostic(.invalidName(name.value), at: name.range)
          .help("names use letters, digits, '_' and '-', and do not start with a digit"))
      }
    }
    spec.data = top.nested["data"].flatMap { decodeData($0, diags) }
    spec.model = top.nested["model"].flatMap { decodeModel($0, diags) }
    spec.loss = top.values.entryUse("loss")
    spec.train = top.nested["train"].flatMap { decodeTrain($0, diags) }
    if case .list(let passes)? = top.args["optimize"]?.value {
      spec.optimize = passes.compactMap { if case .entry(let e) = $0 { return e } else { return nil } }
    }
    return spec
  }

  static func decodeData(_ pair: Pair, _ diags: DiagnosticEngine) -> DataSpec? {
    let node = pair.value
    guard let r = SectionReader(node, as: .data, key: pair.keyRange, diags: diags) else { return nil }
    let task = r.string("task").flatMap { t in Task(rawValue: t.value).map { Located($0, t.range) } }
    var split = SectionValues(section: .split, args: [:], range: nil)
    if let s = r.nested["split"], let sr = SectionReader(s.value, as: .split, key: s.keyRange, diags: diags) {
      split = sr.values
      let valid = split.double("valid") ?? 0
      let test = split.double("test") ?? 0
      if valid + test >= 1 {
        diags.emit(Diagnostic(.outOfRange("valid + test", String(valid + test), "< 1"), at: s.value.range)
          .help("leave part of the data for training"))
      }
    }
    let normalize = r.string("normalize") ?? Located("none", node.range)
    let normalizeTarget = r.string("normalize_target") ?? Located("none", node.range)
    return DataSpec(source: r.nested["source"].flatMap { decodeSource($0, diags) }, features: r.strings("features"),
                    task: task, classes: r.int("classes"), split: split, normalize: normalize,
                    normalizeTarget: normalizeTarget, range: node.range)
  }

  static func decodeSource(_ pair: Pair, _ diags: DiagnosticEngine) -> DataSource? {
    guard let r = SectionReader(pair.value, as: .source, key: pair.keyRange, diags: diags) else { return nil }
    let target = r.strings("target") ?? []
    switch (r.string("csv"), r.nested["npy"]) {
    case (let csv?, nil):
      return .csv(path: csv, target: target)
    case (nil, let npy?):
      if let t = r.args["target"] {
        diags.emit(Diagnostic(.unknownKey("target", in: "an NPY source"), at: t.range)
          .help("NPY targets come from the 'y' array"))
      }
      guard let n = SectionReader(npy.value, as: .npy, key: npy.keyRange, diags: diags), let x = n.string("x") else { return nil }
      return .npy(x: x, y: n.string("y"))
    case (_?, _?):
      return diags.fail(Diagnostic(.expectedType("one of 'csv' or 'npy'", found: "both"), at: pair.value.range))
    case (nil, nil):
      if r.failed.contains("csv") { return nil }
      return diags.fail(Diagnostic(.missingKey("csv' or 'npy", in: "'source'"), at: pair.keyRange)
        .help("write 'source: {csv: data/file.csv, target: label}'"))
    }
  }

  static func decodeModel(_ pair: Pair, _ diags: DiagnosticEngine) -> ModelSpec? {
    let node = pair.value
    guard let r = SectionReader(node, as: .model, key: pair.keyRange, diags: diags) else { return nil }
    var input: Located<[Int]>?
    if let a = r.args["input"], let range = a.range, case .list(let dims) = a.value {
      let ints = dims.compactMap { if case .int(let i) = $0 { return i } else { return nil } }
      if ints.contains(-1) {
        diags.emit(Diagnostic(.outOfRange("input", "-1", "positive dimensions"), at: range)
          .help("the input shape must be given in full"))
      } else {
        input = Located(ints, range)
      }
    }
    var base: BaseSpec?
    if let b = r.nested["base"], let br = SectionReader(b.value, as: .base, key: b.keyRange, diags: diags),
       let spec = br.string("spec"), let ckpt = br.string("checkpoint"), let until = br.string("until") {
      base = BaseSpec(spec: spec, checkpoint: ckpt, until: until, range: b.value.range)
    }
    var layers: [LayerSpec] = []
    if let l = r.nested["layers"] {
      if let items = l.value.items {
        if items.isEmpty {
          diags.emit(Diagnostic(.tooFewItems("layers", 1, found: 0), at: l.value.range))
        }
        let decoder = EntryDecoder(diags: diags)
        layers = items.compactMap { decoder.decodeLayer($0) }
      } else {
        diags.emit(Diagnostic(.expectedType("a list of layers", found: l.value.kindDescription), at: l.value.range)
          .help("write each layer on its own line starting with '- '"))
      }
    }
    let dtype = r.string("input_dtype") ?? Located("f32", node.range)
    return ModelSpec(input: input, inputDType: dtype, base: base, layers: layers, range: node.range)
  }

  static func decodeTrain(_ pair: Pair, _ diags: DiagnosticEngine) -> TrainSpec? {
    let node = pair.value
    guard let r = SectionReader(node, as: .train, key: pair.keyRange, diags: diags) else { return nil }
    let v = r.values
    var stopping: SectionValues?
    if let e = r.nested["early_stopping"] {
      if e.value.scalar?.resolved == .bool(true) {
        stopping = SectionValues(section: .earlyStopping, args: [:], range: e.value.range)
      } else if e.value.scalar?.resolved != .bool(false), let er = SectionReader(e.value, as: .earlyStopping, key: e.keyRange, diags: diags) {
        stopping = er.values
      }
    }
    var metrics: [EntryUse] = []
    if case .list(let items)? = r.args["metrics"]?.value {
      metrics = items.compactMap { if case .entry(let e) = $0 { return e } else { return nil } }
    }
    return TrainSpec(optimizer: v.entryUse("optimizer"), schedule: v.entryUse("schedule")!, batchSize: r.int("batch_size"),
                     epochs: r.int("epochs"), earlyStopping: stopping, metrics: metrics, freeze: r.strings("freeze") ?? [],
                     range: node.range, metricsFailed: r.failed.contains("metrics"))
  }
}
