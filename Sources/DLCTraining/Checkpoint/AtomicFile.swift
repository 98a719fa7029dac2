/// Writing files so that a crash leaves either the old file or the new one, never a mix.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Atomic replacement and folder creation, on POSIX calls.
enum AtomicFile {
  /// Why a system call failed, as text.
  struct Failure: Error {
    var reason: String
  }

  /// Writes `bytes` to `path` atomically: a temporary file in the same folder, written
  /// in full, `fsync`ed, renamed over `path`, then the folder `fsync`ed so the rename
  /// itself survives a crash.
  /// Without `sync`, neither the file nor the folder is `fsync`ed: the rename still keeps
  /// readers from seeing half a file, but a crash may lose it (for files made again easily).
  static func replace(_ path: String, with bytes: [UInt8], sync: Bool = true) throws(Failure) {
    let dir = directory(of: path)
    var template = Array((dir + "/." + base(of: path) + ".tmp-XXXXXX").utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard fd >= 0 else { throw Failure(reason: errnoText()) }
    let tempPath = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    do throws(Failure) {
      try writeAll(fd, bytes)
      guard !sync || fsync(fd) == 0 else { throw Failure(reason: errnoText()) }
    } catch {
      close(fd)
      unlink(tempPath)
      throw error
    }
    guard close(fd) == 0 else {
      let reason = errnoText()
      unlink(tempPath)
      throw Failure(reason: reason)
    }
    guard rename(tempPath, path) == 0 else {
      let reason = errnoText()
      unlink(tempPath)
      throw Failure(reason: reason)
    }
    guard sync else { return }
    let dfd = open(dir, O_RDONLY)
    if dfd >= 0 {
      _ = fsync(dfd)
      close(dfd)
    }
  }

  /// Writes every byte, retrying short writes and interruptions.
  static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws(Failure) {
    var done = 0
    while done < bytes.count {
      let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, bytes.count - done) }
      if n < 0 {
        if errno == EINTR { continue }
        throw Failure(reason: errnoText())
      }
      done += n
    }
  }

  /// Creates `path` and its missing parents (like `mkdir -p`).
  static func createDirectories(_ path: String) throws(Failure) {
    var current = path.hasPrefix("/") ? "" : "."
    for part in path.split(separator: "/") {
      current += "/" + part
      if mkdir(current, 0o755) != 0, errno != EEXIST { throw Failure(reason: errnoText()) }
    }
  }

  /// The folder part of `path` (`.` when there is none).
  static func directory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
  }

  /// The file-name part of `path`.
  static func base(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return path }
    return String(path[path.index(after: slash)...])
  }

  /// `errno` as lowercase text.
  static func errnoText() -> String {
    let text = String(cString: strerror(errno))
    guard let first = text.first else { return text }
    return first.lowercased() + text.dropFirst()
  }
}
