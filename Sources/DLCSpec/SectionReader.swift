/// Reading a fixed-key section: unknown and missing keys, typed values, nested nodes.
import DLCSyntax

/// One section's mapping, checked against its `Section` schema.
struct SectionReader {
  let section: Section
  let node: Node
  let diags: DiagnosticEngine
  /// Decoded values of the non-nested keys that were written.
  private(set) var args: [String: Arg] = [:]
  /// The nodes of nested (`.section`) keys, for their own decoders.
  private(set) var nested: [String: Pair] = [:]
  /// Keys whose value failed to decode (so callers do not report them missing).
  private(set) var failed: Set<String> = []

  /// Reads `node` as `section`; nil (with a diagnostic) when it is not a mapping.
  /// `key` is where the section's own key is written; missing-key errors point there.
  init?(_ node: Node, as section: Section, key: SourceRange? = nil, diags: DiagnosticEngine) {
    self.section = section
    self.node = node
    self.diags = diags
    guard let pairs = node.pairs else {
      diags.emit(Diagnostic(.expectedMapping(section.name, found: node.kindDescription), at: node.range)
        .help("keys of \(section.name): " + section.keys.map(\.name).joined(separator: ", ")))
      return nil
    }
    let values = ValueDecoder(diags: diags)
    for pair in pairs {
      guard let key = section.key(pair.key) else {
        reportUnknown(pair)
        continue
      }
      if key.type.isNested {
        nested[pair.key] = pair
      } else if let a = values.decode(pair.value, as: key.type, name: pair.key) {
        args[pair.key] = a
      } else {
        failed.insert(pair.key)
      }
    }
    let keyRange = key
    for key in section.keys {
      if case .required = key.default, args[key.name] == nil, nested[key.name] == nil, !failed.contains(key.name) {
        diags.emit(Diagnostic(.missingKey(key.name, in: section.name), at: keyRange ?? Self.headRange(node))
          .help("add '\(key.name): …' (\(key.doc))"))
        failed.insert(key.name)
      }
    }
  }

  /// The values, with defaults behind them.
  var values: SectionValues { SectionValues(section: section, args: args, range: node.range) }

  private func reportUnknown(_ pair: Pair) {
    if Section.plannedKeys.contains(pair.key) {
      diags.emit(Diagnostic(.notSupportedYetKey(pair.key), at: pair.keyRange, label: "planned, not in this version"))
      return
    }
    let names = section.keys.map(\.name)
    diags.emit(Diagnostic(.unknownKey(pair.key, in: section.name), at: pair.keyRange)
      .help(Suggest.didYouMean(pair.key, in: names) ?? "keys of \(section.name): " + names.joined(separator: ", ")))
  }

  /// A located string value.
  func string(_ key: String) -> Located<String>? {
    guard let a = args[key], case .string(let s) = a.value, let r = a.range else { return nil }
    return Located(s, r)
  }

  /// A located integer value.
  func int(_ key: String) -> Located<Int>? {
    guard let a = args[key], case .int(let i) = a.value, let r = a.range else { return nil }
    return Located(i, r)
  }

  /// A located list of strings.
  func strings(_ key: String) -> [Located<String>]? {
    guard let a = args[key], case .list(let items) = a.value else { return nil }
    return zip(items, a.itemRanges).compactMap { v, r in
      if case .string(let s) = v { return Located(s, r) }
      return nil
    }
  }

  /// Where to point for a section as a whole: its first line, not its whole body.
  static func headRange(_ node: Node) -> SourceRange {
    var r = node.range
    if r.end.line != r.start.line {
      r.end = SourcePosition(line: r.start.line, column: r.start.column + 1, offset: r.start.offset + 1)
    }
    return r
  }
}

extension ParamType {
  /// Whether values of this type are decoded by a section decoder, not `ValueDecoder`.
  var isNested: Bool {
    switch self {
    case .section: return true
    case .list(let item, _): return item.isNested
    default: return false
    }
  }
}
