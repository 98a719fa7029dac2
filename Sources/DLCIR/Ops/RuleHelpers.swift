/// Helpers the shape rules share: reading operands and attributes, and the wording of
/// the common errors. Rules run after `OpSchema.infer` checked the operand count and the
/// attribute kinds, so operands up to `minOperands` and required attributes exist.

extension OpArguments {
  /// The per-sample dims of batched operand `i` (`[N, d…]` → `[d…]`).
  func sample(_ i: Int, _ role: String) throws(ShapeError) -> [Int] {
    guard let dims = operands[i].perSampleShape else {
      throw ShapeError("the \(role) of '\(opcode)' must be a batched tensor [N, …], found \(operands[i])")
    }
    guard dims.allSatisfy({ $0 > 0 }) else {
      throw ShapeError("the \(role) of '\(opcode)' has an empty dimension: \(shapeText(dims))")
    }
    return dims
  }

  /// The dims of unbatched operand `i` (a parameter).
  func fixed(_ i: Int, _ role: String) throws(ShapeError) -> [Int] {
    guard let dims = operands[i].fixedShape else {
      throw ShapeError("the \(role) of '\(opcode)' must have a fixed shape, found \(operands[i])")
    }
    return dims
  }

  /// Requires operand `i` to hold floating-point numbers.
  func requireFloating(_ i: Int, _ role: String) throws(ShapeError) {
    let e = operands[i].element
    guard e.isFloatingPoint else {
      throw ShapeError("'\(opcode)' needs a floating-point \(role), found \(e.rawValue)")
    }
  }

  /// Requires operand `i` to have the element type of operand 0.
  func requireSameElement(_ i: Int, _ role: String) throws(ShapeError) {
    let (e, x) = (operands[i].element, operands[0].element)
    guard e == x else { throw ShapeError("the \(role) of '\(opcode)' is \(e.rawValue) but the input is \(x.rawValue)") }
  }

  /// Requires parameter operand `i` to be a vector of `count` elements.
  func requireVector(_ i: Int, _ role: String, count: Int, of what: String) throws(ShapeError) {
    let dims = try fixed(i, role)
    guard dims == [count] else {
      throw ShapeError("the \(role) of '\(opcode)' is \(shapeText(dims)) but must be [\(count)] for \(count) \(what)")
    }
    try requireSameElement(i, role)
  }

  /// Whether optional operand `i` is present.
  func has(_ i: Int) -> Bool { i < operands.count }

  /// Requires operand `i` to be the scalar `tensor<element>` (a learning rate, a step).
  func requireScalar(_ i: Int, _ role: String, _ element: ElementType) throws(ShapeError) {
    let want = TensorType(dims: [], element: element)
    guard operands[i] == want else { throw ShapeError("the \(role) of '\(opcode)' must be \(want), found \(operands[i])") }
  }

  /// Requires operand `i` to have exactly the type of operand `j`.
  func requireSameType(_ i: Int, _ role: String, as j: Int, _ other: String) throws(ShapeError) {
    guard operands[i] == operands[j] else {
      throw ShapeError("the \(role) of '\(opcode)' must have the type of the \(other), \(operands[j]), found \(operands[i])")
    }
  }

  /// Declared result type `i`: part of the result that the operands do not determine.
  func declared(_ i: Int, gives what: String) throws(ShapeError) -> TensorType {
    guard let results = declared, i < results.count else {
      throw ShapeError("'\(opcode)' takes \(what) from its declared result type, which is missing")
    }
    return results[i]
  }

  // MARK: Attributes

  /// Integer attribute `key`.
  func int(_ key: String) throws(ShapeError) -> Int {
    guard let v = attributes[key]?.intValue else { throw missing(key, "an integer") }
    return v
  }

  /// Number attribute `key`.
  func float(_ key: String) throws(ShapeError) -> Double {
    guard let v = attributes[key]?.floatValue else { throw missing(key, "a number") }
    return v
  }

  /// Boolean attribute `key`.
  func bool(_ key: String) throws(ShapeError) -> Bool {
    guard let v = attributes[key]?.boolValue else { throw missing(key, "true or false") }
    return v
  }

  /// String attribute `key`.
  func string(_ key: String) throws(ShapeError) -> String {
    guard let v = attributes[key]?.stringValue else { throw missing(key, "a string") }
    return v
  }

  /// A pair of integers, e.g. a stride.
  func pair(_ key: String) throws(ShapeError) -> [Int] {
    guard let v = attributes[key]?.intList, v.count == 2 else { throw missing(key, "a list of 2 integers") }
    return v
  }

  private func missing(_ key: String, _ kind: String) -> ShapeError {
    ShapeError("'\(opcode)' needs attribute '\(key)' (\(kind))")
  }
}

// MARK: Wording and arithmetic

/// `[64]`, `[1, 8, 8]`.
func shapeText(_ dims: [Int]) -> String { "[" + dims.map(String.init).joined(separator: ", ") + "]" }

/// `5×5`.
func sizeText(_ dims: [Int]) -> String { dims.map(String.init).joined(separator: "×") }

/// `0` for `[0, 0]`, else `[1, 2]`: how a symmetric pair reads best.
func pairText(_ p: [Int]) -> String { p.count == 2 && p[0] == p[1] ? String(p[0]) : shapeText(p) }

/// The product of `dims`, or an error when it does not fit in an `Int`.
func product(_ dims: [Int]) throws(ShapeError) -> Int {
  var total = 1
  for d in dims {
    let (p, overflow) = total.multipliedReportingOverflow(by: d)
    guard !overflow else { throw ShapeError("the shape \(shapeText(dims)) has too many elements") }
    total = p
  }
  return total
}

/// Requires the elements of one sample of `type` (its fixed dims) to fit in an `Int`, so
/// that sizes, byte counts and memory plans computed from it cannot overflow per sample.
func requireCountable(_ type: TensorType) throws(ShapeError) {
  let dims = type.dims.compactMap { if case .fixed(let n) = $0 { return n } else { return nil } }
  var total = 1
  for d in dims {
    let (p, overflow) = total.multipliedReportingOverflow(by: d)
    guard !overflow else {
      throw ShapeError("the result \(describe(type)) has more elements than dlc can count",
                       help: "use smaller layers or a smaller input")
    }
    total = p
  }
}

/// The product of `dims` for FLOP counts; saturates rather than trapping.
func count(_ dims: [Int]) -> Int { dims.reduce(1, saturatingMultiply) }

/// `a · b · …`, saturating: FLOP arithmetic never traps.
func mul(_ factors: Int...) -> Int { factors.reduce(1, saturatingMultiply) }

/// `a + b + …`, saturating.
func sum(_ terms: Int...) -> Int { terms.reduce(0, saturatingAdd) }

/// Elementwise FLOPs: one per element of the first result.
let onePerOutputElement: OpSchema.FlopsRule = { _, results in results.first?.elementCountPerSample ?? 0 }

/// For ops that only move data.
let noFlops: OpSchema.FlopsRule = { _, _ in 0 }
