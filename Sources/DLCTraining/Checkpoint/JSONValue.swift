/// The small JSON reader behind safetensors headers (RFC 8259), strict and bounded.
import DLCBasics

/// A JSON value. Objects keep their keys in file order; numbers keep their text.
indirect enum JSONValue: Equatable {
  case object([(String, JSONValue)])
  case array([JSONValue])
  case string(String)
  case number(String)
  case bool(Bool)
  case null

  static func == (a: JSONValue, b: JSONValue) -> Bool {
    switch (a, b) {
    case (.object(let x), .object(let y)): return x.map(\.0) == y.map(\.0) && x.map(\.1) == y.map(\.1)
    case (.array(let x), .array(let y)): return x == y
    case (.string(let x), .string(let y)), (.number(let x), .number(let y)): return x == y
    case (.bool(let x), .bool(let y)): return x == y
    case (.null, .null): return true
    default: return false
    }
  }

  /// A non-negative integer number (digits only), or nil.
  var index: Int? {
    guard case .number(let t) = self, !t.isEmpty, t.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
    return Int(t)
  }
}

/// Why the text is not JSON.
struct JSONError: Error {
  var message: String
}

/// A recursive-descent JSON parser; nesting is limited so hostile input cannot overflow the stack.
struct JSONParser {
  private let b: [UInt8]
  private var i = 0
  private let maxDepth = 64

  /// Parses one value filling `bytes` (surrounding whitespace allowed).
  static func parse(_ bytes: [UInt8]) throws(JSONError) -> JSONValue {
    var p = JSONParser(b: bytes)
    let v = try p.value(depth: 0)
    p.skipSpace()
    guard p.i == bytes.count else { throw JSONError(message: "unexpected text after the JSON value at byte \(p.i)") }
    return v
  }

  private init(b: [UInt8]) { self.b = b }

  private mutating func value(depth: Int) throws(JSONError) -> JSONValue {
    guard depth < maxDepth else { throw JSONError(message: "nesting deeper than \(maxDepth)") }
    skipSpace()
    guard i < b.count else { throw JSONError(message: "unexpected end of the header") }
    switch b[i] {
    case UInt8(ascii: "{"):
      i += 1
      var entries: [(String, JSONValue)] = []
      var keys = Set<String>()
      if take(UInt8(ascii: "}")) { return .object(entries) }
      repeat {
        skipSpace()
        guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw JSONError(message: "expected a key at byte \(i)") }
        let key = try string()
        guard keys.insert(key).inserted else { throw JSONError(message: "duplicate key '\(excerpt(key))'") }
        guard take(UInt8(ascii: ":")) else { throw JSONError(message: "expected ':' at byte \(i)") }
        entries.append((key, try value(depth: depth + 1)))
      } while take(UInt8(ascii: ","))
      guard take(UInt8(ascii: "}")) else { throw JSONError(message: "expected ',' or '}' at byte \(i)") }
      return .object(entries)
    case UInt8(ascii: "["):
      i += 1
      var items: [JSONValue] = []
      if take(UInt8(ascii: "]")) { return .array(items) }
      repeat { items.append(try value(depth: depth + 1)) } while take(UInt8(ascii: ","))
      guard take(UInt8(ascii: "]")) else { throw JSONError(message: "expected ',' or ']' at byte \(i)") }
      return .array(items)
    case UInt8(ascii: "\""): return .string(try string())
    case UInt8(ascii: "t") where literal("true"): return .bool(true)
    case UInt8(ascii: "f") where literal("false"): return .bool(false)
    case UInt8(ascii: "n") where literal("null"): return .null
    default:
      let start = i
      let allowed = Set("+-.eE0123456789".utf8)
      while i < b.count, allowed.contains(b[i]) { i += 1 }
      let text = String(decoding: b[start..<i], as: UTF8.self)
      guard !text.isEmpty, Double(text) != nil else { throw JSONError(message: "unexpected character at byte \(start)") }
      return .number(text)
    }
  }

  /// A string starting at its opening quote; escapes decoded, UTF-8 checked.
  private mutating func string() throws(JSONError) -> String {
    i += 1
    var out: [UInt8] = []
    while i < b.count {
      let c = b[i]
      i += 1
      switch c {
      case UInt8(ascii: "\""):
        guard let s = String(validating: out, as: UTF8.self) else { throw JSONError(message: "a string is not valid UTF-8") }
        return s
      case UInt8(ascii: "\\"):
        guard i < b.count else { break }
        let e = b[i]
        i += 1
        switch e {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"): out += try unicodeEscape()
        default: throw JSONError(message: "bad escape at byte \(i - 2)")
        }
      case 0..<0x20: throw JSONError(message: "a control character in a string at byte \(i - 1)")
      default: out.append(c)
      }
    }
    throw JSONError(message: "a string is not closed")
  }

  /// `\uXXXX` (after the `u`), with a following low surrogate when it is a high one.
  private mutating func unicodeEscape() throws(JSONError) -> [UInt8] {
    func hex4() throws(JSONError) -> UInt32 {
      guard i + 4 <= b.count, let v = UInt32(String(decoding: b[i..<i + 4], as: UTF8.self), radix: 16) else {
        throw JSONError(message: "bad \\u escape at byte \(i)")
      }
      i += 4
      return v
    }
    var scalar = try hex4()
    if (0xD800..<0xDC00).contains(scalar), i + 2 <= b.count, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u") {
      i += 2
      let low = try hex4()
      guard (0xDC00..<0xE000).contains(low) else { throw JSONError(message: "bad surrogate pair at byte \(i)") }
      scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
    }
    guard let u = Unicode.Scalar(scalar) else { throw JSONError(message: "a lone surrogate at byte \(i)") }
    return Array(String(Character(u)).utf8)
  }

  private mutating func literal(_ word: String) -> Bool {
    let w = Array(word.utf8)
    guard i + w.count <= b.count, Array(b[i..<i + w.count]) == w else { return false }
    i += w.count
    return true
  }

  private mutating func take(_ c: UInt8) -> Bool {
    skipSpace()
    guard i < b.count, b[i] == c else { return false }
    i += 1
    return true
  }

  private mutating func skipSpace() {
    while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
  }
}

/// JSON text for a string, with the escapes RFC 8259 requires.
func jsonQuote(_ s: String) -> String { JSONText.quote(s) }
