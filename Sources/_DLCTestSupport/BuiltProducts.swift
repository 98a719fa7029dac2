import Foundation

/// Executables the build put beside the test bundle.
public enum BuiltProducts {
  /// The built `dlc` executable, or nil when it was not built.
  public static var dlc: String? {
    let bundle = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    let path = bundle.appendingPathComponent("dlc").path
    return FileManager.default.isExecutableFile(atPath: path) ? path : nil
  }
}

extension BuiltProducts {
  /// Runs `executable` in `directory` to its end; output is stdout and stderr together. The
  /// BLAS re-exec guard is set, so the process keeps the kernels OpenBLAS picks for it as
  /// for this test process (see `BLASSetup`).
  public static func run(_ executable: String, _ arguments: [String], in directory: String) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    process.environment = ProcessInfo.processInfo.environment.merging(["DLC_OPENBLAS_REEXEC": "1"]) { _, new in new }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
  }
}
