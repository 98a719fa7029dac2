/// The catalog's vocabulary: entry kinds, parameter types with their constraints, values.
///
/// Every name a spec may use (layer, activation, initializer, loss, metric, optimizer,
/// schedule, pass) is a `CatalogEntry` with typed parameters. Decoding, suggestions and
/// the reference tables in docs/spec-language.md are all driven by these values.
import DLCSyntax

/// What a catalog entry names.
public enum EntryKind: String, Sendable, CaseIterable {
  case layer, activation, initializer, loss, metric, optimizer, schedule, pass

  /// The noun used in messages ("unknown layer 'x'").
  public var noun: String { rawValue }
  /// The noun with its indefinite article ("an optimizer", "a layer").
  public var nounWithArticle: String { ("aeiou".contains(rawValue.first!) ? "an " : "a ") + rawValue }
  public var plural: String { self == .loss || self == .pass ? rawValue + "es" : rawValue + "s" }
}

/// A numeric interval with open or closed ends, printed the way the docs show it.
public struct Bounds: Sendable, CustomStringConvertible {
  public var lower: Double?
  public var lowerInclusive: Bool
  public var upper: Double?
  public var upperInclusive: Bool

  public init(lower: Double? = nil, lowerInclusive: Bool = true, upper: Double? = nil, upperInclusive: Bool = true) {
    self.lower = lower
    self.lowerInclusive = lowerInclusive
    self.upper = upper
    self.upperInclusive = upperInclusive
  }

  public static let any = Bounds()
  public static func atLeast(_ x: Double) -> Bounds { Bounds(lower: x) }
  public static func above(_ x: Double) -> Bounds { Bounds(lower: x, lowerInclusive: false) }
  /// [0, 1): probabilities such as dropout rates.
  public static let unitOpen = Bounds(lower: 0, upper: 1, upperInclusive: false)
  /// [0, 1].
  public static let unit = Bounds(lower: 0, upper: 1)
  /// [lower, `Limits.epochs`]: counts of epochs (and of batches per pass) no run exceeds.
  public static func epochs(from lower: Double) -> Bounds { Bounds(lower: lower, upper: Double(Limits.epochs)) }

  public func contains(_ x: Double) -> Bool {
    if let l = lower, lowerInclusive ? x < l : x <= l { return false }
    if let u = upper, upperInclusive ? x > u : x >= u { return false }
    return true
  }

  public var description: String {
    switch (lower, upper) {
    case (nil, nil): return "any"
    case (let l?, nil): return (lowerInclusive ? "≥ " : "> ") + Self.format(l)
    case (nil, let u?): return (upperInclusive ? "≤ " : "< ") + Self.format(u)
    case (let l?, let u?):
      return (lowerInclusive ? "[" : "(") + Self.format(l) + ", " + Self.format(u) + (upperInclusive ? "]" : ")")
    }
  }

  /// The bounds in a sentence ("must be …"): `in [0, 1)` with both ends, `≥ 1` with one.
  public var requirement: String { lower != nil && upper != nil ? "in " + description : description }

  static func format(_ x: Double) -> String {
    x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x)
  }
}

/// Upper bounds on counts where no sensible spec comes near, so that every size, step and
/// schedule computed from them stays far inside `Int` and no loop runs for ages.
public enum Limits {
  /// Epochs of a run (also `dlc train --epochs`; `TrainConfig.maxEpochs` is the same number).
  public static let epochs = 1_000_000
  /// Samples per batch.
  public static let batchSize = 1 << 24
  /// Classes of a classification task.
  public static let classes = 1_000_000
}

/// The type of a parameter's value, with its constraints.
public indirect enum ParamType: Sendable {
  case int(Bounds)
  case float(Bounds)
  case bool
  /// One of a fixed set of words.
  case choice([String])
  /// Free text (names of columns, metrics to monitor).
  case string
  /// A file path, relative to the spec's folder.
  case path
  /// An integer or a pair `[h, w]`, each within bounds (kernel sizes, strides).
  case intPair(Bounds)
  /// Padding: an integer, a pair, `same` or `valid`.
  case padding
  /// A per-sample shape; positive integers, at most one `-1` to infer.
  case shape
  /// A pair of floats within bounds (Adam's betas).
  case floatPair(Bounds)
  /// Class weights: `balanced` or a list of positive floats.
  case classWeights
  /// A catalog entry of some kind, in any of its three forms.
  case entry(EntryKind)
  /// A list of values of one type, with at least `minCount` items.
  case list(ParamType, minCount: Int)
  /// A reference to a layer by name (or `input`).
  case layerRef
  /// A nested section with its own keys, decoded by the spec decoder.
  case section(String)

  /// How the docs and messages name the type.
  public var description: String {
    switch self {
    case .int(let b): return b.lower == nil && b.upper == nil ? "integer" : "integer \(b)"
    case .float(let b): return b.lower == nil && b.upper == nil ? "number" : "number \(b)"
    case .bool: return "boolean"
    case .choice(let words): return words.map { "`\($0)`" }.joined(separator: " \\| ")
    case .string: return "string"
    case .path: return "path"
    case .intPair(let b): return "integer or [h, w], \(b)"
    case .padding: return "integer, [h, w], `same` or `valid`"
    case .shape: return "list of positive integers (one may be -1)"
    case .floatPair(let b): return "pair of numbers in \(b)"
    case .classWeights: return "`balanced` or list of numbers > 0"
    case .entry(let k): return k.noun
    case .list(let t, let n): return "list of \(t.description)" + (n > 0 ? " (at least \(n))" : "")
    case .layerRef: return "layer name"
    case .section(let name): return name == "layer" ? "layer" : "mapping (see `\(name)`)"
    }
  }
}

/// A decoded parameter value. Ranges live in `Arg`.
public indirect enum ArgValue: Sendable {
  case int(Int)
  case float(Double)
  case bool(Bool)
  case string(String)
  case list([ArgValue])
  case entry(EntryUse)

  /// A numeric value as a Double (integers widen).
  public var double: Double? {
    switch self {
    case .int(let i): return Double(i)
    case .float(let f): return f
    default: return nil
    }
  }
}

/// A parameter value with where it was written (nil for defaults).
public struct Arg: Sendable {
  public var value: ArgValue
  public var range: SourceRange?
  /// Ranges of list items, for pointing at one of them.
  public var itemRanges: [SourceRange]

  public init(_ value: ArgValue, range: SourceRange?, itemRanges: [SourceRange] = []) {
    self.value = value
    self.range = range
    self.itemRanges = itemRanges
  }
}

/// Whether a parameter must be given, and its default otherwise.
public enum ParamDefault: Sendable {
  case required
  /// Absent unless given (e.g. a pooling stride that defaults to the window size).
  case optional
  case value(ArgValue)
}

/// One parameter of a catalog entry or one key of a spec section.
public struct ParamSpec: Sendable {
  public var name: String
  public var type: ParamType
  public var `default`: ParamDefault
  public var doc: String
  /// Defaults that follow another parameter of the same entry: when `parameter` is given
  /// as one of the keys of `defaults`, an unwritten value is that key's value (quantize's
  /// `activations` is `float` when `weights` is `fp16`), else `default`.
  public var follows: (parameter: String, defaults: [String: ArgValue])?

  public init(_ name: String, _ type: ParamType, _ default: ParamDefault, _ doc: String) {
    self.name = name
    self.type = type
    self.default = `default`
    self.doc = doc
  }

  /// This parameter with its default following `parameter` (see `follows`).
  public func following(_ parameter: String, _ defaults: [String: ArgValue]) -> ParamSpec {
    var p = self
    p.follows = (parameter, defaults)
    return p
  }
}

/// A name the spec language knows, with its parameters.
public struct CatalogEntry: Sendable {
  public var kind: EntryKind
  public var name: String
  public var summary: String
  public var params: [ParamSpec]
  /// The parameter set by the `name: value` form, if any.
  public var primary: String?

  public init(_ kind: EntryKind, _ name: String, primary: String? = nil, _ summary: String, _ params: [ParamSpec] = []) {
    self.kind = kind
    self.name = name
    self.summary = summary
    self.params = params
    self.primary = primary
  }

  public func param(_ name: String) -> ParamSpec? { params.first { $0.name == name } }
}

/// One use of a catalog entry in a spec, e.g. `adam: {lr: 3e-4}`.
public struct EntryUse: Sendable, ArgLookup {
  public var entry: CatalogEntry
  /// The parameters written in the spec.
  public var args: [String: Arg]
  /// The whole use; nil for a default.
  public var range: SourceRange?
  /// The name as written; nil for a default.
  public var nameRange: SourceRange?

  public init(entry: CatalogEntry, args: [String: Arg] = [:], range: SourceRange? = nil, nameRange: SourceRange? = nil) {
    self.entry = entry
    self.args = args
    self.range = range
    self.nameRange = nameRange
  }

  public var name: String { entry.name }

  /// The argument if written, else the default; nil for an absent optional parameter.
  public func arg(_ name: String) -> Arg? {
    if let a = args[name] { return a }
    guard let p = entry.param(name) else { return nil }
    if let (other, defaults) = p.follows, other != name, case .string(let given)? = args[other]?.value, let v = defaults[given] {
      return Arg(v, range: nil)
    }
    guard case .value(let v) = p.default else { return nil }
    return Arg(v, range: nil)
  }

  /// The place to point at for a parameter: where it was written, else the whole use.
  public func range(of name: String) -> SourceRange? { args[name]?.range ?? range }
}

/// Typed access to arguments with their defaults, shared by entry uses and sections.
public protocol ArgLookup {
  /// The argument if written, else its default; nil for an absent optional one.
  func arg(_ name: String) -> Arg?
}

extension ArgLookup {
  public func value(_ name: String) -> ArgValue? { arg(name)?.value }

  public func int(_ name: String) -> Int? {
    if case .int(let i)? = value(name) { return i }
    return nil
  }

  public func double(_ name: String) -> Double? { value(name)?.double }

  public func bool(_ name: String) -> Bool? {
    if case .bool(let b)? = value(name) { return b }
    return nil
  }

  public func string(_ name: String) -> String? {
    if case .string(let s)? = value(name) { return s }
    return nil
  }

  /// Integer list (pairs are decoded to two-element lists).
  public func ints(_ name: String) -> [Int]? {
    guard case .list(let items)? = value(name) else { return nil }
    return items.compactMap { if case .int(let i) = $0 { return i } else { return nil } }
  }

  public func entryUse(_ name: String) -> EntryUse? {
    if case .entry(let e)? = value(name) { return e }
    return nil
  }

}
