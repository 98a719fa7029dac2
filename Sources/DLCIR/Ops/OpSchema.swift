/// Op schemas: for each opcode its attributes, its shape rule and its FLOP count.
///
/// In: operand types and attributes. Out: result types, or a `ShapeError` phrased for
/// the person who wrote the spec. The type checker infers shapes with these rules and
/// the verifier re-checks every op with them, so they are the one definition of each
/// op's shape.
///
/// FLOPs are counted per sample for the forward pass: a multiply-add is 2 FLOPs, an
/// elementwise op 1 per output element (a transcendental counts 1 too), a reduction
/// 1 per input element. Ops that only move data (flatten, reshape, concat, embedding
/// lookups) count 0.

/// A shape error, phrased for the person who wrote the spec: lowercase, no trailing period.
public struct ShapeError: Error, Sendable, Equatable {
  public var message: String
  public var help: String?

  public init(_ message: String, help: String? = nil) {
    self.message = message
    self.help = help
  }

  public init(message: String, help: String? = nil) {
    self.init(message, help: help)
  }
}

/// The kinds of values an attribute may hold.
public enum AttributeKind: String, Sendable, Equatable {
  case int, float, bool, string, intList, floatList, any

  /// Whether `a` is a value of this kind (an int is also a float).
  public func accepts(_ a: Attribute) -> Bool {
    switch (self, a) {
    case (.any, _), (.int, .int), (.float, .float), (.float, .int), (.bool, .bool), (.string, .string): return true
    case (.intList, .list(let items)): return items.allSatisfy { $0.intValue != nil }
    case (.floatList, .list(let items)): return items.allSatisfy { $0.floatValue != nil }
    default: return false
    }
  }
}

/// One attribute an op takes: its kind and whether every instance must carry it.
public struct AttributeSpec: Sendable, Equatable {
  public var kind: AttributeKind
  public var required: Bool

  public init(kind: AttributeKind, required: Bool) {
    self.kind = kind
    self.required = required
  }

  /// An attribute every instance carries.
  public static func required(_ kind: AttributeKind) -> AttributeSpec { AttributeSpec(kind: kind, required: true) }
  /// An attribute that may be absent.
  public static func optional(_ kind: AttributeKind) -> AttributeSpec { AttributeSpec(kind: kind, required: false) }
}

/// Everything the IR knows about one opcode.
public struct OpSchema: Sendable {
  /// Operand types and attributes → result types.
  public typealias Infer = @Sendable ([TensorType], [String: Attribute]) throws(ShapeError) -> [TensorType]
  /// Operand types, result types and attributes → FLOPs per sample.
  public typealias Flops = @Sendable ([TensorType], [TensorType], [String: Attribute]) -> Int

  public var name: String
  public var summary: String
  /// Attribute name → kind and whether it is required.
  public var attributes: [String: AttributeSpec]
  /// Whether an instance whose results are unused can be removed (false for ops with effects).
  public var isPure: Bool
  private let inferRule: Infer
  private let flopsRule: Flops

  public init(
    _ name: String, _ summary: String, attributes: [String: AttributeSpec] = [:],
    isPure: Bool = true, infer: @escaping Infer, flops: @escaping Flops
  ) {
    self.name = name
    self.summary = summary
    self.attributes = attributes
    self.isPure = isPure
    self.inferRule = infer
    self.flopsRule = flops
  }

  /// Result types for these operand types, or why they do not fit.
  public func infer(_ operands: [TensorType], _ attributes: [String: Attribute]) throws(ShapeError) -> [TensorType] {
    try inferRule(operands, attributes)
  }

  /// FLOPs per sample of the forward computation (see the convention at the top of this file).
  public func flops(_ operands: [TensorType], _ results: [TensorType], _ attributes: [String: Attribute]) -> Int {
    flopsRule(operands, results, attributes)
  }
}

/// The registry of every op, by opcode.
public enum OpRegistry {
  /// Every schema, grouped by family in the order of the `Ops/` files.
  public static let all: [OpSchema] = linearOps + spatialOps + normalizationOps + elementwiseOps + shapeOps + lossOps

  private static let byName: [String: OpSchema] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

  /// The schema of `opcode`, or nil for an unknown opcode.
  public static func schema(_ opcode: String) -> OpSchema? { byName[opcode] }
}

// MARK: Helpers shared by the rules

/// `[64]`, `[1, 8, 8]`.
func shapeText(_ dims: [Int]) -> String { "[" + dims.map(String.init).joined(separator: ", ") + "]" }

/// `5×5`.
func sizeText(_ dims: [Int]) -> String { dims.map(String.init).joined(separator: "×") }

/// The per-sample shape of a batched activation, or an error naming what was expected.
func sample(_ t: TensorType, _ what: String) throws(ShapeError) -> [Int] {
  guard let s = t.perSampleShape else { throw ShapeError("\(what) must be a batched tensor, found \(t)") }
  return s
}

/// The fixed shape of a parameter.
func fixed(_ t: TensorType, _ what: String) throws(ShapeError) -> [Int] {
  guard let s = t.fixedShape else { throw ShapeError("\(what) must have a fixed shape, found \(t)") }
  return s
}

/// Checks the number of operands.
func operandCount(_ ops: [TensorType], _ allowed: ClosedRange<Int>, _ op: String) throws(ShapeError) {
  guard allowed.contains(ops.count) else {
    let range = allowed.count > 1 ? "\(allowed.lowerBound) to \(allowed.upperBound)" : "\(allowed.lowerBound)"
    throw ShapeError("'\(op)' takes \(range) operand\(allowed.upperBound == 1 ? "" : "s"), found \(ops.count)")
  }
}

/// Checks that an operand holds floats.
func floats(_ t: TensorType, _ op: String) throws(ShapeError) {
  guard t.element == .f32 || t.element == .f16 else {
    throw ShapeError("'\(op)' needs a float input, found \(t.element.rawValue)")
  }
}

/// A batched type `[N, dims…]`.
func batched(_ dims: [Int], _ e: ElementType = .f32) -> TensorType {
  TensorType(dims: [.batch] + dims.map { .fixed($0) }, element: e)
}

/// `tensor<f32>`, the type of a loss.
let scalarF32 = TensorType(dims: [], element: .f32)

/// An int-list attribute, or a default.
func ints(_ a: [String: Attribute], _ k: String, default d: [Int]) -> [Int] { a[k]?.intList ?? d }

/// Elementwise FLOPs: one per output element.
let perOutputElement: OpSchema.Flops = { _, r, _ in r.first.map { $0.elementCount(batch: 1) } ?? 0 }
/// Ops that only move data.
let noFlops: OpSchema.Flops = { _, _, _ in 0 }
