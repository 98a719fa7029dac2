/// The `expr` activation: checking its formula where it is written, and its IR form.
///
/// `activation: {expr: "x*sigmoid(b*x)", b: 1.5}` (or a layer `- expr: "…"` with the
/// constants as sibling keys): the string is parsed by `DLCExpression`; every other key
/// is a named constant, a number. An error is reported at its line and column inside the
/// YAML string: exactly for a plain scalar on one line, a single-quoted one on one line
/// (`''` counted as the two characters it is written with) and a double-quoted one on one
/// line without escapes; for a block scalar (`|`, `>`), an escaped or a multi-line
/// string, where characters of the value are not characters of the file one for one,
/// at the start of the string, with a note giving the character within the expression.
import DLCExpression
import DLCSyntax

/// The checks and the lowering of `expr` uses.
public enum ExpressionActivation {
  /// The catalog name.
  public static let name = "expr"
  /// Largest derivative, in nodes written out as a tree (its text grows with it).
  static let maxDerivativeSize = 20_000

  /// The named constants of a use: its keys other than `expr`, as Floats.
  static func constants(_ use: EntryUse) -> [String: Float] {
    var out: [String: Float] = [:]
    for (key, arg) in use.args where key != "expr" { if let v = arg.value.double { out[key] = Float(v) } }
    return out
  }

  /// Whether `key` can name a constant: an identifier that is not `x`, a built-in
  /// constant or a function.
  static func isConstantName(_ key: String) -> Bool {
    guard EntryDecoder.isValidName(key), !key.contains("-") else { return false }
    return key != "x" && ExpressionOp.namedConstants[key] == nil && ExpressionOp.functions[key] == nil
  }

  /// The `expression` op's attributes for a checked use: the canonical texts of the
  /// formula (constants substituted) and of its simplified derivative, in the output y
  /// where it can be written so (then the backward reads y, as built-in sigmoid does).
  public static func attributes(_ use: EntryUse) -> (expr: String, derivative: String)? {
    guard let text = use.string("expr"), let e = try? ExpressionParser.parse(text, constants: constants(use)) else { return nil }
    return (e.text, (e.derivativeFromOutput() ?? e.derivative()).text)
  }

  /// Parses the use's formula; reports what is wrong at its place in the string.
  static func check(_ use: EntryUse, diags: DiagnosticEngine) -> Bool {
    guard let arg = use.args["expr"], case .string(let text) = arg.value, let range = arg.range else { return false }
    let expression: Expression
    do {
      expression = try ExpressionParser.parse(text, constants: constants(use))
    } catch {
      diags.emit(diagnostic(error, text: text, range: range, constants: constants(use).keys.sorted()))
      return false
    }
    guard expression.derivative().treeSize <= maxDerivativeSize else {
      diags.emit(Diagnostic(.expressionTooComplex("its derivative is larger than \(maxDerivativeSize) terms"), at: range)
        .help("write a shorter formula"))
      return false
    }
    return true
  }

  /// The diagnostic for `error` in `text`, written at `range`.
  static func diagnostic(_ error: ExpressionError, text: String, range: SourceRange, constants: [String]) -> Diagnostic {
    let (at, exact) = place(error.span, text: text, range: range)
    var d: Diagnostic
    switch error.kind {
    case .syntax(let expected, let found): d = Diagnostic(.expressionSyntax(expected: expected, found: found), at: at)
    case .unknownName(let name):
      let names = ["x"] + ExpressionOp.namedConstants.keys.sorted() + constants
      d = Diagnostic(.expressionUnknownName(name), at: at, label: "not a known name")
      if ExpressionOp.functions[name] != nil {
        d = d.help("'\(name)' is a function: write '\(name)(…)'")
      } else {
        d = d.help(Suggest.didYouMean(name, in: names)
          ?? "the names are \(quoteList(names)); give a constant beside 'expr', e.g. '{expr: \"x*sigmoid(b*x)\", b: 1.5}'")
      }
    case .unknownFunction(let name):
      let functions = ExpressionOp.functions.keys.sorted()
      d = Diagnostic(.expressionUnknownFunction(name), at: at, label: "not a known function")
        .help(Suggest.didYouMean(name, in: functions) ?? "the functions are " + quoteList(functions))
    case .arity(let function, let expected, let found):
      d = Diagnostic(.expressionArity(function, expected, found: found), at: at)
    case .exponentNotConstant:
      d = Diagnostic(.expressionExponent(), at: at, label: "depends on x")
        .help("write a constant power such as 'x^2'; for a power of x use 'exp(log(a)*x)'")
    case .comparison(let why): d = Diagnostic(.expressionComparison(why), at: at)
    case .notFinite(let why): d = Diagnostic(.expressionNotFinite(why), at: at)
    case .tooComplex(let why): d = Diagnostic(.expressionTooComplex(why), at: at).help("write a shorter formula")
    case .withoutX:
      d = Diagnostic(.expressionWithoutX(), at: at).help("an activation is a formula of its input 'x', e.g. '0.5*x*(tanh(x)+1)'")
    }
    if !exact {
      d = d.note("the string is not written character for character in the file; the error is at character \(error.span.lowerBound + 1) of the expression")
    }
    return d
  }

  /// The file range of characters `span` of `text`, which is written at `range`, and
  /// whether it is exact (else the string's start).
  static func place(_ span: Range<Int>, text: String, range: SourceRange) -> (SourceRange, Bool) {
    let file = range.file
    let start = range.start.offset
    guard let offsets = characterOffsets(text, file.bytes, from: start, to: range.end.offset) else {
      return (file.range(fromByte: start, toByte: start + 1), false)
    }
    let lower = offsets[min(span.lowerBound, offsets.count - 1)]
    let upper = offsets[min(max(span.upperBound, span.lowerBound + 1), offsets.count - 1)]
    return (file.range(fromByte: lower, toByte: max(upper, lower + 1)), true)
  }

  /// The byte offset in the file of each character of `text` plus one past the end,
  /// when the scalar at `start..<end` writes it character for character on one line
  /// (plain; single-quoted with `''`; double-quoted without escapes), else nil.
  static func characterOffsets(_ text: String, _ bytes: [UInt8], from start: Int, to end: Int) -> [Int]? {
    guard start < end, end <= bytes.count else { return nil }
    let raw = bytes[start..<end]
    guard !raw.contains(0x0A), !raw.contains(0x0D) else { return nil }
    let quote = raw.first!
    var i = start
    var stop = end
    if quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") {
      guard end - start >= 2, bytes[end - 1] == quote else { return nil }
      i += 1
      stop -= 1
      if quote == UInt8(ascii: "\""), bytes[i..<stop].contains(UInt8(ascii: "\\")) { return nil }
    } else if quote == UInt8(ascii: "|") || quote == UInt8(ascii: ">") {
      return nil
    }
    var offsets: [Int] = []
    var decoded: [UInt8] = []
    while i < stop {
      offsets.append(i)
      var length = 1
      while i + length < stop, bytes[i + length] & 0xC0 == 0x80 { length += 1 }
      decoded += bytes[i..<(i + length)]
      // '' in a single-quoted scalar is one quote.
      if quote == UInt8(ascii: "'"), bytes[i] == quote, i + 1 < stop, bytes[i + 1] == quote { length = 2 }
      i += length
    }
    offsets.append(stop)
    guard decoded == Array(text.utf8) else { return nil }
    return offsets
  }
}
