// swift-tools-version: 6.0
// The package layout is the pipeline: each target is one stage, and each stage
// imports only the stages before it (see docs/architecture.md).
import PackageDescription

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

    // MARK: DLCSyntax: source files, diagnostics, YAML nodes
    .target(name: "DLCSyntax", dependencies: ["CLibYAML"]),
    .testTarget(name: "DLCSyntaxTests", dependencies: ["DLCSyntax", "_DLCTestSupport"]),

    // MARK: DLCSpec: typed spec AST, decoding, the catalog
    .target(name: "DLCSpec", dependencies: ["DLCSyntax"]),
    .testTarget(name: "DLCSpecTests", dependencies: ["DLCSpec", "_DLCTestSupport"]),

    // MARK: DLCIR: IR types, printer, parser, verifier
    .target(name: "DLCIR"),
    .testTarget(name: "DLCIRTests", dependencies: ["DLCIR", "_DLCTestSupport"]),

    // MARK: DLCSema: names, shapes, checks; lowering to IR
    .target(name: "DLCSema", dependencies: ["DLCSyntax", "DLCSpec", "DLCIR"]),
    .testTarget(name: "DLCSemaTests", dependencies: ["DLCSema", "_DLCTestSupport"]),

    // MARK: DLCPasses: pass manager and passes
    .target(name: "DLCPasses", dependencies: ["DLCIR"]),
    .testTarget(name: "DLCPassesTests", dependencies: ["DLCPasses", "_DLCTestSupport"]),

    // MARK: DLCDriver: runs the stages for one invocation
    .target(name: "DLCDriver", dependencies: ["DLCSyntax", "DLCSpec", "DLCSema", "DLCIR", "DLCPasses"]),
    .testTarget(
      name: "DLCDriverTests",
      dependencies: ["DLCDriver", "_DLCTestSupport"]
    ),

    // MARK: dlc: the command line
    .executableTarget(
      name: "dlc",
      dependencies: [
        "DLCDriver",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),

    // MARK: test support (golden files, inline expectations)
    .target(name: "_DLCTestSupport", dependencies: ["DLCSyntax", "DLCIR"]),
  ]
)
