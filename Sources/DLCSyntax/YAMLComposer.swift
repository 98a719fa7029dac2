/// The composer: libyaml events in, one `Node` tree out, with every YAML-level rule of
/// dlc checked as the events arrive (limits, duplicate keys, tags, aliases, merge keys).
///
/// Fatal problems (libyaml errors, limits, a second document) stop the event loop at
/// once, which is what keeps hostile input cheap; the others are reported and the loop
/// goes on, so one run shows every independent problem.

/// Builds the node tree from libyaml's events.
struct Composer {
  private let file: SourceFile
  private let limits: YAMLLimits
  private let diags: DiagnosticEngine
  private let parser: LibYAMLParser
  private let marks: MarkMap

  /// A mapping or sequence whose end event has not arrived yet.
  private struct Frame {
    var isMapping: Bool
    var isFlow: Bool
    var start: SourcePosition
    var anchor: String?
    /// Nodes in this subtree so far, itself included: what an alias to it costs.
    var size = 1
    /// Collection levels in this subtree, itself included: what an alias to it adds to
    /// the depth where it is used.
    var height = 1
    var items: [Node] = []
    var pairs: [Pair] = []
    /// A key waiting for its value.
    var key: (text: String, range: SourceRange)?
    /// The last key was refused: drop the value that follows it.
    var dropValue = false
    /// Where each key was first defined, for duplicate reports.
    var seen: [String: SourceRange] = [:]
    /// End of the last child: where a block collection ends (libyaml's own end mark
    /// for block collections lies at the next token, past blank lines and comments).
    var lastEnd: SourcePosition
  }

  private var stack: [Frame] = []
  private var anchors: [String: (node: Node, size: Int, height: Int)] = [:]
  private var nodeCount = 0
  private var documents = 0
  private var root: Node?
  private var failed = false
  private var stopped = false

  init(file: SourceFile, limits: YAMLLimits, diags: DiagnosticEngine) {
    self.file = file
    self.limits = limits
    self.diags = diags
    self.marks = MarkMap(file: file)
    // libyaml is told the encoding, so it would not skip a BOM itself but count it as a
    // character; handing it the bytes after the BOM keeps its indices aligned with `MarkMap`.
    self.parser = LibYAMLParser(bytes: file.bytes[file.bomLength...])
  }

  /// Runs the event loop to the end of the stream or the first fatal problem.
  mutating func run() -> Node? {
    while !stopped {
      switch parser.next() {
      case .failure(let e): report(e)
      case .success(let event): handle(event)
      }
    }
    if failed { return nil }
    return root ?? Node(.scalar(Scalar(text: "", style: .plain)), range: file.range(fromByte: 0, toByte: 0))
  }

  // MARK: Events

  /// Dispatches one event.
  private mutating func handle(_ event: YAMLEvent) {
    switch event.kind {
    case .streamStart, .documentEnd: return
    case .streamEnd: stopped = true
    case .documentStart:
      documents += 1
      if documents > 1 {
        let r = SourceRange(file: file, start: marks.position(event.start), end: marks.position(event.end))
        fatal(Diagnostic(.multipleDocuments(), at: r.start == r.end ? marks.point(r.start) : r)
          .help("a spec file holds exactly one document; remove the '---' and what follows"))
      }
    case .mappingStart(let anchor, let tag, let flow): open(event, mapping: true, anchor: anchor, tag: tag, flow: flow)
    case .sequenceStart(let anchor, let tag, let flow): open(event, mapping: false, anchor: anchor, tag: tag, flow: flow)
    case .mappingEnd, .sequenceEnd: close(event)
    case .scalar(let value, let anchor, let tag, let style): scalar(event, value, anchor: anchor, tag: tag, style: style)
    case .alias(let name): alias(event, name)
    }
  }

  /// A mapping or sequence starts: check depth, count and tag, then push a frame.
  private mutating func open(_ event: YAMLEvent, mapping: Bool, anchor: String?, tag: String?, flow: Bool) {
    let (start, tagRange) = properties(event, hasAny: anchor != nil || tag != nil)
    // Checked before libyaml goes deeper: it has no limit of its own and is quadratic
    // in the depth of flow nesting.
    if stack.count >= limits.maxDepth {
      return fatal(Diagnostic(.nestingTooDeep(limits.maxDepth), at: marks.point(start))
        .help("a spec never needs this much nesting; flatten the structure"))
    }
    guard charge(1, at: marks.point(start)) else { return }
    if let tag { checkCollectionTag(tag, mapping: mapping, at: tagRange ?? marks.point(start)) }
    stack.append(Frame(isMapping: mapping, isFlow: flow, start: start, anchor: anchor, lastEnd: marks.position(event.end)))
  }

  /// A mapping or sequence ends: pop its frame and attach the finished node.
  private mutating func close(_ event: YAMLEvent) {
    guard let frame = stack.popLast() else { return }
    let end = frame.isFlow ? marks.position(event.end) : frame.lastEnd
    let range = SourceRange(file: file, start: frame.start, end: max(end, frame.start))
    let node = Node(frame.isMapping ? .mapping(frame.pairs) : .sequence(frame.items), range: range, isFlow: frame.isFlow)
    if let a = frame.anchor { anchors[a] = (node, frame.size, frame.height) }
    add(node, size: frame.size, height: frame.height)
  }

  /// A scalar: check count, length and tag, then attach it.
  private mutating func scalar(_ event: YAMLEvent, _ value: String, anchor: String?, tag: String?, style: Scalar.Style) {
    let (start, tagRange) = properties(event, hasAny: anchor != nil || tag != nil)
    // The range covers the text as written, quotes included, but not the anchor or tag.
    let range = SourceRange(file: file, start: start, end: max(start, marks.position(event.end)))
    guard charge(1, at: range) else { return }
    var node = Node(.scalar(Scalar(text: value, style: style, tag: tag)), range: range)
    if value.utf8.count > limits.maxScalarBytes {
      error(Diagnostic(.scalarTooLong(value.utf8.count, limits.maxScalarBytes), at: range))
      node.kind = .scalar(Scalar(text: "", style: .plain))
    } else if let tag {
      checkScalarTag(tag, node, at: tagRange ?? range)
    }
    if let anchor { anchors[anchor] = (node, 1, 0) }
    add(node, size: 1, height: 0)
  }

  /// An alias is expanded to a copy of its anchored node (cheap: nodes are values), but
  /// charged the anchored subtree's full size, so nested aliases cannot multiply unchecked,
  /// and its height, so that aliases nested in anchors cannot build a tree deeper than
  /// `maxDepth` (which recursive consumers of `Node` rely on).
  private mutating func alias(_ event: YAMLEvent, _ name: String) {
    let range = SourceRange(file: file, start: marks.position(event.start), end: marks.position(event.end))
    guard let (node, size, height) = anchors[name] else {
      error(Diagnostic(.undefinedAlias(name), at: range).help("define it before its first use with '&\(name)'"))
      return add(Node(.scalar(Scalar(text: "", style: .plain)), range: range), size: 1, height: 0)
    }
    if stack.count + height > limits.maxDepth {
      return fatal(Diagnostic(.nestingTooDeep(limits.maxDepth), at: range)
        .help("a spec never needs this much nesting; flatten the structure"))
    }
    guard charge(size, at: range, alias: true) else { return }
    var copy = node
    copy.range = range
    add(copy, size: size, height: height)
  }

  /// Attaches a finished node to the open collection, or makes it the root.
  private mutating func add(_ node: Node, size: Int, height: Int) {
    guard !stack.isEmpty else {
      root = node
      return
    }
    // Move the top frame out and back: it is then the only owner of its arrays, which
    // grow in place (reading fields through `stack[top]` would copy the frame).
    var top = stack.removeLast()
    defer { stack.append(top) }
    top.size += size
    top.height = max(top.height, height + 1)
    top.lastEnd = max(top.lastEnd, node.range.end)
    guard top.isMapping else { return top.items.append(node) }
    if top.dropValue {
      top.dropValue = false
    } else if let key = top.key {
      top.key = nil
      // Keys compare by text: to a spec, `1` and `'1'` name the same key.
      if let first = top.seen[key.text] {
        error(Diagnostic(.duplicateKey(key.text), at: key.range).note("first defined here", at: first)
          .help("remove one of them"))
      } else {
        top.seen[key.text] = key.range
        top.pairs.append(Pair(key: key.text, keyRange: key.range, value: node))
      }
    } else if let s = node.scalar {
      if s.text == "<<", s.style == .plain {
        error(Diagnostic(.mergeKey(), at: node.range).help("write the keys out in this mapping"))
        top.dropValue = true
      } else {
        top.key = (s.text, node.range)
      }
    } else {
      error(Diagnostic(.complexKey(node.kindDescription), at: node.range))
      top.dropValue = true
    }
  }

  // MARK: Checks

  /// Adds `n` to the node count; false (after a fatal error) when that passes the limit.
  private mutating func charge(_ n: Int, at range: SourceRange, alias: Bool = false) -> Bool {
    nodeCount += n
    guard nodeCount > limits.maxNodes else { return true }
    let message: DiagnosticMessage = alias ? .aliasBudget(limits.maxNodes) : .tooManyNodes(limits.maxNodes)
    fatal(Diagnostic(message, at: range))
    return false
  }

  private static let corePrefix = "tag:yaml.org,2002:"

  private static let coreNames: Set = ["str", "int", "float", "bool", "null", "map", "seq"]

  /// The core-schema name of a tag (`int` for `tag:yaml.org,2002:int`), nil for any other tag.
  private static func coreName(_ tag: String) -> String? {
    guard tag.hasPrefix(corePrefix) else { return nil }
    let name = String(tag.dropFirst(corePrefix.count))
    return coreNames.contains(name) ? name : nil
  }

  /// A tag the way users write it: `!!int` rather than `tag:yaml.org,2002:int`.
  private static func display(_ tag: String) -> String {
    tag.hasPrefix(corePrefix) ? "!!" + tag.dropFirst(corePrefix.count) : tag
  }

  /// Only `!!map` on a mapping and `!!seq` on a sequence.
  private mutating func checkCollectionTag(_ tag: String, mapping: Bool, at range: SourceRange) {
    guard let name = Self.coreName(tag) else { return unsupportedTag(tag, at: range) }
    if name != (mapping ? "map" : "seq") {
      error(Diagnostic(.tagMismatch(Self.display(tag), mapping ? "a mapping" : "a list"), at: range).help("remove the tag"))
    }
  }

  /// Only the core schema's tags; a tagged scalar's text must fit its tag.
  private mutating func checkScalarTag(_ tag: String, _ node: Node, at tagRange: SourceRange) {
    guard let name = Self.coreName(tag), let scalar = node.scalar else { return unsupportedTag(tag, at: tagRange) }
    let fits: Bool
    switch (name, scalar.resolved) {
    case ("map", _), ("seq", _):
      return error(Diagnostic(.tagMismatch(Self.display(tag), "a single value"), at: tagRange).help("remove the tag"))
    case ("null", _): fits = ["", "~", "null", "Null", "NULL"].contains(scalar.text)
    case ("str", _), ("int", .int), ("float", .float), ("bool", .bool): fits = true
    default: fits = false
    }
    if !fits { error(Diagnostic(.invalidTaggedValue(Self.display(tag), scalar.text), at: node.range)) }
  }

  private mutating func unsupportedTag(_ tag: String, at range: SourceRange) {
    error(Diagnostic(.unsupportedTag(Self.display(tag)), at: range)
      .help("remove the tag; values are read by the YAML core schema ('!!str', '!!int', '!!float', '!!bool', '!!null')"))
  }

  // MARK: Positions and reporting

  /// Where a node's content starts and where its tag is. libyaml starts a node's event at
  /// its first property (`&anchor`, `!tag`), so read the source between the event's start
  /// and end marks, skipping properties, spaces, line breaks and comments.
  private func properties(_ event: YAMLEvent, hasAny: Bool) -> (content: SourcePosition, tag: SourceRange?) {
    var p = marks.position(event.start)
    guard hasAny else { return (p, nil) }
    let b = file.bytes
    let limit = marks.position(event.end).offset
    var tag: SourceRange?
    while p.offset < limit {
      let c = b[p.offset]
      if c == UInt8(ascii: "&") || c == UInt8(ascii: "!") {
        let tokenStart = p
        let verbatim = c == UInt8(ascii: "!") && p.offset + 1 < limit && b[p.offset + 1] == UInt8(ascii: "<")
        p = marks.advanced(p)
        while p.offset < limit {
          let d = b[p.offset]
          if verbatim {
            p = marks.advanced(p)
            if d == UInt8(ascii: ">") { break }
          } else if Self.isSpace(d) || Self.isFlowIndicator(d) {
            break
          } else {
            p = marks.advanced(p)
          }
        }
        if c == UInt8(ascii: "!") { tag = SourceRange(file: file, start: tokenStart, end: p) }
      } else if c == UInt8(ascii: "#") {
        while p.offset < limit, b[p.offset] != 0x0A, b[p.offset] != 0x0D { p = marks.advanced(p) }
      } else if Self.isSpace(c) {
        p = marks.advanced(p)
      } else {
        break
      }
    }
    return (p, tag)
  }

  private static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

  private static func isFlowIndicator(_ b: UInt8) -> Bool {
    switch b {
    case UInt8(ascii: ","), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "}"): return true
    default: return false
    }
  }

  /// Turns a libyaml error into a diagnostic at its problem mark, with its context as a note.
  private mutating func report(_ e: LibYAMLError) {
    let at = e.problemOffset.map { file.position(ofByte: $0 + file.bomLength) } ?? marks.position(e.problemMark)
    let context = e.context.flatMap { text in e.contextMark.map { (text: text, at: marks.position($0)) } }
    // At the end of the file libyaml's mark lies past the last line; what the user must
    // fix is the construct it was reading (an open quote or bracket), so point there and
    // say both parts: "found unexpected end of stream while scanning a quoted scalar".
    if let context, at.offset >= file.bytes.count, context.at < at {
      let d = Diagnostic(.syntax(e.problem + " " + context.text), at: marks.point(context.at), label: "this is never closed")
      return fatal(d.help(Self.closingHelp[context.text]))
    }
    var d = Diagnostic(.syntax(e.problem), at: marks.point(at))
    if let context { d = context.at == at ? d.note(context.text) : d.note(context.text, at: marks.point(context.at)) }
    if tabIndented(at) { d = d.help("indent with spaces; YAML does not allow tabs for indentation") }
    fatal(d)
  }

  /// What closes the constructs libyaml can be reading when the file ends.
  private static let closingHelp = [
    "while scanning a quoted scalar": "add the closing quote",
    "while parsing a flow sequence": "add the closing ']'",
    "while parsing a flow mapping": "add the closing '}'",
  ]

  /// Whether the character at `p` is a tab, or `p` follows indentation that holds one.
  private func tabIndented(_ p: SourcePosition) -> Bool {
    let b = file.bytes
    if p.offset < b.count, b[p.offset] == 0x09 { return true }
    var i = min(p.offset, b.count) - 1
    var sawTab = false
    while i >= 0, b[i] == 0x20 || b[i] == 0x09 {
      sawTab = sawTab || b[i] == 0x09
      i -= 1
    }
    return sawTab && (i < 0 || b[i] == 0x0A || b[i] == 0x0D)
  }

  /// Reports an error and goes on.
  private mutating func error(_ d: Diagnostic) {
    diags.emit(d)
    failed = true
    // A hostile file can hold millions of independent errors: stop where the engine does.
    if diags.errorCount >= diags.errorLimit { stopped = true }
  }

  /// Reports an error and stops the event loop.
  private mutating func fatal(_ d: Diagnostic) {
    error(d)
    stopped = true
  }
}
