// swift-tools-version: 6.1
// The package layout is the pipeline: each target is one stage, and each stage
// imports only the stages before it (see docs/architecture.md).
import Foundation
import PackageDescription

// BEGIN build settings: emitted trainer packages build the carried modules with this section,
// copied verbatim (DLCCodegen embeds it at build time, see Plugins/CarriedSources).

/// The CPU the Swift kernels are compiled for, from the flags of the machine that builds
/// them: `haswell` (AVX2, FMA, BMI1/2, F16C, MOVBE, LZCNT) when it has all of them, so
/// `addingProduct` is one FMA instruction and loops use 256-bit vectors (without, FMA is a
/// library call per lane); otherwise none, the baseline of the architecture. So a binary
/// never uses an instruction the machine that built it lacks. The flags are the first
/// `flags` line of /proc/cpuinfo (Linux; none elsewhere), or of the file `DLC_CPUINFO`
/// names; `DLC_TARGET_CPU` names the CPU outright (`x86-64` for a binary that runs on any
/// x86-64, empty for none).
func targetCPU(_ environment: [String: String]) -> String? {
  if let cpu = environment["DLC_TARGET_CPU"] { return cpu.isEmpty ? nil : cpu }
  guard let cpuinfo = try? String(contentsOfFile: environment["DLC_CPUINFO"] ?? "/proc/cpuinfo", encoding: .utf8),
    let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
  else { return nil }
  let flags = Set(line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init))
  return flags.isSuperset(of: ["avx2", "fma", "bmi1", "bmi2", "f16c", "movbe", "abm"]) ? "haswell" : nil
}

/// Hot loops: no exclusivity checks (16× faster elementwise loops, measured), code for the
/// build machine's CPU (`targetCPU`), math functions that do not set errno.
let kernelSettings: [SwiftSetting] = [
  .unsafeFlags(
    ["-enforce-exclusivity=unchecked", "-Xcc", "-fno-math-errno"]
      + (targetCPU(ProcessInfo.processInfo.environment).map { ["-target-cpu", $0] } ?? [])
  ),
]
// END build settings

let package = Package(
  name: "dlc",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "dlc", targets: ["dlc"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
  ],
  targets: [
    // MARK: C boundary
    .systemLibrary(
      name: "CLibYAML",
      pkgConfig: "yaml-0.1",
      providers: [.apt(["libyaml-dev"])]
    ),

    .systemLibrary(
      name: "COpenBLAS",
      pkgConfig: "openblas",
      providers: [.apt(["libopenblas-dev"])]
    ),

    // MARK: CInt8GEMM: the uint8 × int8 GEMM of the quantized kernels (C intrinsics, kernel chosen at run time)
    .target(name: "CInt8GEMM"),

    // MARK: DLCBasics: file reading shared by the front end and the portable runtime
    .target(name: "DLCBasics"),
    .testTarget(name: "DLCBasicsTests", dependencies: ["DLCBasics", "_DLCTestSupport"]),

    // MARK: DLCSyntax: source files, diagnostics, YAML nodes
    .target(name: "DLCSyntax", dependencies: ["CLibYAML", "DLCBasics"]),
    .testTarget(name: "DLCSyntaxTests", dependencies: ["DLCSyntax", "_DLCTestSupport"]),

    // MARK: DLCExpression: activations written as formulas of x: parser, derivative, canonical text
    .target(name: "DLCExpression"),
    .testTarget(name: "DLCExpressionTests", dependencies: ["DLCExpression", "_DLCTestSupport"]),

    // MARK: DLCSpec: typed spec AST, decoding, the catalog
    .target(name: "DLCSpec", dependencies: ["DLCSyntax", "DLCExpression"]),
    .testTarget(name: "DLCSpecTests", dependencies: ["DLCSpec", "_DLCTestSupport"]),

    // MARK: DLCIR: IR types, printer, parser, verifier
    .target(name: "DLCIR", dependencies: ["DLCExpression"]),
    .testTarget(name: "DLCIRTests", dependencies: ["DLCIR", "_DLCTestSupport"]),

    // MARK: DLCSema: names, shapes, checks; lowering to IR
    .target(name: "DLCSema", dependencies: ["DLCSyntax", "DLCSpec", "DLCIR"]),
    .testTarget(name: "DLCSemaTests", dependencies: ["DLCSema", "_DLCTestSupport"]),

    // MARK: DLCPasses: pass manager and passes
    .target(name: "DLCPasses", dependencies: ["DLCIR", "DLCKernels", "DLCExpression"]),
    .testTarget(name: "DLCPassesTests", dependencies: ["DLCPasses", "_DLCTestSupport"]),

    // MARK: DLCKernels: numeric kernels on raw buffers, GEMM through OpenBLAS, the RNG
    .target(name: "DLCKernels", dependencies: ["COpenBLAS", "CInt8GEMM"], swiftSettings: kernelSettings),
    .testTarget(name: "DLCKernelsTests", dependencies: ["DLCKernels", "CInt8GEMM", "_DLCTestSupport"]),

    // MARK: DLCTraining: data, checkpoints, the training loop; knows no IR (carried into emitted trainers)
    .target(name: "DLCTraining", dependencies: ["DLCBasics", "DLCKernels"]),
    .testTarget(name: "DLCTrainingTests", dependencies: ["DLCTraining", "_DLCTestSupport"]),

    // MARK: DLCRuntime: the interpreter of IR programs, IR-to-config adapters
    .target(name: "DLCRuntime", dependencies: ["DLCSyntax", "DLCIR", "DLCKernels", "DLCPasses", "DLCTraining"]),
    .testTarget(name: "DLCRuntimeTests", dependencies: ["DLCRuntime", "DLCTraining", "DLCDriver", "_DLCTestSupport"]),

    // MARK: DLCCodegen: IR to a standalone Swift trainer package
    .target(
      name: "DLCCodegen", dependencies: ["DLCBasics", "DLCIR", "DLCPasses", "DLCKernels", "DLCTraining", "DLCExpression"],
      plugins: ["CarriedSources"]
    ),
    .testTarget(name: "DLCCodegenTests", dependencies: ["DLCCodegen", "DLCDriver", "DLCPasses", "DLCTraining", "_DLCTestSupport"]),

    // MARK: CarriedSources: embeds the carried modules' files (and the build settings above) into
    // DLCCodegen at build time, through the small generator `carried-sources`
    .plugin(name: "CarriedSources", capability: .buildTool(), dependencies: ["carried-sources"]),
    .executableTarget(name: "carried-sources"),

    // MARK: DLCDriver: runs the stages for one invocation
    .target(name: "DLCDriver", dependencies: ["DLCSyntax", "DLCSpec", "DLCSema", "DLCIR", "DLCPasses", "DLCTraining", "DLCRuntime", "DLCCodegen"]),
    .testTarget(
      name: "DLCDriverTests",
      dependencies: ["DLCDriver", "DLCPasses", "DLCSema", "DLCSpec", "DLCTraining", "_DLCTestSupport"]
    ),

    // MARK: dlc: the command line
    .executableTarget(
      name: "dlc",
      dependencies: [
        "DLCDriver",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),

    // MARK: csv-load-bench: times the CSV loader alone (bench/csv/csv_bench.sh)
    .executableTarget(name: "csv-load-bench", dependencies: ["DLCTraining"], path: "bench/csv/LoadCSV"),

    // MARK: dlc-fuzz: the fuzzing harness of the front end and the data readers (fuzz/README.md)
    .executableTarget(name: "dlc-fuzz", dependencies: ["DLCSyntax", "DLCSpec", "DLCSema", "DLCTraining"]),

    // MARK: test support (golden files, inline expectations)
    .target(name: "_DLCTestSupport", dependencies: ["DLCSyntax", "DLCIR"]),
  ]
)
