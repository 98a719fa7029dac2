/// Decoding one YAML node into a typed parameter value, with range checks.
import DLCSyntax

/// Decodes values by `ParamType`; reports every problem to the engine and returns nil.
struct ValueDecoder {
  let diags: DiagnosticEngine

  /// Decodes `node` as a value of `type` for the parameter called `name`.
  func decode(_ node: Node, as type: ParamType, name: String) -> Arg? {
    switch type {
    case .int(let b): return int(node, b, name).map { Arg(.int($0), range: node.range) }
    case .float(let b): return float(node, b, name).map { Arg(.float($0), range: node.range) }
    case .bool:
      guard case .bool(let v)? = node.scalar?.resolved else { return mismatch(node, "a boolean (true or false)") }
      return Arg(.bool(v), range: node.range)
    case .choice(let words): return choice(node, words, name)
    case .string, .path, .layerRef: return string(node, type, name)
    case .intPair(let b): return pair(node, name) { int($0, b, name) }
    case .floatPair(let b):
      return pair(node, name, allowSingle: false) { float($0, b, name).map(ArgValue.float) }
    case .padding:
      if case .string(let s)? = node.scalar?.resolved {
        guard s == "same" || s == "valid" else {
          return diags.fail(Diagnostic(.unknownChoice(name, s), at: node.range, help: ["use an integer, [h, w], 'same' or 'valid'"]))
        }
        return Arg(.string(s), range: node.range)
      }
      return pair(node, name) { int($0, .atLeast(0), name) }
    case .shape: return shape(node, name)
    case .classWeights:
      if case .string("balanced")? = node.scalar?.resolved { return Arg(.string("balanced"), range: node.range) }
      if node.items == nil, case .string(let s)? = node.scalar?.resolved {
        return diags.fail(Diagnostic(.unknownChoice(name, s), at: node.range, help: ["use 'balanced' or a list of weights, one per class"]))
      }
      return list(node, .float(.above(0)), minCount: 2, name: name)
    case .entry(let kind): return EntryDecoder(diags: diags).decode(node, kinds: [kind]).map { Arg(.entry($0), range: node.range) }
    case .list(let item, let minCount): return list(node, item, minCount: minCount, name: name)
    case .section: preconditionFailure("sections are decoded by SpecDecoder")
    }
  }

  private func mismatch<T>(_ node: Node, _ expected: String) -> T? {
    diags.fail(Diagnostic(.expectedType(expected, found: node.kindDescription), at: node.range))
  }

  private func int(_ node: Node, _ b: Bounds, _ name: String) -> Int? {
    guard case .int(let v)? = node.scalar?.resolved else { return mismatch(node, "an integer") }
    guard b.contains(Double(v)) else {
      return diags.fail(Diagnostic(.outOfRange(name, String(v), b.requirement), at: node.range))
    }
    return v
  }

  private func float(_ node: Node, _ b: Bounds, _ name: String) -> Double? {
    let v: Double
    switch node.scalar?.resolved {
    case .int(let i)?: v = Double(i)
    case .float(let f)?: v = f
    default: return mismatch(node, "a number")
    }
    guard v.isFinite else { return diags.fail(Diagnostic(.nonFiniteNumber(node.scalar?.text ?? ""), at: node.range)) }
    guard b.contains(v) else {
      return diags.fail(Diagnostic(.outOfRange(name, node.scalar?.text ?? String(v), b.requirement), at: node.range))
    }
    return v
  }

  private func choice(_ node: Node, _ words: [String], _ name: String) -> Arg? {
    guard let s = node.scalar, node.scalar?.resolved != .null else { return mismatch(node, "one of " + quoteList(words)) }
    guard words.contains(s.text) else {
      var d = Diagnostic(.unknownChoice(name, s.text), at: node.range)
      d = d.help(Suggest.didYouMean(s.text, in: words) ?? "expected one of " + quoteList(words))
      return diags.fail(d)
    }
    return Arg(.string(s.text), range: node.range)
  }

  private func string(_ node: Node, _ type: ParamType, _ name: String) -> Arg? {
    guard let s = node.scalar, s.resolved != .null, !s.text.isEmpty else {
      return mismatch(node, type == .layerRef ? "a layer name" : (type == .path ? "a path" : "a string"))
    }
    return Arg(.string(s.text), range: node.range)
  }

  /// `3` or `[3, 2]`, decoded to a two-element list.
  private func pair(_ node: Node, _ name: String, allowSingle: Bool = true, _ item: (Node) -> ArgValue?) -> Arg? {
    if let items = node.items {
      guard items.count == 2 else {
        return diags.fail(Diagnostic(.expectedType("a pair [h, w]", found: "a list of \(items.count)"), at: node.range))
      }
      let values = items.compactMap(item)
      guard values.count == 2 else { return nil }
      return Arg(.list(values), range: node.range, itemRanges: items.map(\.range))
    }
    guard allowSingle else { return mismatch(node, "a pair of numbers") }
    return item(node).map { Arg(.list([$0, $0]), range: node.range) }
  }

  private func pair(_ node: Node, _ name: String, allowSingle: Bool = true, _ item: (Node) -> Int?) -> Arg? {
    pair(node, name, allowSingle: allowSingle) { item($0).map(ArgValue.int) }
  }

  private func shape(_ node: Node, _ name: String) -> Arg? {
    guard let items = node.items else { return mismatch(node, "a list of dimensions like [1, 8, 8]") }
    guard !items.isEmpty else { return diags.fail(Diagnostic(.tooFewItems(name, 1, found: 0), at: node.range)) }
    var dims: [ArgValue] = []
    var inferred = 0
    for item in items {
      guard let v = int(item, .any, name) else { continue }
      if v == -1 {
        inferred += 1
        if inferred > 1 {
          diags.emit(Diagnostic(.outOfRange(name, "-1", "positive, with at most one -1"), at: item.range))
          continue
        }
      } else if v < 1 {
        diags.emit(Diagnostic(.outOfRange(name, String(v), "≥ 1 (or -1 once, to infer)"), at: item.range))
        continue
      }
      dims.append(.int(v))
    }
    guard dims.count == items.count else { return nil }
    return Arg(.list(dims), range: node.range, itemRanges: items.map(\.range))
  }

  private func list(_ node: Node, _ item: ParamType, minCount: Int, name: String) -> Arg? {
    // A single value stands for a one-item list where one item is enough (`from: a`).
    guard let items = node.items else {
      if minCount <= 1, node.scalar != nil, node.scalar?.resolved != .null {
        return decode(node, as: item, name: name).map { Arg(.list([$0.value]), range: node.range, itemRanges: [node.range]) }
      }
      return mismatch(node, "a list")
    }
    guard items.count >= minCount else {
      return diags.fail(Diagnostic(.tooFewItems(name, minCount, found: items.count), at: node.range))
    }
    let decoded = items.map { decode($0, as: item, name: name) }
    guard decoded.allSatisfy({ $0 != nil }) else { return nil }
    return Arg(.list(decoded.map { $0!.value }), range: node.range, itemRanges: items.map(\.range))
  }
}

/// `'a', 'b' or 'c'`.
func quoteList(_ words: [String]) -> String {
  let q = words.map { "'\($0)'" }
  guard q.count > 1 else { return q.first ?? "" }
  return q.dropLast().joined(separator: ", ") + " or " + q.last!
}

extension ParamType {
  static func == (a: ParamType, b: ParamType) -> Bool { a.description == b.description }
}
