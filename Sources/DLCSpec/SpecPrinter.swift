/// `dlc compile --emit ast`: the decoded spec as an indented tree, every parameter
/// spelled out (defaults included) with the line:column it came from (`-` for defaults).
import DLCSyntax

public enum SpecPrinter {
  public static func print(_ spec: Spec) -> String {
    var out = "Spec \(spec.name?.value ?? "?") version=\(spec.version) seed=\(spec.seed)\n"
    if let d = spec.data {
      out += "  Data \(pos(d.range))\n"
      switch d.source {
      case .csv(let p, let t)?: out += "    source csv \(quote(p.value)) target=[\(t.map { quote($0.value) }.joined(separator: ", "))] \(pos(p.range))\n"
      case .npy(let x, let y)?: out += "    source npy x=\(quote(x.value)) y=\(y.map { quote($0.value) } ?? "none") \(pos(x.range))\n"
      case nil: break
      }
      if let f = d.features { out += "    features [\(f.map { quote($0.value) }.joined(separator: ", "))]\n" }
      if let t = d.task { out += "    task \(t.value.rawValue) \(pos(t.range))\n" }
      if let c = d.classes { out += "    classes \(c.value) \(pos(c.range))\n" }
      out += "    split " + section(d.split) + "\n"
      out += "    normalize \(d.normalize.value)\n"
      if d.normalizeTarget.value != "none" { out += "    normalize_target \(d.normalizeTarget.value)\n" }
    }
    if let m = spec.model {
      out += "  Model \(pos(m.range))\n"
      if let i = m.input { out += "    input [\(i.value.map(String.init).joined(separator: ", "))] \(m.inputDType.value) \(pos(i.range))\n" }
      if let b = m.base {
        out += "    base spec=\(quote(b.spec.value)) checkpoint=\(quote(b.checkpoint.value)) until=\(b.until.value) \(pos(b.range))\n"
      }
      for l in m.layers {
        var line = "    Layer"
        if let n = l.name { line += " name=\(n.value)" }
        if let f = l.from { line += " from=[\(f.map(\.value).joined(separator: ", "))]" }
        line += " " + (l.use.map(entry) ?? "<error>") + " " + pos(l.kindRange)
        out += line + "\n"
      }
    }
    if let l = spec.loss { out += "  Loss " + entry(l) + " " + pos(l.range) + "\n" }
    if let t = spec.train {
      out += "  Train \(pos(t.range))\n"
      if let o = t.optimizer { out += "    optimizer " + entry(o) + " " + pos(o.range) + "\n" }
      out += "    schedule " + entry(t.schedule) + " " + pos(t.schedule.range) + "\n"
      if let b = t.batchSize { out += "    batch_size \(b.value) \(pos(b.range))\n" }
      if let e = t.epochs { out += "    epochs \(e.value) \(pos(e.range))\n" }
      if let es = t.earlyStopping { out += "    early_stopping " + section(es) + " " + pos(es.range) + "\n" }
      out += "    metrics [\(t.metrics.map(entry).joined(separator: ", "))]\n"
      out += "    freeze [\(t.freeze.map(\.value).joined(separator: ", "))]\n"
    }
    out += "  Optimize [\(spec.optimize.map(entry).joined(separator: ", "))]\n"
    return out
  }

  /// `name{param=value, …}` with defaults filled in.
  static func entry(_ use: EntryUse) -> String {
    let params = use.entry.params.compactMap { p in use.value(p.name).map { "\(p.name)=" + value($0) } }
    return use.name + (params.isEmpty ? "" : "{" + params.joined(separator: ", ") + "}")
  }

  static func section(_ v: SectionValues) -> String {
    "{" + v.section.keys.compactMap { k in v.value(k.name).map { "\(k.name)=" + value($0) } }.joined(separator: ", ") + "}"
  }

  static func value(_ v: ArgValue) -> String {
    switch v {
    case .int(let i): return String(i)
    case .float(let f): return String(f)
    case .bool(let b): return String(b)
    case .string(let s): return quote(s)
    case .list(let items): return "[" + items.map(value).joined(separator: ", ") + "]"
    case .entry(let e): return entry(e)
    }
  }

  static func pos(_ r: SourceRange?) -> String { r.map { "@\($0.start.line):\($0.start.column)" } ?? "@-" }

  static func quote(_ s: String) -> String { DiagnosticJSON.quote(s) }
}
