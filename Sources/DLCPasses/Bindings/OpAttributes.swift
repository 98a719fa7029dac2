import DLCIR

/// Typed reads of an op's attributes for kernel bindings.
///
/// There are no fallback values here: the op's schema says which attributes are required
/// and the verifier rejects an op without them, so a missing required attribute is a
/// broken invariant (a trap naming the op), not a default. Optional attributes read as
/// optionals.
public struct OpAttributes {
  let op: Operation

  public init(_ op: Operation) { self.op = op }

  /// The attribute `name`, which the schema requires.
  private func required(_ name: String) -> Attribute {
    guard let value = op.attributes[name] else {
      preconditionFailure("'\(op.opcode)' (\(op.label)) has no attribute '\(name)'; the verifier requires it")
    }
    return value
  }

  /// A required integer.
  public func int(_ name: String) -> Int {
    guard let v = required(name).intValue else { preconditionFailure("'\(op.opcode)' attribute '\(name)' is not an integer") }
    return v
  }

  /// A required number at full precision (optimizer hyperparameters).
  public func double(_ name: String) -> Double {
    guard let v = required(name).floatValue else { preconditionFailure("'\(op.opcode)' attribute '\(name)' is not a number") }
    return v
  }

  /// A required number as the kernels' Float.
  public func float(_ name: String) -> Float { Float(double(name)) }

  /// A required string.
  public func string(_ name: String) -> String {
    guard let v = required(name).stringValue else { preconditionFailure("'\(op.opcode)' attribute '\(name)' is not a string") }
    return v
  }

  /// A required boolean.
  public func bool(_ name: String) -> Bool {
    guard let v = required(name).boolValue else { preconditionFailure("'\(op.opcode)' attribute '\(name)' is not true or false") }
    return v
  }

  /// A required `[a, b]` pair.
  public func pair(_ name: String) -> (Int, Int) {
    guard let v = required(name).intList, v.count == 2 else {
      preconditionFailure("'\(op.opcode)' attribute '\(name)' is not a pair of integers")
    }
    return (v[0], v[1])
  }

  /// An optional boolean (absent reads as false).
  public func flag(_ name: String) -> Bool { op.attributes[name]?.boolValue ?? false }

  /// An optional attribute holding one number or a list of numbers, as Floats; empty when
  /// the op does not carry it (`pos_weight`, a list of `class_weights`).
  public func numbers(_ name: String) -> [Float] {
    guard let value = op.attributes[name] else { return [] }
    return (value.floatList ?? value.floatValue.map { [$0] } ?? []).map(Float.init)
  }

  /// Whether the op carries attribute `name`.
  public func has(_ name: String) -> Bool { op.attributes[name] != nil }

  /// An optional attribute as it is.
  public func optional(_ name: String) -> Attribute? { op.attributes[name] }
}
