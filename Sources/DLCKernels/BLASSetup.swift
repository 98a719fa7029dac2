import Glibc

/// Makes OpenBLAS use the fast kernels of this CPU.
///
/// Debian's OpenBLAS 0.3.21 does not know recent Intel CPUs and silently falls back to
/// its SSE3 "Prescott" kernels (~4× slower). It picks its kernels in a library
/// constructor, before `main`, so setting `OPENBLAS_CORETYPE` inside the process is too
/// late: the process re-executes itself once with the variable set.
public enum BLASSetup {
  /// The guard variable: set in the re-executed process, so it never re-executes again.
  public static let guardVariable = "DLC_OPENBLAS_REEXEC"

  /// OpenBLAS kernel families that already use AVX2 or AVX-512: never worth a re-exec.
  static let fastCores: Set<String> = ["haswell", "zen", "skylakex", "cooperlake", "sapphirerapids"]

  /// The preferred core type of the CPU this process runs on (see `preferredCoreType(flags:)`),
  /// nil when /proc/cpuinfo cannot be read.
  public static func preferredCoreType() -> String? {
    guard let text = readFile("/proc/cpuinfo") else { return nil }
    return preferredCoreType(flags: cpuFlags(cpuinfo: text))
  }

  /// The preferred core type for the text of a /proc/cpuinfo file (its first `flags` line).
  public static func preferredCoreType(cpuinfo: String) -> String? {
    preferredCoreType(flags: cpuFlags(cpuinfo: cpuinfo))
  }

  /// The OpenBLAS kernel family for a set of CPU flags, a pure function of them:
  /// "SkylakeX" with avx512f, avx512bw, avx512dq and avx512vl; "Haswell" with avx2 and fma;
  /// nil otherwise.
  public static func preferredCoreType(flags: Set<String>) -> String? {
    if flags.isSuperset(of: ["avx512f", "avx512bw", "avx512dq", "avx512vl"]) { return "SkylakeX" }
    if flags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
    return nil
  }

  /// The flags of the first `flags` line of a /proc/cpuinfo text (empty when it has none).
  public static func cpuFlags(cpuinfo: String) -> Set<String> {
    guard let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
      let colon = line.firstIndex(of: ":")
    else { return [] }
    return Set(line[line.index(after: colon)...].split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init))
  }

  /// The core type to re-execute with, or nil to carry on: nil when the guard variable or
  /// `OPENBLAS_CORETYPE` is set, when there is no preferred type, or when OpenBLAS
  /// already runs the preferred or another AVX2/AVX-512 kernel family.
  public static func reexecDecision(
    coreName: String, environment: [String: String], preferred: String?
  ) -> String? {
    guard environment[guardVariable] == nil, environment["OPENBLAS_CORETYPE"] == nil,
      let preferred
    else { return nil }
    let core = coreName.lowercased()
    if core == preferred.lowercased() || fastCores.contains(core) { return nil }
    return preferred
  }

  /// If OpenBLAS picked a slow generic core, OPENBLAS_CORETYPE is unset and the guard
  /// variable DLC_OPENBLAS_REEXEC is unset: sets both and execv("/proc/self/exe") with
  /// the original arguments. Returns normally otherwise, including when execv fails.
  public static func reexecWithFastKernelsIfNeeded() {
    var environment: [String: String] = [:]
    for name in [guardVariable, "OPENBLAS_CORETYPE"] {
      if let value = getenv(name) { environment[name] = String(cString: value) }
    }
    // Cheap checks first: the re-executed process stops here without reading cpuinfo.
    guard environment.isEmpty,
      let core = reexecDecision(
        coreName: BLAS.coreName, environment: environment, preferred: preferredCoreType())
    else { return }
    setenv(guardVariable, "1", 1)
    setenv("OPENBLAS_CORETYPE", core, 1)
    let arguments = CommandLine.arguments.map { strdup($0) }
    var argv: [UnsafeMutablePointer<CChar>?] = arguments + [nil]
    execv("/proc/self/exe", &argv)
    // execv returned: it failed. Keep the guard set (no second attempt) and run on.
    unsetenv("OPENBLAS_CORETYPE")
    for pointer in arguments { free(pointer) }
  }

  /// The whole content of a (small, text) file, or nil when it cannot be read.
  private static func readFile(_ path: String) -> String? {
    guard let file = fopen(path, "r") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
      let n = fread(&buffer, 1, buffer.count, file)
      if n <= 0 { break }
      bytes.append(contentsOf: buffer[0..<n])
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}
