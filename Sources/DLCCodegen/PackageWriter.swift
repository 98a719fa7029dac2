import DLCTraining
import Foundation

/// Writes an emitted trainer as a Swift package a person can keep, read and build without
/// dlc: `Package.swift`, a short README, the carried modules (OpenBLAS shim, the C
/// integer GEMM, DLCBasics, DLCKernels, DLCTraining — dlc's own files, verbatim) and the trainer
/// target: `Model.swift` (the specialized model), `DeployedModel.swift` (the model after
/// the spec's deployment passes, when it lists some), `Run.swift` (the configuration as
/// constants) and `main.swift` (the command line).
public enum PackageWriter {
  /// One trainer of a package: a spec's model (and deployed model, when the spec has
  /// deployment passes), its run, its text and where dlc compiled it.
  public struct Trainer {
    public var run: RunDescription
    public var model: EmittedModel
    public var deployed: EmittedModel?
    public var specText: String
    public var origin: PackageOrigin

    public init(run: RunDescription, model: EmittedModel, deployed: EmittedModel? = nil, specText: String, origin: PackageOrigin) {
      self.run = run
      self.model = model
      self.deployed = deployed
      self.specText = specText
      self.origin = origin
    }

    /// The executable target, `<Spec>Trainer`.
    public var target: String {
      model.typeName.hasSuffix("Model") ? String(model.typeName.dropLast(5)) + "Trainer" : model.typeName + "Trainer"
    }

    /// The executable (product), the spec's name with dashes.
    public var executable: String { run.name.replacingOccurrences(of: "_", with: "-") }
  }

  /// The files of the package, by path relative to its folder; `deployed` is the
  /// deployed model (`ModelEmitter.emitDeployed`), when the spec has deployment passes.
  /// The run's paths are made absolute against `origin` (see `PackageOrigin`).
  public static func files(
    run: RunDescription, model: EmittedModel, deployed: EmittedModel? = nil, specText: String, origin: PackageOrigin
  ) -> [(path: String, text: String)] {
    files([Trainer(run: run, model: model, deployed: deployed, specText: specText, origin: origin)])
  }

  /// The files of a package holding several trainers (distinct spec names), each its own
  /// executable target over one copy of the carried modules: the runtime is built once for
  /// all of them, and an edit to one spec rebuilds only its trainer.
  public static func files(_ trainers: [Trainer]) -> [(path: String, text: String)] {
    var out: [(String, String)] = [
      ("Package.swift", packageManifest(trainers.map { ($0.target, $0.executable) })),
      ("README.md", readme(trainers.map { ($0.run.name, $0.executable) })),
    ]
    for trainer in trainers {
      let (run, target, deployed) = (trainer.origin.anchoring(trainer.run), trainer.target, trainer.deployed)
      out += [
        ("Sources/\(target)/Model.swift", trainer.model.source),
        ("Sources/\(target)/Run.swift", runFile(run: run, specText: trainer.specText, origin: deployed == nil ? nil : trainer.origin)),
        ("Sources/\(target)/main.swift", mainFile(model: trainer.model, deployed: deployed)),
      ]
      if let deployed { out.append(("Sources/\(target)/DeployedModel.swift", deployed.source)) }
    }
    // The carried modules: dlc's own files, embedded at build time (Plugins/CarriedSources),
    // so an emitted trainer runs the code `dlc train` runs. The package mirrors dlc's module
    // layout, so they compile unchanged.
    for file in CarriedSources.files { out.append((file.path, file.text)) }
    return out.sorted { $0.0 < $1.0 }
  }

  /// Writes the package into `directory` (created if needed; files it holds are replaced).
  ///
  /// A file whose bytes are already there is left alone, so its modification time stays
  /// and `swift build` recompiles only what changed (after a spec edit, the trainer
  /// target, not the carried modules). Others go to a temporary name and are renamed over
  /// the old file, so no reader sees half a file. No fsync per file: a package is made
  /// again by running `dlc compile` again (Foundation's atomic write synced each of the
  /// ~80 files and was a fifth of the command's time).
  ///
  /// The folder must be new, empty or an earlier dlc package (`PackageFolder`) unless
  /// `force`; files of an earlier package that this one no longer has are removed.
  public static func write(
    run: RunDescription, model: EmittedModel, deployed: EmittedModel? = nil, specText: String, origin: PackageOrigin,
    to directory: String, force: Bool = false
  ) throws {
    try write([Trainer(run: run, model: model, deployed: deployed, specText: specText, origin: origin)], to: directory, force: force)
  }

  /// Writes a package of several trainers (see `files(_:)`) into `directory`, as `write`.
  public static func write(_ trainers: [Trainer], to directory: String, force: Bool = false) throws {
    let fm = FileManager.default
    let earlier = try PackageFolder.claim(directory, force: force)
    var folders: Set<String> = []
    let contents = files(trainers)
    for (path, text) in contents {
      let full = directory + "/" + path
      let folder = (full as NSString).deletingLastPathComponent
      if folders.insert(folder).inserted { try PathCheck.makeFolder(folder) }
      if fm.contents(atPath: full) == Data(text.utf8) { continue }
      try PathCheck.write(text, to: full, sync: false)
    }
    try PackageFolder.finish(directory, earlier: earlier, current: contents.map(\.path))
  }

  /// The manifest: dlc's own build settings (the section of its Package.swift that
  /// `CarriedSources.buildSettings` embeds, so both build the carried modules with the same
  /// flags), the carried modules, then one executable target and product per (target,
  /// executable); the package is named after the first executable.
  static func packageManifest(_ trainers: [(target: String, executable: String)]) -> String {
    let products = trainers.map { ".executable(name: \"\($0.executable)\", targets: [\"\($0.target)\"])" }
    let targets = trainers.map {
      ".executableTarget(name: \"\($0.target)\", dependencies: [\"DLCKernels\", \"DLCTraining\"], swiftSettings: kernelSettings),"
    }
    return """
    // swift-tools-version: 5.9
    // A standalone trainer emitted by dlc. It needs only the Swift toolchain and OpenBLAS
    // (Debian: apt-get install libopenblas-dev).
    import Foundation
    import PackageDescription

    \(CarriedSources.buildSettings)

    let package = Package(
      name: "\(trainers.first?.executable ?? "trainers")",
      products: [\(products.joined(separator: ", "))],
      targets: [
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .target(name: "CInt8GEMM"),
        .target(name: "DLCBasics"),
        .target(name: "DLCKernels", dependencies: ["COpenBLAS", "CInt8GEMM"], swiftSettings: kernelSettings),
        .target(name: "DLCTraining", dependencies: ["DLCBasics", "DLCKernels"]),
        \(targets.joined(separator: "\n    "))
      ]
    )

    """
  }

  /// The README: how to build, then how to run each (spec name, executable).
  static func readme(_ trainers: [(name: String, executable: String)]) -> String {
    let title = trainers.count == 1 ? "\(trainers[0].name): a trainer emitted by dlc"
      : "trainers emitted by dlc: " + trainers.map(\.name).joined(separator: ", ")
    let runs = trainers.map { t in
      "Run: `.build/release/\(t.executable) train`, then `eval --checkpoint runs/\(t.name)/best.safetensors` or `predict --checkpoint FILE --input FILE` (`--help` lists the options)."
    }
    return """
    # \(title)
    Build: `swift build -c release` (needs the Swift toolchain and `libopenblas-dev`).
    \(runs.joined(separator: "\n"))
    The data paths are absolute (the spec's folder when dlc compiled it, see `Sources/*/Run.swift`): it runs from any folder and the package can move; `--data` reads other files.

    """
  }

  /// `Run.swift`; with `origin` (a package with deployment passes) also where the spec and
  /// dlc were, for `train`'s deployment passes.
  static func runFile(run: RunDescription, specText: String, origin: PackageOrigin?) -> String {
    let deployment = origin.map { origin in
      """

      /// The spec's file and the dlc that compiled it: `train` hands the spec's deployment
      /// passes to that dlc, as `dlc optimize`.
      let specPath = \(RunLiteral.string(origin.spec))
      let dlcPath: String? = \(origin.dlc.map(RunLiteral.string) ?? "nil")

      """
    } ?? ""
    return """
    // The run's configuration, compiled in: hyperparameters, the learning-rate schedule,
    // the data layout. Emitted by dlc from the spec below. Its data paths were resolved
    // against the spec's folder when dlc compiled it and are absolute, so the trainer runs
    // from any working folder and the package can be moved (the data files cannot).
    import DLCTraining

    /// The spec this trainer was compiled from (stored in every checkpoint).
    let specText = \(specLiteral(specText))
    \(deployment)
    /// The run: training and data configuration as constants.
    let run = \(RunLiteral.render(run))

    """
  }

  /// The spec as a raw multi-line string literal, readable as written (an escaped
  /// one-line literal if the spec itself holds the raw delimiter).
  static func specLiteral(_ text: String) -> String {
    guard !text.contains("\"\"\"#"), !text.contains("\r") else { return RunLiteral.string(text) }
    let body = text.hasSuffix("\n") ? String(text.dropLast()) : text
    return "#\"\"\"\n" + body + "\n\"\"\"#" + (text.hasSuffix("\n") ? " + \"\\n\"" : "")
  }

  static func mainFile(model: EmittedModel, deployed: EmittedModel?) -> String {
    var text = """
      // The command line: train, eval and predict over the compiled model (see --help).
      import DLCKernels
      import DLCTraining
      #if canImport(Glibc)
      import Glibc
      #endif

      // GEMM's fast kernels are chosen when OpenBLAS loads; this may restart the process once.
      BLASSetup.reexecWithFastKernelsIfNeeded()

      """
    if let deployed {
      text += """
        // Optimized checkpoints (`dlc optimize`) run on the deployed model, others on the trainer's.
        let deployed = DeployedModel(passes: \(deployed.typeName).passes) { seed, ir in
          try \(deployed.typeName)(seed: seed, checkpointIR: ir)
        }
        // `train` ends with the spec's deployment passes, run by the dlc that compiled the package.
        let deployment = DeploymentCommand(passes: \(deployed.typeName).passes, spec: specPath, dlc: dlcPath)
        exit(TrainerCommandLine.main(CommandLine.arguments, run: run, deployed: deployed, deployment: deployment) { seed in
          \(model.typeName)(seed: seed)
        })

        """
    } else {
      text += """
        exit(TrainerCommandLine.main(CommandLine.arguments, run: run) { seed in \(model.typeName)(seed: seed) })

        """
    }
    return text
  }
}
