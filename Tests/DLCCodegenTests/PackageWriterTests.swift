/// The package around the model: manifest, README, the run as constants and the command
/// line are golden per example; the carried modules are dlc's own files; `dlc compile -o`
/// writes a package for every example, and again rewrites only what changed.
import DLCDriver
import DLCIR
import DLCRuntime
import DLCTraining
import Foundation
import Testing
import _DLCTestSupport

@testable import DLCCodegen

@Suite struct PackageWriterTests {
  /// The files an example's package holds besides the carried modules, one after another
  /// under `== path ==` headers (Model.swift and DeployedModel.swift have their own goldens).
  static func ownFiles(_ example: String) throws -> (text: String, all: [(path: String, text: String)]) {
    let (module, spec) = try ModelEmitterTests.module(example)
    let run = try RunDescription(module: module, specText: spec)
    let deployed = ModelEmitterTests.deployedExamples.contains(example) ? try ModelEmitterTests.deployed(example) : nil
    let files = PackageWriter.files(
      run: run, model: try ModelEmitter.emit(module, specText: spec), deployed: deployed, specText: spec, origin: origin(example))
    let carried = Set(CarriedSources.files.map(\.path))
    #expect(files.contains { !carried.contains($0.path) && $0.path.hasSuffix("/DeployedModel.swift") } == (deployed != nil))
    let own = files.filter { !carried.contains($0.path) && !$0.path.hasSuffix("Model.swift") }
    return (own.map { "== \($0.path) ==\n\($0.text)" }.joined(separator: "\n"), files)
  }

  /// A fixed place for `dlc compile` in the goldens: the repository at /home/user/dlc.
  static func origin(_ example: String) -> PackageOrigin {
    PackageOrigin(workingDirectory: "/home/user/dlc", spec: "specs/\(example).yaml", dlc: "/usr/local/bin/dlc")
  }

  @Test(arguments: ModelEmitterTests.examples)
  func packageFilesMatchGolden(_ example: String) throws {
    let (text, files) = try Self.ownFiles(example)
    if let failure = Golden.check(text, against: "golden/specs/\(example).package") { Issue.record(Comment(rawValue: failure)) }
    // The carried modules are present verbatim, and nothing refers to dlc itself.
    for carried in CarriedSources.files {
      #expect(files.contains { $0.path == carried.path && $0.text == carried.text }, "\(carried.path) missing")
    }
    let manifest = try #require(files.first { $0.path == "Package.swift" }?.text)
    #expect(!manifest.contains(".package(") && !manifest.contains("DLCIR") && !manifest.contains("DLCRuntime"))
    #expect(!text.contains("/work/") && !text.contains("/tmp/"), "machine paths in \(example)'s package")
  }

  /// The CPU an emitted package's kernels are compiled for comes from the flags of the
  /// machine that builds it (the manifest's `targetCPU`, shared with dlc's Package.swift):
  /// `haswell` on an AVX-512 and on an AVX2-only machine, no `-target-cpu` (the baseline)
  /// on one without AVX2, so the binary never holds an instruction its build machine lacks;
  /// `DLC_TARGET_CPU` overrides it. The flags are injected through `DLC_CPUINFO`, so every
  /// machine tests every kind.
  @Test func theManifestChoosesTheCPUFromTheBuildMachinesFlags() throws {
    try RepoRoot.enter()
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("dlc-cpu-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: root) }
    try #require(Driver.emitPackage(SpecOptions(path: "specs/iris.yaml"), to: root + "/package").status == 0)
    let cpuinfo: [(name: String, flags: String)] = [
      ("avx512", "fpu sse4_2 avx avx2 fma bmi1 bmi2 f16c movbe abm avx512f avx512dq avx512bw avx512vl avx512_vnni"),
      ("avx2", "fpu sse4_2 avx f16c fma bmi1 bmi2 movbe abm avx2 sha_ni"),
      ("sse", "fpu sse2 sse3 ssse3 sse4_1 sse4_2 popcnt"),
      ("avx2-without-bmi2", "fpu sse4_2 avx f16c fma bmi1 movbe abm avx2"),
    ]
    func kernelFlags(_ environment: [String: String?]) throws -> [String] {
      let dump = try EmittedPackageTests.run(
        "/usr/bin/env", ["swift", "package", "--package-path", root + "/package", "dump-package"], in: root, environment: environment)
      try #require(dump.status == 0, "\(dump.output)")
      let json = try #require(try JSONSerialization.jsonObject(with: Data(dump.output.utf8)) as? [String: Any])
      let targets = json["targets"] as? [[String: Any]] ?? []
      let kernels = try #require(targets.first { $0["name"] as? String == "DLCKernels" })
      let settings = kernels["settings"] as? [[String: Any]] ?? []
      let kind = settings.first?["kind"] as? [String: Any], unsafe = kind?["unsafeFlags"] as? [String: Any]
      return unsafe?["_0"] as? [String] ?? []
    }
    var chosen: [String: [String]] = [:]
    for (name, flags) in cpuinfo {
      let file = root + "/\(name).cpuinfo"
      try "processor\t: 0\nflags\t\t: \(flags)\n".write(toFile: file, atomically: true, encoding: .utf8)
      chosen[name] = try kernelFlags(["DLC_CPUINFO": file, "DLC_TARGET_CPU": nil])
    }
    let common = ["-enforce-exclusivity=unchecked", "-Xcc", "-fno-math-errno"]
    #expect(chosen["avx512"] == common + ["-target-cpu", "haswell"])
    #expect(chosen["avx2"] == common + ["-target-cpu", "haswell"])
    #expect(chosen["sse"] == common)
    #expect(chosen["avx2-without-bmi2"] == common)
    #expect(try kernelFlags(["DLC_CPUINFO": root + "/avx2.cpuinfo", "DLC_TARGET_CPU": "x86-64"]) == common + ["-target-cpu", "x86-64"])
    #expect(try kernelFlags(["DLC_CPUINFO": root + "/missing.cpuinfo", "DLC_TARGET_CPU": nil]) == common)
  }

  /// `dlc compile -o` writes a package for every example (its speed is measured by
  /// bench/compile_bench.py, not here).
  @Test func compileWritesEveryPackage() throws {
    try RepoRoot.enter()
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("dlc-packages-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: root) }
    for example in ModelEmitterTests.examples {
      let result = Driver.emitPackage(SpecOptions(path: "specs/\(example).yaml"), to: root + "/" + example)
      #expect(result.status == 0, "\(example): \(result.stderr)")
      #expect(FileManager.default.fileExists(atPath: root + "/\(example)/Package.swift"))
    }
  }

  /// Emitting again into a package leaves the files that did not change alone (same
  /// inode, same modification time, so `swift build` does not recompile them), rewrites
  /// the ones that did, and leaves no temporary files behind.
  @Test func emittingAgainRewritesOnlyWhatChanged() throws {
    try RepoRoot.enter()
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("dlc-reemit-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: root) }
    try FileManager.default.createDirectory(atPath: root + "/specs", withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(atPath: root + "/specs/data", withDestinationPath: Golden.root + "/specs/data")
    let spec = root + "/specs/iris.yaml", package = root + "/package"
    var text = try String(contentsOfFile: Golden.root + "/specs/iris.yaml", encoding: .utf8)
    try text.write(toFile: spec, atomically: true, encoding: .utf8)
    try #require(Driver.emitPackage(SpecOptions(path: spec), to: package).status == 0)

    func identity(_ path: String) throws -> (inode: Int, modified: Date) {
      let a = try FileManager.default.attributesOfItem(atPath: package + "/" + path)
      return ((a[.systemFileNumber] as? Int) ?? -1, (a[.modificationDate] as? Date) ?? .distantPast)
    }
    let kernels = "Sources/DLCKernels/Dense.swift", model = "Sources/IrisTrainer/Model.swift"
    let (kernelsBefore, modelBefore) = (try identity(kernels), try identity(model))
    let modelText = try String(contentsOfFile: package + "/" + model, encoding: .utf8)

    // A different hidden width changes the model, not the kernels.
    text = text.replacingOccurrences(of: "dense: 16", with: "dense: 24")
    try #require(text.contains("dense: 24"), "iris.yaml no longer has a 'dense: 16' layer")
    try text.write(toFile: spec, atomically: true, encoding: .utf8)
    try #require(Driver.emitPackage(SpecOptions(path: spec), to: package).status == 0)

    let kernelsAfter = try identity(kernels), modelAfter = try identity(model)
    #expect(kernelsAfter.inode == kernelsBefore.inode && kernelsAfter.modified == kernelsBefore.modified)
    #expect(modelAfter.inode != modelBefore.inode)
    #expect(try String(contentsOfFile: package + "/" + model, encoding: .utf8) != modelText)
    let leftovers = FileManager.default.enumerator(atPath: package)?.compactMap { $0 as? String }.filter { $0.contains(".tmp-") }
    #expect(leftovers == [])
  }

  /// The paths dlc resolved against the spec's folder (relative to where it ran) become
  /// absolute in the package: data files, NPY targets, a base model's checkpoint and spec;
  /// absolute ones stay as they are.
  @Test func theRunsPathsAreAnchoredWhereDlcRan() throws {
    let origin = PackageOrigin(workingDirectory: "/home/user/project", spec: "specs/m.yaml", dlc: "../bin/dlc")
    #expect(origin.spec == "/home/user/project/specs/m.yaml" && origin.dlc == "/home/user/bin/dlc")
    let csv = DataConfig(source: .csv(path: "specs/../data/x.csv", target: ["y"], features: nil), task: .classification,
                         classes: 2, features: 3, split: SplitFractions(valid: 0.2, test: 0, stratify: false), normalize: .none)
    let train = TrainConfig(task: .classification, classes: 2, batchSize: 4, epochs: 1, optimizer: .sgd(lr: 0.1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0))
    var run = RunDescription(name: "m", train: train, data: csv, inputShape: [3], loss: "cross_entropy",
                             base: BaseWeights(checkpoint: "runs/base/best.safetensors", layers: ["a"], spec: "specs/base.yaml"))
    var anchored = origin.anchoring(run)
    #expect(anchored.data.source == .csv(path: "/home/user/project/data/x.csv", target: ["y"], features: nil))
    #expect(anchored.base == BaseWeights(checkpoint: "/home/user/project/runs/base/best.safetensors", layers: ["a"],
                                         spec: "/home/user/project/specs/base.yaml"))
    run.data.source = .npy(x: "/data/x.npy", y: "specs/y.npy")
    anchored = origin.anchoring(run)
    #expect(anchored.data.source == .npy(x: "/data/x.npy", y: "/home/user/project/specs/y.npy"))
  }

  /// The build and run lines `dlc compile -o` prints can be pasted into a shell as they
  /// are: a folder without a slash gets `./` (else the shell would search the PATH), and a
  /// path with a space is quoted. (`EmittedPackageTests` runs the printed lines.)
  @Test func thePrintedCommandsAreShellReady() throws {
    try RepoRoot.enter()
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("dlc-printed-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: root) }
    let folder = root + "/my package"
    let result = Driver.emitPackage(SpecOptions(path: "specs/iris.yaml"), to: folder)
    try #require(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("build it with: swift build -c release --package-path '\(folder)'\n"), "\(result.stdout)")
    #expect(result.stdout.contains("then run: '\(folder)/.build/release/iris' train\n"), "\(result.stdout)")
    #expect(ShellWord.quote("pkg") == "pkg" && ShellWord.quote("it's") == #"'it'\''s'"# && ShellWord.quote("") == "''")
    // The package's run reads its data by absolute path, wherever it is run from.
    let runFile = try String(contentsOfFile: folder + "/Sources/IrisTrainer/Run.swift", encoding: .utf8)
    #expect(runFile.contains("source: .csv(path: \"\(Golden.root)/specs/data/iris.csv\""), "\(runFile)")
    // Without deployment passes, the package records no spec or dlc to run them with.
    #expect(!runFile.contains("specPath") && !runFile.contains("dlcPath"))
  }

  /// `dlc compile a.yaml -o DIR --with b.yaml`: one package, one trainer target and
  /// executable per spec over one copy of the runtime (built once for both), a run line
  /// for each; SwiftPM reads the manifest. Two specs of one name cannot share a package.
  @Test func severalSpecsShareOnePackageAndItsRuntime() throws {
    try RepoRoot.enter()
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("dlc-together-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: root) }
    let result = Driver.emitPackage(SpecOptions(path: "specs/iris.yaml"), to: root, with: ["specs/digits_mlp.yaml"])
    try #require(result.status == 0, "\(result.stderr)")
    #expect(result.stdout == """
      wrote the package of the trainers 'iris', 'digits-mlp' to \(root)
      build it with: swift build -c release --package-path \(root)
      then run: \(root)/.build/release/iris train
      then run: \(root)/.build/release/digits-mlp train

      """)
    let fm = FileManager.default
    for file in ["IrisTrainer/main.swift", "IrisTrainer/Model.swift", "DigitsMlpTrainer/main.swift", "DigitsMlpTrainer/DeployedModel.swift",
                 "DLCKernels/Dense.swift"] {
      #expect(fm.fileExists(atPath: root + "/Sources/" + file), "\(file)")
    }
    let readme = try String(contentsOfFile: root + "/README.md", encoding: .utf8)
    #expect(readme.contains("Run: `.build/release/iris train`") && readme.contains("Run: `.build/release/digits-mlp train`"))

    let dump = try EmittedPackageTests.run("/usr/bin/env", ["swift", "package", "--package-path", root, "dump-package"], in: root)
    try #require(dump.status == 0, "\(dump.output)")
    let json = try #require(try JSONSerialization.jsonObject(with: Data(dump.output.utf8)) as? [String: Any])
    let products = (json["products"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
    let targets = (json["targets"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
    #expect(products.sorted() == ["digits-mlp", "iris"])
    #expect(Set(targets) == ["COpenBLAS", "CInt8GEMM", "DLCBasics", "DLCKernels", "DLCTraining", "IrisTrainer", "DigitsMlpTrainer"])

    let twice = Driver.emitPackage(SpecOptions(path: "specs/iris.yaml"), to: root + "/twice", with: ["specs/iris.yaml"])
    #expect(twice.status == 1)
    #expect(twice.stderr.contains("both make the trainer 'IrisTrainer'; one package needs distinct spec names"), "\(twice.stderr)")
  }

  /// A file that cannot be written (here a folder stands where Model.swift goes, in a
  /// folder written into with '--force') is an error naming the file and the reason,
  /// status 1, and leaves no temporary file.
  @Test func aFileThatCannotBeWrittenIsAClearError() throws {
    try RepoRoot.enter()
    let package = FileManager.default.temporaryDirectory.appendingPathComponent("dlc-blocked-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: package) }
    try FileManager.default.createDirectory(atPath: package + "/Sources/IrisTrainer/Model.swift/inside", withIntermediateDirectories: true)
    let result = Driver.emitPackage(SpecOptions(path: "specs/iris.yaml"), to: package, force: true)
    #expect(result.status == 1)
    #expect(result.stderr.contains("\(package)/Sources/IrisTrainer/Model.swift: error: cannot write: is a directory"), "\(result.stderr)")
    let leftovers = FileManager.default.enumerator(atPath: package)?.compactMap { $0 as? String }.filter { $0.contains(".tmp-") }
    #expect(leftovers == [])
  }
}
