/// YAML reading: bytes of a spec file to a `Node` tree, or diagnostics.
///
/// In: a `SourceFile`. Out: the root `Node` of its single document, or nil with every
/// problem reported to the `DiagnosticEngine` at its position. Never crashes, never
/// hangs: depth, size, node count and alias expansion are bounded (`YAMLLimits`).

/// Bounds that keep hostile input cheap to refuse.
public struct YAMLLimits: Sendable {
  public var maxFileBytes = 16 << 20
  public var maxDepth = 256
  public var maxNodes = 2_000_000
  public var maxScalarBytes = 64 << 10
  public init() {}
}

/// Reads YAML through the system libyaml (see `LibYAMLEvents.swift`, the only file that touches C).
public enum YAMLReader {
  /// Parses `file`, reporting problems to `diagnostics`. Returns nil when any error was found.
  public static func parse(_ file: SourceFile, limits: YAMLLimits = YAMLLimits(), diagnostics: DiagnosticEngine) -> Node? {
    fatalError("not yet implemented")
  }
}
