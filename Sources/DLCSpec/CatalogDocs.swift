/// The reference tables of docs/spec-language.md, made from the catalog and the section
/// schemas so the documentation cannot drift from what the decoder accepts. A test keeps
/// the committed file equal to this output.

public enum CatalogDocs {
  /// Markdown for every section and every catalog kind.
  public static func markdown() -> String {
    var out = "<!-- Generated from the catalog (Sources/DLCSpec/Catalog*.swift, Sections.swift); "
      + "regenerate with `DLC_BLESS=1 swift test`. -->\n"
    out += "\n### Section keys\n"
    for s in [Section.top, .data, .source, .npy, .split, .model, .base, .layerCommon, .train, .earlyStopping] {
      out += "\n#### \(s.name == "the spec" ? "top level" : s.name)\n\n"
      out += table(s.keys)
    }
    for kind in EntryKind.allCases {
      out += "\n### \(kind.plural.prefix(1).uppercased() + kind.plural.dropFirst())\n"
      for e in Catalog.entries(kind) {
        out += "\n#### `\(e.name)`\n\n\(e.summary)."
        if let p = e.primary { out += " Primary parameter: `\(p)` (`\(e.name): VALUE`)." }
        out += "\n\n"
        if !e.params.isEmpty { out += table(e.params) }
      }
      out += aliasText(kind)
      if let planned = Catalog.planned[kind], !planned.isEmpty {
        out += "\nPlanned, not yet supported: " + planned.map { "`\($0)`" }.joined(separator: ", ") + ".\n"
      }
    }
    out += "\nKeys planned for later versions: " + Section.plannedKeys.sorted().map { "`\($0)`" }.joined(separator: ", ") + ".\n"
    return out
  }

  /// The aliases of one kind and the names it does not accept because they are ambiguous.
  private static func aliasText(_ kind: EntryKind) -> String {
    var out = ""
    let aliases = Catalog.aliases.filter { $0.kind == kind }
    if !aliases.isEmpty {
      out += "\nAlso accepted, as the entry they stand for (parameters written beside them override the ones they set):\n\n"
      for a in aliases {
        let args = a.args.keys.sorted().map { "\($0): " + SpecPrinter.value(a.args[$0]!).replacingQuotes }
        out += "- `\(a.name)` (\(a.origin)) = `" + (args.isEmpty ? a.entry : "\(a.entry): {\(args.joined(separator: ", "))}") + "`\n"
      }
    }
    if let ambiguous = Catalog.ambiguousNames[kind], !ambiguous.isEmpty {
      out += "\nNot accepted because they could mean two entries (the error names both): "
        + ambiguous.map { "`\($0.name)` (" + $0.candidates.map { "`\($0)`" }.joined(separator: ", ") + ")" }
          .joined(separator: ", ") + ".\n"
    }
    return out
  }

  private static func table(_ params: [ParamSpec]) -> String {
    var out = "| key | type | default | meaning |\n|---|---|---|---|\n"
    for p in params {
      out += "| `\(p.name)` | \(p.type.description) | \(defaultText(p.default))\(followText(p)) | \(p.doc) |\n"
    }
    return out
  }

  /// `; 'float' when `weights` is `fp16`` for a default that follows another parameter.
  private static func followText(_ p: ParamSpec) -> String {
    guard let (other, defaults) = p.follows else { return "" }
    return defaults.keys.sorted().map { key in
      "; `" + SpecPrinter.value(defaults[key]!).replacingQuotes + "` when `\(other)` is `\(key)`"
    }.joined()
  }

  private static func defaultText(_ d: ParamDefault) -> String {
    switch d {
    case .required: return "required"
    case .optional: return "—"
    case .value(let v): return "`" + SpecPrinter.value(v).replacingQuotes + "`"
    }
  }
}

extension String {
  var replacingQuotes: String { String(self.map { $0 == "\"" ? "'" : $0 }) }
}
