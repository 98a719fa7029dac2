/// Files for the harness: the inputs to replay, and the scratch files the readers read.
#if canImport(Glibc)
import Glibc
#endif

/// Reading and writing whole files with the C library (no Foundation in the fuzzing loop).
enum InputFiles {
  /// `path` itself, or the regular files directly inside it when it is a folder, sorted.
  static func list(_ path: String) -> [String] {
    guard let dir = opendir(path) else { return [path] }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
      if !name.hasPrefix(".") { names.append(path + "/" + name) }
    }
    return names.sorted()
  }

  /// The bytes of `path`, or nil.
  static func read(_ path: String) -> [UInt8]? {
    guard let f = fopen(path, "rb") else { return nil }
    defer { fclose(f) }
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
      if n == 0 { break }
      out.append(contentsOf: chunk[0..<n])
    }
    return ferror(f) == 0 ? out : nil
  }

  /// Replaces `path` with `bytes`; exits when that fails (the run would test nothing).
  static func write(_ bytes: [UInt8], to path: String) {
    guard let f = fopen(path, "wb") else { fatal("cannot write '\(path)'") }
    let n = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
    guard n == bytes.count, fclose(f) == 0 else { fatal("cannot write '\(path)'") }
  }

  /// A fresh folder for this process's scratch files, under `TMPDIR`, else `/dev/shm`
  /// when there is one, else `/tmp`. Memory, because rewriting a file on ext4 (a
  /// truncation) flushes it at close, which made every input wait for the disk.
  static func scratchFolder() -> String {
    var st = stat()
    let base = getenv("TMPDIR").map { String(cString: $0) }
      ?? (stat("/dev/shm", &st) == 0 && st.st_mode & S_IFMT == S_IFDIR ? "/dev/shm" : "/tmp")
    let path = "\(base)/dlc-fuzz-\(getpid())"
    if mkdir(path, 0o700) != 0, errno != EEXIST { fatal("cannot create '\(path)'") }
    scratchPaths.append(path)
    if scratchPaths.count == 1 { atexit { InputFiles.removeScratchFolders() } }
    return path
  }

  /// The scratch folders made so far, removed at exit.
  nonisolated(unsafe) private static var scratchPaths: [String] = []

  /// Removes the scratch folders and the files the harness wrote into them.
  private static func removeScratchFolders() {
    for folder in Set(scratchPaths) {
      for file in list(folder) { unlink(file) }
      rmdir(folder)
    }
  }

  /// Writes `message` to standard error.
  static func printError(_ message: String) {
    var text = message
    text.withUTF8 { _ = Glibc.write(2, $0.baseAddress, $0.count) }
  }

  /// A harness failure, which is not a finding.
  static func fatal(_ message: String) -> Never {
    InputFiles.printError("dlc-fuzz: \(message)\n")
    exit(2)
  }
}
