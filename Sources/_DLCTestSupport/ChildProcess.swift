/// Running a built program (dlc, an emitted trainer, swiftc) from a test.
///
/// The one file of this module that imports Foundation: the rest stays free of it, and
/// the expectation matching compares text with its own search (`InlineExpectations`), so
/// Foundation's `String` members cannot change how it matches.
import Foundation

public enum ChildProcess {
  /// Runs `executable` with `arguments` in `directory` (the current folder if nil) to its
  /// end; returns its exit status and its standard output and error together. The BLAS
  /// re-exec guard is set, so the child keeps the GEMM kernels OpenBLAS picks for this test
  /// process (see `BLASSetup`): an emitted trainer compared bit for bit with the in-process
  /// `dlc train` must not switch to other kernels, whose rounding differs. `environment`
  /// adds to (or, with nil values, removes from) the test process's.
  public static func run(
    _ executable: String, _ arguments: [String], in directory: String? = nil, environment: [String: String?] = [:]
  ) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    var variables = ProcessInfo.processInfo.environment.merging(["DLC_OPENBLAS_REEXEC": "1"]) { _, new in new }
    for (name, value) in environment { variables[name] = value }
    process.environment = variables
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
  }
}
