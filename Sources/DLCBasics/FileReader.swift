/// Reading files with a size limit and a clear reason when it fails.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a file could not be read, in words for a diagnostic.
public struct FileReadError: Error, Sendable {
  public var reason: String
  public init(reason: String) { self.reason = reason }
}

/// Whole-file and prefix reads that never hang on devices or pipes and never read unboundedly.
public enum FileReader {
  /// Reads at most `limit` bytes of the file at `path`; fails if it is larger
  /// (unless `prefixOnly`), a directory, or unreadable.
  public static func read(_ path: String, limit: Int, prefixOnly: Bool = false) -> Result<[UInt8], FileReadError> {
    var st = stat()
    guard stat(path, &st) == 0 else { return .failure(FileReadError(reason: errnoText())) }
    let type = st.st_mode & S_IFMT
    if type == S_IFDIR { return .failure(FileReadError(reason: "it is a directory")) }
    guard type == S_IFREG else { return .failure(FileReadError(reason: "it is not a regular file")) }
    if !prefixOnly, Int(st.st_size) > limit {
      return .failure(FileReadError(reason: "it is \(st.st_size) bytes; the limit is \(limit)"))
    }
    guard let f = fopen(path, "rb") else { return .failure(FileReadError(reason: errnoText())) }
    defer { fclose(f) }
    let want = min(Int(st.st_size), limit)
    var bytes = [UInt8](repeating: 0, count: want)
    let got = bytes.withUnsafeMutableBytes { fread($0.baseAddress, 1, want, f) }
    if got < want, ferror(f) != 0 { return .failure(FileReadError(reason: errnoText())) }
    bytes.removeLast(want - got)
    return .success(bytes)
  }

  /// The size in bytes of the regular file at `path`, or nil when it is not one.
  public static func size(of path: String) -> Int? {
    var st = stat()
    guard stat(path, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { return nil }
    return Int(st.st_size)
  }

  /// `errno` as text, lowercased like the rest of dlc's messages.
  static func errnoText() -> String {
    let text = String(cString: strerror(errno))
    guard let first = text.first else { return text }
    return first.lowercased() + text.dropFirst()
  }

  /// `base`'s folder joined with `path`, unless `path` is absolute.
  public static func resolve(_ path: String, relativeTo base: String) -> String {
    if path.hasPrefix("/") { return normalize(path) }
    guard let slash = base.lastIndex(of: "/") else { return normalize(path) }
    let dir = String(base[..<slash])
    return normalize(dir + "/" + path)
  }

  /// Removes `.` components and folds `dir/..` where `dir` is a named folder.
  public static func normalize(_ path: String) -> String {
    var out: [Substring] = []
    for part in path.split(separator: "/", omittingEmptySubsequences: false) {
      if part == "." { continue }
      if part == "..", let last = out.last, last != "..", !last.isEmpty {
        out.removeLast()
        continue
      }
      out.append(part)
    }
    let joined = out.joined(separator: "/")
    return joined.isEmpty ? "." : joined
  }
}
