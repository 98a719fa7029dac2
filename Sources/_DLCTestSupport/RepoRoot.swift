/// Tests run from the repository root, so that spec paths in goldens are short and stable.
#if canImport(Glibc)
import Glibc
#endif
import DLCSyntax

public enum RepoRoot {
  struct CannotEnter: Error {}

  /// Makes the repository root the working folder (idempotent, process-wide).
  public static func enter() throws {
    guard chdir(Golden.root) == 0 else { throw CannotEnter() }
  }

  /// The text of a file under the root, or nil.
  public static func read(_ relativePath: String) -> String? {
    guard case .success(let b) = FileReader.read(Golden.root + "/" + relativePath, limit: 64 << 20) else { return nil }
    return String(decoding: b, as: UTF8.self)
  }
}
