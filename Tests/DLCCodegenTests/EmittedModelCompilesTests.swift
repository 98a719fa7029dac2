/// Every example's emitted `Model.swift` type-checks, warnings as errors, against the
/// DLCKernels and DLCTraining modules of this build (the ones an emitted package carries).
import DLCIR
import Foundation
import Testing
import _DLCTestSupport

@testable import DLCCodegen

@Suite struct EmittedModelCompilesTests {
  /// The build folder's `Modules` (beside the test bundle), when it holds both modules.
  static let modules: String? = {
    let bundle = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    // The bundle is `<build>/<config>/dlcPackageTests.xctest` (a file on Linux, a folder elsewhere).
    for folder in [bundle, bundle.deletingLastPathComponent()] {
      let modules = folder.appendingPathComponent("Modules").path
      let needed = ["DLCKernels", "DLCTraining"].map { modules + "/\($0).swiftmodule" }
      if needed.allSatisfy(FileManager.default.fileExists(atPath:)) { return modules }
    }
    return nil
  }()

  /// `swiftc` from the PATH (the toolchain that built the tests).
  static let swiftc: String? = {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"
    for dir in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(dir)/swiftc") {
      return "\(dir)/swiftc"
    }
    return nil
  }()

  @Test(.enabled(if: modules != nil && swiftc != nil, "needs the built DLCKernels/DLCTraining modules and swiftc"))
  func everyEmittedModelTypeChecks() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dlc-models-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    var files: [String] = []
    for example in ModelEmitterTests.examples {
      let (module, spec) = try ModelEmitterTests.module(example)
      let path = dir.appendingPathComponent("\(example).swift").path
      try ModelEmitter.emit(module, specText: spec).source.write(toFile: path, atomically: true, encoding: .utf8)
      files.append(path)
    }
    // All models in one module: their classes and file-private helpers must not collide.
    let arguments = ["-typecheck", "-warnings-as-errors", "-I", Self.modules!, "-I", Golden.root + "/Sources/COpenBLAS",
                     "-I", Golden.root + "/Sources/CInt8GEMM/include"] + files
    let (status, output) = try Self.run(Self.swiftc!, arguments)
    #expect(status == 0, "swiftc -typecheck failed:\n\(output)")
  }

  /// Runs a program; its exit status and combined output.
  static func run(_ program: String, _ arguments: [String]) throws -> (Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
  }
}
