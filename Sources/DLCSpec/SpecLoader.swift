/// Reading a spec file from disk through the whole front end: bytes, YAML, AST.
import DLCSyntax

public enum SpecLoader {
  /// Reads, parses and decodes the spec at `path`. Nil when it could not be read or
  /// has syntax errors; decoding errors leave nil sections in the returned `Spec`.
  public static func load(_ path: String, limits: YAMLLimits = YAMLLimits(), diagnostics diags: DiagnosticEngine) -> (Spec, SourceFile)? {
    // An oversized spec is refused before it is read, with the YAML layer's own message.
    if let size = FileReader.size(of: path), size > limits.maxFileBytes {
      return diags.fail(Diagnostic(.fileTooLarge(size, limits.maxFileBytes), at: nil, path: path))
    }
    let bytes: [UInt8]
    switch FileReader.read(path, limit: limits.maxFileBytes) {
    case .success(let b): bytes = b
    case .failure(let e):
      return diags.fail(Diagnostic(.fileUnreadable(path, e.reason), at: nil, path: path))
    }
    let file = SourceFile(path: path, bytes: bytes)
    guard let root = YAMLReader.parse(file, limits: limits, diagnostics: diags) else { return nil }
    guard let spec = SpecDecoder.decode(root, file: file, diagnostics: diags) else { return nil }
    return (spec, file)
  }
}
