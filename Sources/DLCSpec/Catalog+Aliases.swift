/// Names from other frameworks that a spec may write for a catalog entry.
///
/// An alias is accepted when it means exactly one entry with fixed parameters in the
/// framework it comes from (Keras's `he_normal` is a truncated normal, so it becomes
/// `variance_scaling` and not PyTorch's untruncated `kaiming_normal`). A name that could
/// mean either of two entries (`xavier`, `kaiming`) is not accepted: the unknown-name
/// message lists both.

/// A name that stands for an entry with some parameters set.
public struct EntryAlias: Sendable {
  public var kind: EntryKind
  /// The name as written in a spec.
  public var name: String
  /// The entry it stands for.
  public var entry: String
  /// Parameters it sets; written parameters override them.
  public var args: [String: ArgValue]
  /// Where the name comes from, for the docs.
  public var origin: String

  public init(_ kind: EntryKind, _ name: String, _ entry: String, _ args: [String: ArgValue] = [:], origin: String) {
    self.kind = kind
    self.name = name
    self.entry = entry
    self.args = args
    self.origin = origin
  }
}

extension Catalog {
  private static func scaling(_ scale: Double, _ mode: String) -> [String: ArgValue] {
    ["scale": .float(scale), "mode": .string(mode), "distribution": .string("truncated_normal")]
  }

  /// Every alias, in documentation order.
  public static let aliases: [EntryAlias] = [
    EntryAlias(.initializer, "glorot_uniform", "xavier_uniform", origin: "Keras's `glorot_uniform`"),
    EntryAlias(.initializer, "glorot_normal", "variance_scaling", scaling(1, "fan_avg"),
               origin: "Keras's `glorot_normal`; truncated, unlike `xavier_normal`"),
    EntryAlias(.initializer, "he_uniform", "kaiming_uniform", origin: "Keras's `he_uniform`"),
    EntryAlias(.initializer, "he_normal", "variance_scaling", scaling(2, "fan_in"),
               origin: "Keras's `he_normal`; truncated, unlike `kaiming_normal`"),
    EntryAlias(.initializer, "random_uniform", "uniform", origin: "Keras's `random_uniform`"),
    EntryAlias(.initializer, "random_normal", "normal", origin: "Keras's `random_normal`"),
    EntryAlias(.initializer, "trunc_normal", "truncated_normal", origin: "PyTorch's `trunc_normal_`"),
    EntryAlias(.initializer, "eye", "identity", origin: "PyTorch's `eye_`"),
  ]

  /// Names that could mean more than one entry, with the entries they could mean.
  public static let ambiguousNames: [EntryKind: [(name: String, candidates: [String])]] = [
    .initializer: [
      ("xavier", ["xavier_uniform", "xavier_normal"]), ("glorot", ["glorot_uniform", "glorot_normal"]),
      ("kaiming", ["kaiming_uniform", "kaiming_normal"]), ("he", ["he_uniform", "he_normal"]),
      ("msra", ["kaiming_uniform", "kaiming_normal"]), ("lecun", ["lecun_uniform", "lecun_normal"]),
    ],
  ]

  /// The alias of one kind with this name.
  public static func alias(_ kind: EntryKind, _ name: String) -> EntryAlias? {
    aliases.first { $0.kind == kind && $0.name == name }
  }

  /// The entries an ambiguous name could mean, or nil.
  public static func candidates(_ kind: EntryKind, forAmbiguous name: String) -> [String]? {
    ambiguousNames[kind]?.first { $0.name == name.lowercased() }?.candidates
  }
}
