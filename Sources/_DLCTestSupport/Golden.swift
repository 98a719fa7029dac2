/// Golden files: compare a stage's output with the file under `golden/`, or re-record
/// it when `DLC_BLESS=1` is set. A mismatch writes `<golden>.actual` beside the golden
/// (ignored by git) and returns a message with a diff and how to regenerate. Recording
/// never counts as a pass: a re-recorded golden is reported as a failure that names the
/// file, so a run with `DLC_BLESS=1` that changed anything cannot go green.
#if canImport(Glibc)
import Glibc
#endif
import DLCSyntax

public enum Golden {
  /// The repository's root folder, found from this file's path.
  public static let root: String = {
    var path = #filePath
    for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
    return path
  }()

  /// Whether goldens are being re-recorded.
  public static var blessing: Bool { getenv("DLC_BLESS").map { String(cString: $0) == "1" } ?? false }

  /// Compares `actual` with the golden at `relativePath` (from the repository root).
  /// Returns nil when they match, else a failure message: a diff, or with `DLC_BLESS=1`
  /// which file was re-recorded.
  /// `blessing` and `root` default to this run's switch and the repository (tests of
  /// this helper give others).
  public static func check(
    _ actual: String, against relativePath: String, blessing: Bool = Golden.blessing, root: String = Golden.root
  ) -> String? {
    let path = root + "/" + relativePath
    let expected: String? = {
      guard case .success(let b) = FileReader.read(path, limit: 64 << 20) else { return nil }
      return String(decoding: b, as: UTF8.self)
    }()
    if blessing {
      unlink(path + ".actual")
      guard expected != actual else { return nil }
      write(actual, to: path)
      return rerecorded(relativePath)
    }
    guard let expected else {
      return "missing golden file \(relativePath); record it with `DLC_BLESS=1 swift test` (or `make goldens`) and review `git diff golden/`"
    }
    if expected == actual {
      unlink(path + ".actual")
      return nil
    }
    write(actual, to: path + ".actual")
    return "golden mismatch: \(relativePath)\n" + diff(expected, actual)
      + "\nthe actual output is in \(relativePath).actual; if the change is intended, re-record with `DLC_BLESS=1 swift test` and review `git diff golden/`"
  }

  /// The failure of a blessed run that wrote `relativePath`.
  static func rerecorded(_ relativePath: String) -> String {
    "re-recorded \(relativePath) (DLC_BLESS=1); review `git diff \(relativePath)`, then re-run without DLC_BLESS "
      + "to pass: a run that records goldens never passes"
  }

  /// A short line diff: the first differing region with a little context.
  public static func diff(_ expected: String, _ actual: String) -> String {
    let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
    let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
    var first = 0
    while first < min(e.count, a.count), e[first] == a[first] { first += 1 }
    var (ei, ai) = (e.count, a.count)
    while ei > first, ai > first, e[ei - 1] == a[ai - 1] { ei -= 1; ai -= 1 }
    var out = "@@ line \(first + 1) @@\n"
    for l in e[max(0, first - 2)..<first] { out += "  \(l)\n" }
    for l in e[first..<ei].prefix(40) { out += "- \(l)\n" }
    for l in a[first..<ai].prefix(40) { out += "+ \(l)\n" }
    return out
  }

  /// Writes a file, creating its folder.
  public static func write(_ text: String, to path: String) {
    let dir = String(path[..<path.lastIndex(of: "/")!])
    mkdirs(dir)
    guard let f = fopen(path, "wb") else { return }
    _ = text.utf8CString.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count - 1, f) }
    fclose(f)
  }

  private static func mkdirs(_ dir: String) {
    var path = ""
    for part in dir.split(separator: "/") {
      path += "/" + part
      mkdir(path, 0o755)
    }
  }

  /// The files in a folder of the repository with a given extension, sorted.
  public static func files(in relativeDir: String, ending suffix: String) -> [String] {
    guard let d = opendir(root + "/" + relativeDir) else { return [] }
    defer { closedir(d) }
    var names: [String] = []
    while let entry = readdir(d) {
      let name = withUnsafePointer(to: entry.pointee.d_name) { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
      if name.hasSuffix(suffix) { names.append(relativeDir + "/" + name) }
    }
    return names.sorted()
  }
}
