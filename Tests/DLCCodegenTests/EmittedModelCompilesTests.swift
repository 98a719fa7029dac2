/// Every example's emitted `Model.swift` (and `DeployedModel.swift`) type-checks, warnings as errors, against the
/// DLCKernels and DLCTraining modules of this build (the ones an emitted package carries).
import DLCDriver
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
    for example in ModelEmitterTests.deployedExamples {
      let path = dir.appendingPathComponent("\(example).deployed.swift").path
      try ModelEmitterTests.deployed(example).source.write(toFile: path, atomically: true, encoding: .utf8)
      files.append(path)
    }
    // Every quantized op: digits_cnn deployed with static int8, dynamic and fp16 quantization.
    var quantized = ""
    for (k, variant) in Self.quantizedVariants.enumerated() {
      let path = dir.appendingPathComponent("digits_cnn_q\(k).deployed.swift").path
      let source = try Self.deployedCNN(variant, name: "digits_cnn_q\(k)", in: dir.path)
      try source.write(toFile: path, atomically: true, encoding: .utf8)
      files.append(path)
      quantized += source
    }
    for kernel in ["Quantized.quantize(", "Quantized.conv2dInt8Requantized(", "Quantized.denseInt8(", "Quantized.denseDynamic(",
                   "Quantized.fromHalf(", "Quantized.denseHalf("] {
      #expect(quantized.contains(kernel), "no \(kernel) in the quantized digits_cnn models")
    }
    // All models in one module: their classes and file-private helpers must not collide.
    let arguments = ["-typecheck", "-warnings-as-errors", "-I", Self.modules!, "-I", Golden.root + "/Sources/COpenBLAS",
                     "-I", Golden.root + "/Sources/CInt8GEMM/include"] + files
    let (status, output) = try Self.run(Self.swiftc!, arguments)
    #expect(status == 0, "swiftc -typecheck failed:\n\(output)")
  }

  /// `optimize:` lists that between them emit every quantized op (without the max-pool,
  /// the first conv's ReLU output is requantized for the second).
  static let quantizedVariants: [(optimize: String, withoutPool: Bool)] = [
    ("[quantize]", false), ("[quantize]", true), ("[{quantize: {activations: dynamic}}]", false),
    ("[{quantize: {weights: fp16, activations: float}}]", false),
  ]

  /// The deployed model of digits_cnn under `optimize` (a spec written into `folder`).
  static func deployedCNN(_ variant: (optimize: String, withoutPool: Bool), name: String, in folder: String) throws -> String {
    let fm = FileManager.default
    if !fm.fileExists(atPath: folder + "/data") {
      try fm.createSymbolicLink(atPath: folder + "/data", withDestinationPath: Golden.root + "/specs/data")
    }
    var text = try #require(RepoRoot.read("specs/digits_cnn.yaml")).replacingOccurrences(of: "name: digits_cnn", with: "name: \(name)")
    if variant.withoutPool { text = text.replacingOccurrences(of: "    - maxpool2d: 2\n", with: "") }
    text += "\noptimize: \(variant.optimize)\n"
    let spec = folder + "/\(name).yaml"
    try text.write(toFile: spec, atomically: true, encoding: .utf8)
    let r = Driver.compile(SpecOptions(path: spec), emit: .optIR)
    try #require(r.status == 0, "\(r.stderr)")
    let module = try parseModule(r.stdout)
    let source = try ModelEmitter.emitDeployed(module, passes: ["quantize"], specText: text).source
    return source
  }

  /// Runs a program; its exit status and combined output (`ChildProcess.run`).
  static func run(_ program: String, _ arguments: [String]) throws -> (Int32, String) {
    try ChildProcess.run(program, arguments)
  }
}
