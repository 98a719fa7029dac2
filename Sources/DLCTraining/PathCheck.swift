/// The checks every path a user gives goes through before a command reads or writes it.
///
/// In: the path and the option it came from (`--out`, `--checkpoint`). Out: nothing, or a
/// `DataError` whose sentence names the option and the path. Empty paths and the file
/// system's root are refused (an empty `--out` once wrote into `/`); an input must be a
/// readable file; an output file's folder must exist and the path must not be a folder;
/// an output folder must be a folder or missing (it is then created with its parents, as
/// `mkdir -p` would, so a new `runs/` or package folder needs no step of its own) — but
/// never a file, nor under one.
/// The write itself still reports the system's reason with the path (a read-only folder).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum PathCheck {
  /// What an option names.
  public enum Kind: Sendable {
    case inputFile, outputFile, outputFolder

    /// "a file", "a folder", for messages.
    var noun: String { self == .outputFolder ? "a folder" : "a file" }
  }

  /// Checks `path` given for `option` as `kind`.
  public static func check(_ path: String, option: String, as kind: Kind) throws(DataError) {
    guard !path.isEmpty else { throw .pathEmpty(option, kind) }
    switch kind {
    case .inputFile: try inputFile(path, option: option)
    case .outputFile: try outputFile(path, option: option)
    case .outputFolder: try outputFolder(path, option: option)
    }
  }

  /// An existing, readable file that is not a folder.
  static func inputFile(_ path: String, option: String) throws(DataError) {
    switch kind(of: path) {
    case .none: throw .pathNotFound(path, option)
    case .folder: throw .pathIsFolder(path, option)
    case .file:
      guard access(path, R_OK) == 0 else { throw .pathUnreadable(path, option, AtomicFile.errnoText()) }
    }
  }

  /// Not a folder, in an existing folder.
  static func outputFile(_ path: String, option: String) throws(DataError) {
    if kind(of: path) == .folder { throw .pathIsFolder(path, option) }
    let folder = AtomicFile.directory(of: path)
    switch kind(of: folder) {
    case .folder: break
    case .file: throw .pathParentIsFile(path, folder, option)
    case .none: throw .pathMissingFolder(path, folder, option)
    }
  }

  /// A folder, or a missing one whose nearest existing ancestor is a folder; never the root.
  static func outputFolder(_ path: String, option: String) throws(DataError) {
    guard !path.allSatisfy({ $0 == "/" }) else { throw .pathIsRoot(option) }
    var current = path
    while true {
      while current.count > 1, current.hasSuffix("/") { current.removeLast() }
      switch kind(of: current) {
      case .folder: return
      case .file: throw current == path ? .pathNotFolder(path, option) : .pathParentIsFile(path, current, option)
      case .none:
        let parent = AtomicFile.directory(of: current)
        if parent == current || parent == "." || parent == "/" { return }
        current = parent
      }
    }
  }

  /// Creates the folder `path` (checked with `check(_:option:as: .outputFolder)` first)
  /// and any missing parents; the system's reason, with the path, when it cannot.
  public static func makeFolder(_ path: String) throws(DataError) {
    do { try AtomicFile.createDirectories(path) } catch { throw .pathWrite(path, error.reason) }
    guard kind(of: path) == .folder else { throw .pathNotFolder(path, path) }
  }

  /// Writes `text` to `path` atomically (synced to disk unless `sync` is false); the
  /// system's reason, with the path, when it cannot.
  public static func write(_ text: String, to path: String, sync: Bool = true) throws(DataError) {
    do { try AtomicFile.replace(path, with: Array(text.utf8), sync: sync) } catch { throw .pathWrite(path, error.reason) }
  }

  /// What is at a path (symbolic links followed).
  enum Entry { case none, file, folder }

  static func kind(of path: String) -> Entry {
    var info = stat()
    guard stat(path, &info) == 0 else { return .none }
    return (info.st_mode & S_IFMT) == S_IFDIR ? .folder : .file
  }
}
