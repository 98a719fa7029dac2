/// Decoding catalog entry uses (`relu`, `dense: 128`, `adam: {lr: 3e-4}`) and layer entries.
import DLCSyntax

/// Decodes the three forms of an entry use, and the long form of a layer.
struct EntryDecoder {
  let diags: DiagnosticEngine

  /// Decodes `node` as a use of an entry of one of `kinds` (the first kind names it in messages).
  func decode(_ node: Node, kinds: [EntryKind]) -> EntryUse? {
    let kind = kinds[0]
    switch node.kind {
    case .scalar(let s):
      guard case .string(let name) = s.resolved else {
        return diags.fail(Diagnostic(.expectedEntry(kind, found: node.kindDescription), at: node.range)
          .help("write \(kind.nounWithArticle) name such as '\(Catalog.entries(kind).first?.name ?? "")'"))
      }
      guard let entry = lookup(name, kinds: kinds, at: node.range) else { return nil }
      var use = EntryUse(entry: entry, range: node.range, nameRange: node.range)
      applyAlias(name, kinds: kinds, to: &use)
      return finish(use)
    case .mapping(let pairs):
      if pairs.count > 1, kinds.contains(.activation), let formula = pairs.firstIndex(where: { $0.key == ExpressionActivation.name }),
        let entry = Catalog.entry(in: [.activation], ExpressionActivation.name)
      {
        // `{expr: "…", b: 1.5}`: the formula and its named constants in one mapping.
        var use = EntryUse(entry: entry, range: node.range, nameRange: pairs[formula].keyRange)
        var ok = decodeValue(pairs[formula].value, into: &use)
        for (i, pair) in pairs.enumerated() where i != formula { ok = decodeParam(pair, into: &use) && ok }
        return ok ? finish(use) : nil
      }
      guard pairs.count == 1 else {
        let first = pairs.first { Catalog.entry(in: kinds, $0.key) != nil }
        var d = Diagnostic(.expectedEntry(kind, found: "a mapping with \(pairs.count) keys"), at: node.range)
        if let f = first {
          d = d.help("put the parameters inside the \(kind.noun)'s mapping: '\(f.key): {…}'")
        } else {
          d = d.help("write '\(kind.noun)_name: {parameter: value}' with one key naming the \(kind.noun)")
        }
        return diags.fail(d)
      }
      let pair = pairs[0]
      guard let entry = lookup(pair.key, kinds: kinds, at: pair.keyRange) else { return nil }
      var use = EntryUse(entry: entry, range: node.range, nameRange: pair.keyRange)
      guard decodeValue(pair.value, into: &use) else { return nil }
      applyAlias(pair.key, kinds: kinds, to: &use)
      return finish(use)
    case .sequence:
      return diags.fail(Diagnostic(.expectedEntry(kind, found: "a list"), at: node.range))
    }
  }

  /// Decodes one `model.layers` entry. Always returns a LayerSpec so that its name resolves.
  func decodeLayer(_ node: Node) -> LayerSpec? {
    let kinds: [EntryKind] = [.layer, .activation]
    if node.scalar != nil {
      let use = decode(node, kinds: kinds)
      return LayerSpec(use: use, name: nil, from: nil, range: node.range, kindRange: node.range)
    }
    guard let pairs = node.pairs, !pairs.isEmpty else {
      return diags.fail(Diagnostic(.expectedLayer(found: node.kindDescription), at: node.range)
        .help("write '- relu', '- dense: 128' or '- dense: {units: 128}'"))
    }
    // The layer's kind is the first key other than the common ones.
    // (`expr` names the layer wherever it stands: its other keys are constants.)
    guard let kindIndex = pairs.firstIndex(where: { $0.key == ExpressionActivation.name })
      ?? pairs.firstIndex(where: { Section.layerCommon.key($0.key) == nil }) else {
      return diags.fail(Diagnostic(.expectedLayer(found: "only '\(pairs.map(\.key).joined(separator: "', '"))'"), at: node.range)
        .help("add a key naming the layer, e.g. '- dense: 128'"))
    }
    let kindPair = pairs[kindIndex]
    var layer = LayerSpec(use: nil, name: nil, from: nil, range: node.range, kindRange: kindPair.keyRange)
    let values = ValueDecoder(diags: diags)
    for (i, pair) in pairs.enumerated() where i != kindIndex && Section.layerCommon.key(pair.key) != nil {
      if pair.key == "name" {
        if let a = values.decode(pair.value, as: .string, name: "name"), case .string(let s) = a.value {
          guard Self.isValidName(s) else {
            diags.emit(Diagnostic(.invalidName(s), at: pair.value.range)
              .help("names use letters, digits, '_' and '-', and do not start with a digit"))
            continue
          }
          layer.name = Located(s, pair.value.range)
        }
      } else {
        layer.from = decodeRefs(pair.value, name: "from")
      }
    }
    guard let entry = lookup(kindPair.key, kinds: kinds, at: kindPair.keyRange) else { return layer }
    var use = EntryUse(entry: entry, range: node.range, nameRange: kindPair.keyRange)
    var ok = true
    if entry.primary == "from" {
      // Merge layers: the primary value is the list of inputs.
      if kindPair.value.scalar?.resolved == .null {
        // `- add:` with the inputs in a sibling `from:` key.
        if let f = layer.from, f.count < 2 {
          ok = false
          diags.emit(Diagnostic(.tooFewItems("from", 2, found: f.count), at: f.first?.range ?? kindPair.keyRange))
        }
      } else if kindPair.value.pairs == nil {
        if layer.from != nil {
          ok = false
          diags.emit(Diagnostic(.duplicateParameter("from"), at: kindPair.value.range))
        }
        layer.from = decodeRefs(kindPair.value, name: "from", minCount: 2)
        if layer.from == nil { ok = false }
      } else {
        ok = decodeValue(kindPair.value, into: &use)
        if let f = use.args.removeValue(forKey: "from") { layer.from = refs(from: f) }
      }
    } else {
      ok = decodeValue(kindPair.value, into: &use)
    }
    // The layer's parameters follow its kind; an `expr` layer's constants may also precede it.
    let firstParameter = entry.name == ExpressionActivation.name ? 0 : kindIndex + 1
    for (i, pair) in pairs.enumerated() where i >= firstParameter && i != kindIndex && Section.layerCommon.key(pair.key) == nil {
      ok = decodeParam(pair, into: &use) && ok
    }
    if entry.primary == "from", layer.from == nil, ok {
      ok = false
      diags.emit(Diagnostic(.missingParameter("from", of: "\(entry.kind.noun) '\(entry.name)'"), at: kindPair.keyRange)
        .help("list the layers to merge: '- \(entry.name): [a, b]'"))
    }
    layer.use = ok ? finish(use, skipping: ["from"]) : nil
    return layer
  }

  /// Layer names: letters, digits, `_` and `-`, not starting with a digit or `-`.
  static func isValidName(_ s: String) -> Bool {
    guard let first = s.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic) else { return false }
    return s.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-") }
  }

  private func decodeRefs(_ node: Node, name: String, minCount: Int = 1) -> [Located<String>]? {
    guard let arg = ValueDecoder(diags: diags).decode(node, as: .list(.layerRef, minCount: minCount), name: name) else { return nil }
    return refs(from: arg)
  }

  private func refs(from arg: Arg) -> [Located<String>]? {
    guard case .list(let items) = arg.value else { return nil }
    return zip(items, arg.itemRanges).compactMap { v, r in
      if case .string(let s) = v { return Located(s, r) }
      return nil
    }
  }

  /// Decodes the value after the entry's name: empty, the primary value, or a parameter mapping.
  private func decodeValue(_ value: Node, into use: inout EntryUse) -> Bool {
    if let pairs = value.pairs {
      var ok = true
      for pair in pairs { ok = decodeParam(pair, into: &use) && ok }
      return ok
    }
    if value.scalar?.resolved == .null, value.scalar?.style == .plain { return true }
    let entry = use.entry
    guard let primary = entry.primary, let p = entry.param(primary) else {
      let help = entry.params.isEmpty
        ? "write it as just '\(entry.name)'"
        : "set parameters by name: '\(entry.name): {\(entry.params[0].name): …}'"
      return diags.fail(Diagnostic(.noPrimaryParameter(entry.kind, entry.name), at: value.range).help(help)) ?? false
    }
    guard let arg = ValueDecoder(diags: diags).decode(value, as: p.type, name: p.name) else { return false }
    use.args[primary] = arg
    return true
  }

  private func decodeParam(_ pair: Pair, into use: inout EntryUse) -> Bool {
    let entry = use.entry
    let owner = "\(entry.kind.noun) '\(entry.name)'"
    if entry.name == ExpressionActivation.name, entry.param(pair.key) == nil {
      return decodeConstant(pair, into: &use)
    }
    guard let p = entry.param(pair.key) else {
      var d = Diagnostic(.unknownParameter(pair.key, of: owner), at: pair.keyRange)
      let names = entry.params.map(\.name)
      d = d.help(Suggest.didYouMean(pair.key, in: names)
        ?? (names.isEmpty ? "'\(entry.name)' has no parameters" : "its parameters are " + quoteList(names)))
      return diags.fail(d) ?? false
    }
    if let earlier = use.args[pair.key] {
      return diags.fail(Diagnostic(.duplicateParameter(pair.key), at: pair.keyRange)
        .note("first set here", at: earlier.range)) ?? false
    }
    guard let arg = ValueDecoder(diags: diags).decode(pair.value, as: p.type, name: p.name) else { return false }
    use.args[pair.key] = arg
    return true
  }

  /// A named constant of an `expr` activation: a name the formula can use, and a number.
  private func decodeConstant(_ pair: Pair, into use: inout EntryUse) -> Bool {
    guard ExpressionActivation.isConstantName(pair.key) else {
      return diags.fail(Diagnostic(.invalidName(pair.key), at: pair.keyRange)
        .help("a constant of 'expr' is named by letters, digits and '_', and is not 'x', 'pi', 'e' or a function")) ?? false
    }
    if let earlier = use.args[pair.key] {
      return diags.fail(Diagnostic(.duplicateParameter(pair.key), at: pair.keyRange)
        .note("first set here", at: earlier.range)) ?? false
    }
    guard let arg = ValueDecoder(diags: diags).decode(pair.value, as: .float(.any), name: pair.key) else { return false }
    use.args[pair.key] = arg
    return true
  }

  /// Checks required parameters, and an `expr` activation's formula.
  private func finish(_ use: EntryUse, skipping: Set<String> = []) -> EntryUse? {
    var ok = true
    for p in use.entry.params where !skipping.contains(p.name) {
      if case .required = p.default, use.args[p.name] == nil {
        ok = false
        var d = Diagnostic(.missingParameter(p.name, of: "\(use.entry.kind.noun) '\(use.entry.name)'"), at: use.nameRange ?? use.range)
        d = d.help(use.entry.primary == p.name ? "write '\(use.entry.name): VALUE'" : "add '\(p.name): …' (\(p.doc))")
        diags.emit(d)
      }
    }
    if ok, use.entry.name == ExpressionActivation.name { ok = ExpressionActivation.check(use, diags: diags) }
    return ok ? use : nil
  }

  /// The parameters an alias sets, added to `use` where the spec did not write them.
  private func applyAlias(_ name: String, kinds: [EntryKind], to use: inout EntryUse) {
    guard Catalog.entry(in: kinds, name) == nil, let alias = Catalog.alias(use.entry.kind, name) else { return }
    for (key, value) in alias.args where use.args[key] == nil { use.args[key] = Arg(value, range: nil) }
  }

  /// Finds an entry (or the entry an alias stands for), or reports it unknown or not yet supported.
  private func lookup(_ name: String, kinds: [EntryKind], at range: SourceRange) -> CatalogEntry? {
    if let e = Catalog.entry(in: kinds, name) { return e }
    for k in kinds { if let a = Catalog.alias(k, name) { return Catalog.entry(k, a.entry) } }
    let kind = kinds[0]
    let known = kinds.flatMap { k in Catalog.entries(k).map(\.name) + Catalog.aliases.filter { $0.kind == k }.map(\.name) }
    if let plannedKind = kinds.first(where: { Catalog.isPlanned($0, name) }) {
      return diags.fail(Diagnostic(.notSupportedYet(plannedKind, name), at: range, label: "planned, not in this version")
        .help("supported \(plannedKind.plural): " + Catalog.entries(plannedKind).map(\.name).joined(separator: ", ")))
    }
    var d = Diagnostic(.unknownEntry(kind, name), at: range, label: "not a known \(kind.noun)")
    if let candidates = kinds.lazy.compactMap({ Catalog.candidates($0, forAmbiguous: name) }).first {
      return diags.fail(d.help("did you mean " + candidates.map { "'\($0)'" }.joined(separator: " or ")
        + "? '\(name)' could be either"))
    }
    d = d.help(Suggest.didYouMean(name, in: known) ?? "known \(kind.plural): " + known.joined(separator: ", "))
    return diags.fail(d)
  }
}
