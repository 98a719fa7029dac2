/// YAML reading: bytes of a spec file to a `Node` tree, or diagnostics.
///
/// In: a `SourceFile`. Out: the root `Node` of its single document, or nil with every
/// problem reported to the `DiagnosticEngine` at its position. Never crashes, never
/// hangs: file size, depth, node count, alias expansion and scalar length are bounded
/// (`YAMLLimits`) and checked while events arrive, before libyaml's own quadratic
/// behaviour on deep flow nesting can start.

/// Bounds that keep hostile input cheap to refuse.
public struct YAMLLimits: Sendable {
  public var maxFileBytes = 16 << 20
  public var maxDepth = 256
  public var maxNodes = 2_000_000
  public var maxScalarBytes = 64 << 10
  public init() {}
}

/// Reads YAML through the system libyaml (`LibYAMLEvents.swift` is the only file touching C).
public enum YAMLReader {
  /// Parses `file`, reporting problems to `diagnostics`. Returns nil when any error was found.
  public static func parse(_ file: SourceFile, limits: YAMLLimits = YAMLLimits(), diagnostics: DiagnosticEngine) -> Node? {
    guard let start = precheck(file, limits, diagnostics) else { return nil }
    var composer = Composer(file: file, bomLength: start, limits: limits, diags: diagnostics)
    return composer.run()
  }

  /// Byte-level checks libyaml would report badly or not at all. Returns the offset of
  /// the first byte after a UTF-8 byte-order mark (0 without one).
  static func precheck(_ file: SourceFile, _ limits: YAMLLimits, _ diags: DiagnosticEngine) -> Int? {
    let b = file.bytes
    let origin = file.range(fromByte: 0, toByte: 0)
    if b.count > limits.maxFileBytes {
      return diags.fail(Diagnostic(.fileTooLarge(b.count, limits.maxFileBytes), at: origin))
    }
    if b.starts(with: [0xFF, 0xFE]) || b.starts(with: [0xFE, 0xFF]) || b.starts(with: [0, 0, 0xFE, 0xFF]) {
      return diags.fail(Diagnostic(.unsupportedEncoding(b.starts(with: [0, 0]) || b.starts(with: [0xFF, 0xFE, 0, 0]) ? "UTF-32" : "UTF-16"), at: origin)
        .help("save the file as UTF-8"))
    }
    if let nul = b.firstIndex(of: 0) {
      return diags.fail(Diagnostic(.nulByte(), at: file.range(fromByte: nul, toByte: nul + 1)).help("a spec is a text file"))
    }
    if let bad = firstInvalidUTF8(b) {
      return diags.fail(Diagnostic(.invalidUTF8(), at: file.range(fromByte: bad, toByte: bad + 1)).help("save the file as UTF-8"))
    }
    return b.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
  }

  /// The offset of the first byte that is not part of a well-formed UTF-8 sequence.
  static func firstInvalidUTF8(_ b: [UInt8]) -> Int? {
    var i = 0
    while i < b.count {
      let c = b[i]
      if c < 0x80 { i += 1; continue }
      let (n, min): (Int, UInt32)
      switch c {
      case 0xC2...0xDF: (n, min) = (1, 0x80)
      case 0xE0...0xEF: (n, min) = (2, 0x800)
      case 0xF0...0xF4: (n, min) = (3, 0x10000)
      default: return i
      }
      guard i + n < b.count else { return i }
      var v = UInt32(c) & (0x3F >> n)
      for k in 1...n {
        guard b[i + k] & 0xC0 == 0x80 else { return i }
        v = v << 6 | UInt32(b[i + k] & 0x3F)
      }
      // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
      if v < min || (0xD800...0xDFFF).contains(v) || v > 0x10FFFF { return i }
      i += n + 1
    }
    return nil
  }
}

/// Builds the node tree from libyaml's events.
struct Composer {
  let file: SourceFile
  let limits: YAMLLimits
  let diags: DiagnosticEngine
  private let parser: LibYAMLParser
  private let bomLength: Int
  /// Scalar index → byte offset, only for files with non-ASCII text.
  private let scalarOffsets: [Int32]?

  private enum Frame {
    case mapping(pairs: [Pair], key: (String, SourceRange)?, keyFailed: Bool, seen: [String: SourceRange], start: YAMLMark, anchor: String?, flow: Bool)
    case sequence(items: [Node], start: YAMLMark, anchor: String?, flow: Bool)
  }

  private var stack: [Frame] = []
  private var anchors: [String: (node: Node, size: Int)] = [:]
  private var sizes: [Int] = []  // node counts of open collections, for anchors
  private var nodeCount = 0
  private var documents = 0
  private var root: Node?
  private var failed = false

  init(file: SourceFile, bomLength: Int, limits: YAMLLimits, diags: DiagnosticEngine) {
    self.file = file
    self.bomLength = bomLength
    self.limits = limits
    self.diags = diags
    parser = LibYAMLParser(bytes: file.bytes[bomLength...])
    if file.bytes.allSatisfy({ $0 < 0x80 }) {
      scalarOffsets = nil
    } else {
      var table: [Int32] = []
      table.reserveCapacity(file.bytes.count + 1)
      for (i, byte) in file.bytes.enumerated().dropFirst(bomLength) where byte & 0xC0 != 0x80 { table.append(Int32(i)) }
      table.append(Int32(file.bytes.count))
      scalarOffsets = table
    }
  }

  /// Converts a libyaml mark to a position in the file.
  private func position(_ m: YAMLMark) -> SourcePosition {
    let offset: Int
    if let t = scalarOffsets { offset = Int(t[min(m.index, t.count - 1)]) } else { offset = min(m.index + bomLength, file.bytes.count) }
    return SourcePosition(line: m.line + 1, column: m.column + 1 + (m.line == 0 && bomLength > 0 ? 1 : 0), offset: offset)
  }

  private func range(_ a: YAMLMark, _ b: YAMLMark) -> SourceRange {
    SourceRange(file: file, start: position(a), end: position(b))
  }

  /// Reports an error; `fatal` stops the parse.
  private mutating func error(_ d: Diagnostic, fatal: Bool = false) {
    diags.emit(d)
    failed = true
    if fatal { stop = true }
  }

  private var stop = false

  mutating func run() -> Node? {
    while !stop {
      switch parser.next() {
      case .failure(let e):
        report(e)
        return nil
      case .success(let event):
        handle(event)
        if case .streamEnd = event.kind { stop = true }
      }
    }
    if failed { return nil }
    return root ?? Node(.scalar(Scalar(text: "", style: .plain)), range: file.range(fromByte: 0, toByte: 0))
  }

  private mutating func report(_ e: LibYAMLError) {
    let at = position(e.problemMark)
    var end = at
    end.column += 1
    end.offset += 1
    var d = Diagnostic(.syntax(e.problem), at: SourceRange(file: file, start: at, end: end))
    if let context = e.context, let cm = e.contextMark {
      let p = position(cm)
      d = d.note(context, at: SourceRange(file: file, start: p, end: SourcePosition(line: p.line, column: p.column + 1, offset: p.offset + 1)))
    }
    if at.offset < file.bytes.count, file.bytes[at.offset] == 0x09 {
      d = d.help("indent with spaces; YAML does not allow tabs for indentation")
    }
    error(d, fatal: true)
  }

  private mutating func handle(_ event: YAMLEvent) {
    switch event.kind {
    case .streamStart, .streamEnd, .documentEnd: return
    case .documentStart:
      documents += 1
      if documents > 1 {
        error(Diagnostic(.multipleDocuments(), at: range(event.start, event.end)).help("remove the '---' and what follows, or split the file"), fatal: true)
      }
    case .mappingStart(let anchor, let tag, let flow):
      guard open(event, tag: tag, allowed: "tag:yaml.org,2002:map") else { return }
      stack.append(.mapping(pairs: [], key: nil, keyFailed: false, seen: [:], start: event.start, anchor: anchor, flow: flow))
    case .sequenceStart(let anchor, let tag, let flow):
      guard open(event, tag: tag, allowed: "tag:yaml.org,2002:seq") else { return }
      stack.append(.sequence(items: [], start: event.start, anchor: anchor, flow: flow))
    case .mappingEnd, .sequenceEnd:
      let size = sizes.removeLast()
      let node: Node
      var anchorName: String?
      switch stack.removeLast() {
      case .mapping(let pairs, _, _, _, let start, let anchor, let flow):
        node = Node(.mapping(pairs), range: range(start, event.end), isFlow: flow)
        anchorName = anchor
      case .sequence(let items, let start, let anchor, let flow):
        node = Node(.sequence(items), range: range(start, event.end), isFlow: flow)
        anchorName = anchor
      }
      if let a = anchorName { anchors[a] = (node, size) }
      add(node, size: size, at: event)
    case .scalar(let value, let anchor, let tag, let style):
      guard count(1, at: event) else { return }
      let r = range(event.start, event.end)
      if value.utf8.count > limits.maxScalarBytes {
        error(Diagnostic(.scalarTooLong(value.utf8.count, limits.maxScalarBytes), at: r), fatal: true)
        return
      }
      var scalar = Scalar(text: value, style: style, tag: tag)
      if let tag, !checkScalarTag(tag, &scalar, at: r) { scalar.tag = nil }
      let node = Node(.scalar(scalar), range: r)
      if let a = anchor { anchors[a] = (node, 1) }
      add(node, size: 1, at: event)
    case .alias(let name):
      let r = range(event.start, event.end)
      guard let (node, size) = anchors[name] else {
        error(Diagnostic(.undefinedAlias(name), at: r).help("define it first with '&\(name)'"))
        add(Node(.scalar(Scalar(text: "", style: .plain)), range: r), size: 1, at: event)
        return
      }
      // An alias costs what it expands to, so nested aliases cannot multiply unchecked.
      guard count(size, at: event, alias: true) else { return }
      var copy = node
      copy.range = r
      add(copy, size: size, at: event)
    }
  }

  /// Checks depth and tag of a collection about to open.
  private mutating func open(_ event: YAMLEvent, tag: String?, allowed: String) -> Bool {
    if stack.count >= limits.maxDepth {
      error(Diagnostic(.nestingTooDeep(limits.maxDepth), at: range(event.start, event.end)), fatal: true)
      return false
    }
    guard count(1, at: event) else { return false }
    if let tag, tag != allowed {
      error(Diagnostic(.unsupportedTag(tag), at: range(event.start, event.end)).help("remove the tag"))
    }
    sizes.append(1)
    return true
  }

  /// Adds to the node count; false (after a fatal error) when over the limit.
  private mutating func count(_ n: Int, at event: YAMLEvent, alias: Bool = false) -> Bool {
    nodeCount += n
    guard nodeCount <= limits.maxNodes else {
      let message: DiagnosticMessage = alias ? .aliasBudget(limits.maxNodes) : .tooManyNodes(limits.maxNodes)
      error(Diagnostic(message, at: range(event.start, event.end)), fatal: true)
      return false
    }
    return true
  }

  /// Only the core schema's tags; a tagged scalar's text must fit its tag.
  private mutating func checkScalarTag(_ tag: String, _ scalar: inout Scalar, at r: SourceRange) -> Bool {
    let core = ["str", "int", "float", "bool", "null"].map { "tag:yaml.org,2002:" + $0 }
    guard core.contains(tag) else {
      error(Diagnostic(.unsupportedTag(tag), at: r).help("remove the tag; values are read by the YAML core schema"))
      return false
    }
    let kind = String(tag.dropFirst("tag:yaml.org,2002:".count))
    let resolved = scalar.resolved
    let fits: Bool
    switch (kind, resolved) {
    case ("str", _), ("int", .int), ("float", .float), ("bool", .bool), ("null", .null): fits = true
    default: fits = false
    }
    if !fits { error(Diagnostic(.invalidTaggedValue(kind, scalar.text), at: r)) }
    return fits
  }

  /// Attaches a finished node to its parent (or makes it the root).
  private mutating func add(_ node: Node, size: Int, at event: YAMLEvent) {
    if !sizes.isEmpty { sizes[sizes.count - 1] += size }
    guard let top = stack.popLast() else {
      root = node
      return
    }
    switch top {
    case .sequence(var items, let start, let anchor, let flow):
      items.append(node)
      stack.append(.sequence(items: items, start: start, anchor: anchor, flow: flow))
    case .mapping(var pairs, let key, let keyFailed, var seen, let start, let anchor, let flow):
      if keyFailed {
        stack.append(.mapping(pairs: pairs, key: nil, keyFailed: false, seen: seen, start: start, anchor: anchor, flow: flow))
      } else if let (k, keyRange) = key {
        if let first = seen[k] {
          error(Diagnostic(.duplicateKey(k), at: keyRange).note("first defined here", at: first))
        } else {
          seen[k] = keyRange
          pairs.append(Pair(key: k, keyRange: keyRange, value: node))
        }
        stack.append(.mapping(pairs: pairs, key: nil, keyFailed: false, seen: seen, start: start, anchor: anchor, flow: flow))
      } else {
        // This node is a key.
        var failedKey = false
        if let s = node.scalar {
          if s.text == "<<", s.style == .plain {
            error(Diagnostic(.mergeKey(), at: node.range).help("write the merged keys out in this mapping"))
            failedKey = true
          }
        } else {
          error(Diagnostic(.complexKey(), at: node.range))
          failedKey = true
        }
        stack.append(.mapping(pairs: pairs, key: failedKey ? nil : (node.scalar!.text, node.range), keyFailed: failedKey,
                              seen: seen, start: start, anchor: anchor, flow: flow))
      }
    }
  }
}
