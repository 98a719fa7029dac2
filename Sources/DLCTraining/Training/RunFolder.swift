/// The run folder `<runs>/<name>/` of one training invocation, locked while it runs.
///
/// In: the runs folder (`--out`), the run's name, and whether the invocation resumes or
/// may overwrite. Out: the folder, created and held under an exclusive `flock` on
/// `<runs>/.<name>.lock` (beside the run folder, so the folder holds only the run's
/// files) until the value is dropped; or a `DataError`: another training holds the lock,
/// or a fresh run would replace an earlier one without `--overwrite`. A fresh run leaves
/// the earlier run's files in place until its first epoch is saved (`replaceEarlierRun`),
/// so a run that fails early keeps the old log and checkpoints.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public final class RunFolder {
  /// The run folder.
  public let path: String
  /// The lock file.
  public let lockPath: String
  private let fd: Int32

  /// The files a run writes, in the order a message lists them.
  public static let runFiles = ["log.jsonl", "best.safetensors", "last.safetensors", "optimized.safetensors"]

  /// Checks `runs`, creates `<runs>/<name>/`, and takes the lock (see the type's summary).
  public init(runs: String, name: String, resume: Bool, overwrite: Bool) throws(DataError) {
    try PathCheck.check(runs, option: "--out", as: .outputFolder)
    var base = runs
    while base.count > 1, base.hasSuffix("/") { base.removeLast() }
    path = base + "/" + name
    lockPath = base + "/." + name + ".lock"
    try PathCheck.makeFolder(base)
    let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw .runLockFile(lockPath, AtomicFile.errnoText()) }
    guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
      close(fd)
      throw .runLocked(path, lockPath)
    }
    self.fd = fd
    if !resume {
      let earlier = Self.runFiles.filter { PathCheck.kind(of: path + "/" + $0) != .none }
      if !earlier.isEmpty, !overwrite { throw .runExists(path, earlier) }
    }
    try PathCheck.makeFolder(path)
  }

  deinit { close(fd) }

  /// Before the first epoch of this invocation is saved: removes the optimized model,
  /// which no longer matches the weights, and for a fresh run the earlier run's `best`
  /// and `last` (which a crash before the new ones are written must not leave beside
  /// the new log).
  func replaceEarlierRun(resume: Bool) throws(DataError) {
    for name in resume ? ["optimized.safetensors"] : ["best.safetensors", "last.safetensors", "optimized.safetensors"] {
      let file = path + "/" + name
      if unlink(file) != 0, errno != ENOENT { throw .pathWrite(file, AtomicFile.errnoText()) }
    }
  }
}
