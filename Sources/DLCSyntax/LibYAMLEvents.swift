/// The C boundary: the only file that touches libyaml. It turns libyaml's event API into
/// Swift values; everything else (composition, limits, positions) is Swift.
import CLibYAML

/// A libyaml position: 0-based, counting Unicode scalars (CRLF is one break).
struct YAMLMark {
  var index: Int
  var line: Int
  var column: Int

  init(_ m: yaml_mark_t) {
    index = Int(m.index)
    line = Int(m.line)
    column = Int(m.column)
  }
}

/// One parse event with its marks.
struct YAMLEvent {
  enum Kind {
    case streamStart, streamEnd
    case documentStart, documentEnd
    case mappingStart(anchor: String?, tag: String?, flow: Bool)
    case mappingEnd
    case sequenceStart(anchor: String?, tag: String?, flow: Bool)
    case sequenceEnd
    case scalar(value: String, anchor: String?, tag: String?, style: Scalar.Style)
    case alias(anchor: String)
  }

  var kind: Kind
  var start: YAMLMark
  var end: YAMLMark
}

/// libyaml's own error: what went wrong where, and in what context.
struct LibYAMLError: Error {
  var problem: String
  var problemMark: YAMLMark
  /// For reader errors (bad bytes), which leave `problemMark` unset: the byte offset in the input.
  var problemOffset: Int?
  var context: String?
  var contextMark: YAMLMark?
}

/// A libyaml parser over bytes that stay alive as long as it does.
final class LibYAMLParser {
  // yaml_parser_t holds pointers into itself: it lives on the heap and never moves.
  private let parser: UnsafeMutablePointer<yaml_parser_t>
  private let input: UnsafeMutableBufferPointer<UInt8>
  private var finished = false
  private var failedToStart = false

  init(bytes: ArraySlice<UInt8>) {
    parser = .allocate(capacity: 1)
    input = .allocate(capacity: max(1, bytes.count))
    _ = input.initialize(from: bytes)
    // Fails only when out of memory; then the parser's error is set and `next` reports it.
    if yaml_parser_initialize(parser) == 0 { (finished, failedToStart) = (true, true) }
    yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
    yaml_parser_set_input_string(parser, input.baseAddress, bytes.count)
  }

  deinit {
    yaml_parser_delete(parser)
    parser.deallocate()
    input.deallocate()
  }

  /// The next event; after `streamEnd` or an error, keeps returning `streamEnd`.
  func next() -> Result<YAMLEvent, LibYAMLError> {
    var event = yaml_event_t()
    if failedToStart {
      failedToStart = false
      return .failure(currentError())
    }
    guard !finished else { return .success(YAMLEvent(kind: .streamEnd, start: YAMLMark(yaml_mark_t()), end: YAMLMark(yaml_mark_t()))) }
    guard yaml_parser_parse(parser, &event) == 1 else {
      finished = true
      return .failure(currentError())
    }
    defer { yaml_event_delete(&event) }
    let start = YAMLMark(event.start_mark), end = YAMLMark(event.end_mark)
    let kind: YAMLEvent.Kind
    switch event.type {
    case YAML_STREAM_START_EVENT: kind = .streamStart
    case YAML_STREAM_END_EVENT:
      finished = true
      kind = .streamEnd
    case YAML_DOCUMENT_START_EVENT: kind = .documentStart
    case YAML_DOCUMENT_END_EVENT: kind = .documentEnd
    case YAML_MAPPING_START_EVENT:
      let m = event.data.mapping_start
      kind = .mappingStart(anchor: string(m.anchor), tag: string(m.tag), flow: m.style == YAML_FLOW_MAPPING_STYLE)
    case YAML_MAPPING_END_EVENT: kind = .mappingEnd
    case YAML_SEQUENCE_START_EVENT:
      let s = event.data.sequence_start
      kind = .sequenceStart(anchor: string(s.anchor), tag: string(s.tag), flow: s.style == YAML_FLOW_SEQUENCE_STYLE)
    case YAML_SEQUENCE_END_EVENT: kind = .sequenceEnd
    case YAML_SCALAR_EVENT:
      let s = event.data.scalar
      // Read by length: a scalar may contain an escaped NUL, where String(cString:) would stop.
      let value = String(decoding: UnsafeBufferPointer(start: s.value, count: Int(s.length)), as: UTF8.self)
      kind = .scalar(value: value, anchor: string(s.anchor), tag: string(s.tag), style: style(s.style))
    case YAML_ALIAS_EVENT: kind = .alias(anchor: string(event.data.alias.anchor) ?? "")
    default: kind = .streamEnd  // YAML_NO_EVENT: libyaml has nothing more to say
    }
    return .success(YAMLEvent(kind: kind, start: start, end: end))
  }

  /// libyaml's error state as a Swift value.
  private func currentError() -> LibYAMLError {
    let p = parser.pointee
    let fallback = p.error == YAML_MEMORY_ERROR ? "libyaml ran out of memory" : "invalid YAML"
    return LibYAMLError(
      problem: p.problem.map { String(cString: $0) } ?? fallback,
      problemMark: YAMLMark(p.problem_mark),
      // The reader (decoding) stage reports a byte offset and leaves the mark at zero.
      problemOffset: p.error == YAML_READER_ERROR ? Int(p.problem_offset) : nil,
      context: p.context.map { String(cString: $0) },
      contextMark: p.context == nil ? nil : YAMLMark(p.context_mark))
  }

  /// A NUL-terminated anchor or tag as a String (these cannot contain NUL, unlike scalars).
  private func string(_ p: UnsafeMutablePointer<yaml_char_t>?) -> String? {
    p.map { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
  }

  /// libyaml's scalar style as ours; `default:` because C enums import as open structs.
  private func style(_ s: yaml_scalar_style_t) -> Scalar.Style {
    switch s {
    case YAML_SINGLE_QUOTED_SCALAR_STYLE: return .singleQuoted
    case YAML_DOUBLE_QUOTED_SCALAR_STYLE: return .doubleQuoted
    case YAML_LITERAL_SCALAR_STYLE: return .literal
    case YAML_FOLDED_SCALAR_STYLE: return .folded
    default: return .plain
    }
  }
}
