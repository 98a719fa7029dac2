/// The registry of every op, by opcode. Each family's schemas live in their own file.

/// Looks up op schemas.
public enum OpRegistry {
  /// Every schema, family by family: the forward ops, then what `@train_step` adds
  /// (training forms, backward ops, optimizer updates; see docs/training-ir.md).
  public static let all: [OpSchema] =
    linearOps + attentionOps + spatialOps + normalizationOps + activationOps + mergeOps + shapeOps + lossOps
    + trainingOps + lossGradientOps + linearGradientOps + spatialGradientOps + activationGradientOps
    + normalizationGradientOps + attentionGradientOps + optimizerOps + quantizedOps

  private static let byName: [String: OpSchema] = Dictionary(all.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })

  /// The schema of `opcode`, or nil if the IR has no such op.
  public static func schema(_ opcode: String) -> OpSchema? { byName[opcode] }

  /// Every opcode, sorted.
  public static var opcodes: [String] { byName.keys.sorted() }
}
