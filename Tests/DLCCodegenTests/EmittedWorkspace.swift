import Foundation
import Testing
import _DLCTestSupport

/// Several emitted trainer packages built as one package, so that the carried runtime
/// (DLCKernels, DLCTraining, …), which takes most of a package's release build, is
/// compiled once for all of them instead of once per package.
///
/// The combination changes nothing that is compiled: it requires every package to carry
/// byte-identical runtime sources and the same manifest apart from its own product and
/// executable target, and takes both verbatim. Each trainer target is compiled from its
/// package's own sources with its package's settings, against the same runtime modules,
/// so its executable is the one its package builds alone. That a package also builds
/// alone, moved away from dlc, is checked by `PrintedCommandsTests`.
enum EmittedWorkspace {
  /// What a package's manifest declares for itself, and what it shares with the others.
  struct Manifest {
    /// Everything before `let package = Package(`: the build settings section.
    var settings: String
    /// The product line, `.executable(name: …, targets: […])`.
    var product: String
    /// The runtime target lines, in order.
    var runtimeTargets: [String]
    /// The trainer's `.executableTarget(name: …)` line and its name.
    var trainerTarget: String
    var trainerName: String
    /// The executable's file name.
    var executable: String
  }

  /// Builds the packages (example name → emitted package folder) as one package in
  /// `folder`, in release mode; returns each example's executable.
  static func build(_ packages: [(name: String, folder: String)], in folder: String) throws -> [String: String] {
    let fm = FileManager.default
    let manifests = try packages.map { try manifest(of: $0.folder) }
    let first = try #require(manifests.first, "no packages to build")
    for (package, m) in zip(packages, manifests) {
      try #require(m.settings == first.settings, "\(package.name): its build settings differ from \(packages[0].name)'s")
      try #require(m.runtimeTargets == first.runtimeTargets, "\(package.name): its runtime targets differ from \(packages[0].name)'s")
    }
    let runtime = try fm.contentsOfDirectory(atPath: packages[0].folder + "/Sources").filter { $0 != first.trainerName }.sorted()
    let firstRuntime = try runtimeSources(packages[0].folder, runtime)
    for (package, m) in zip(packages, manifests).dropFirst() {
      let own = try fm.contentsOfDirectory(atPath: package.folder + "/Sources").filter { $0 != m.trainerName }.sorted()
      try #require(own == runtime, "\(package.name): carries the modules \(own), \(packages[0].name) \(runtime)")
      try #require(try runtimeSources(package.folder, runtime) == firstRuntime,
                   "\(package.name): its carried runtime sources differ from \(packages[0].name)'s")
    }

    try fm.createDirectory(atPath: folder + "/Sources", withIntermediateDirectories: true)
    for module in runtime {
      try fm.copyItem(atPath: packages[0].folder + "/Sources/" + module, toPath: folder + "/Sources/" + module)
    }
    for (package, m) in zip(packages, manifests) {
      try fm.copyItem(atPath: package.folder + "/Sources/" + m.trainerName, toPath: folder + "/Sources/" + m.trainerName)
    }
    let text = first.settings + """
      let package = Package(
        name: "emitted-examples",
        products: [
      \(manifests.map { "    " + $0.product }.joined(separator: ",\n")),
        ],
        targets: [
      \((first.runtimeTargets + manifests.map(\.trainerTarget)).map { "    " + $0 }.joined(separator: "\n"))
        ]
      )

      """
    try text.write(toFile: folder + "/Package.swift", atomically: true, encoding: .utf8)
    let build = try EmittedPackageTests.run(
      "/usr/bin/env", ["swift", "build", "-c", "release", "--package-path", folder, "--scratch-path", folder + "/.build"], in: folder)
    try #require(build.status == 0, "swift build of the emitted packages failed:\n\(build.output.suffix(4000))")
    return Dictionary(uniqueKeysWithValues: zip(packages.map(\.name), manifests.map { folder + "/.build/release/" + $0.executable }))
  }

  /// The parts of an emitted `Package.swift`.
  static func manifest(of package: String) throws -> Manifest {
    let text = try String(contentsOfFile: package + "/Package.swift", encoding: .utf8)
    let marker = "let package = Package("
    let split = try #require(text.range(of: marker), "\(package)/Package.swift has no '\(marker)'")
    let settings = String(text[..<split.lowerBound])
    let lines = text[split.lowerBound...].split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
    let productsLine = try #require(lines.first { $0.hasPrefix("products: [.executable(") }, "\(package): no executable product")
    let product = String(productsLine.dropFirst("products: [".count).dropLast("],".count))
    let targetsStart = try #require(lines.firstIndex(of: "targets: ["), "\(package): no targets")
    let targets = lines[(targetsStart + 1)...].prefix { $0 != "]" }
    let trainer = try #require(targets.first { $0.hasPrefix(".executableTarget(") }, "\(package): no executable target")
    let trainerName = try #require(trainer.firstMatch(of: /name: "([A-Za-z0-9_]+)"/)?.1, "\(package): unnamed executable target")
    let executable = try #require(product.firstMatch(of: /name: "([A-Za-z0-9_-]+)"/)?.1, "\(package): unnamed product")
    return Manifest(
      settings: settings, product: product, runtimeTargets: targets.filter { $0 != trainer }, trainerTarget: trainer,
      trainerName: String(trainerName), executable: String(executable))
  }

  /// Every file of the runtime modules, by path relative to `Sources`.
  static func runtimeSources(_ package: String, _ modules: [String]) throws -> [String: Data] {
    var files: [String: Data] = [:]
    for module in modules {
      let root = package + "/Sources/" + module
      guard let walk = FileManager.default.enumerator(atPath: root) else { continue }
      for case let path as String in walk {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: root + "/" + path, isDirectory: &isFolder), !isFolder.boolValue {
          files[module + "/" + path] = try Data(contentsOf: URL(fileURLWithPath: root + "/" + path))
        }
      }
    }
    return files
  }
}
