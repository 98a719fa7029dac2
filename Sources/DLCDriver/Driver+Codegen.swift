/// `dlc compile -o DIR`: the front end, `autodiff`, then the emitter; the deployment
/// passes, then the emitter again, for the deployed model.
import DLCCodegen
import DLCIR
import DLCPasses
import DLCRuntime
import DLCSyntax
import DLCTraining
import Foundation

extension Driver {
  /// `dlc compile SPEC -o DIR [--with SPEC2 ...]`: writes the emitted trainer package into
  /// `directory`, with one trainer per spec (`others` too) over one copy of the runtime,
  /// which is then built once for all of them. `dlc` is the executable compiling it (its
  /// path is recorded in the package, which runs the spec's deployment passes through it).
  /// The printed build and run commands work as they are from the current folder. The
  /// folder must be new, empty or an earlier dlc package, unless `force`.
  public static func emitPackage(
    _ options: SpecOptions, to directory: String, dlc: String? = nil, with others: [String] = [], force: Bool = false
  ) -> DriverResult {
    var trainers: [PackageWriter.Trainer] = []
    let specs = [options] + others.map { SpecOptions(path: $0, diagnostics: options.diagnostics, color: options.color) }
    var warnings = ""
    for (i, spec) in specs.enumerated() {
      var result = runtimeCommand(spec, needsTraining: true) { module in
        trainers.append(try trainer(module, spec: spec.path, dlc: dlc))
        guard i == specs.count - 1 else { return "" }
        try PathCheck.check(directory, option: "--output", as: .outputFolder)
        return try writePackage(trainers, to: directory, force: force)
      }
      result.stderr = warnings + result.stderr
      if result.status != 0 || i == specs.count - 1 { return result }
      warnings = result.stderr
    }
    return DriverResult()
  }

  /// One spec's trainer: its run, its model and deployed model, where dlc compiled it.
  static func trainer(_ module: Module, spec path: String, dlc: String?) throws -> PackageWriter.Trainer {
    let origin = PackageOrigin(workingDirectory: FileManager.default.currentDirectoryPath, spec: path, dlc: dlc)
    let specText = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    return PackageWriter.Trainer(
      run: try RunDescription(module: module, specText: specText), model: try ModelEmitter.emit(module, specText: specText),
      deployed: try deployedModel(path, specText: specText), specText: specText, origin: origin)
  }

  /// Writes the package and returns what `dlc compile -o` prints: what it wrote, the build
  /// command and one run command per trainer.
  static func writePackage(_ trainers: [PackageWriter.Trainer], to directory: String, force: Bool) throws -> String {
    var seen: [String: String] = [:]
    for t in trainers {
      if let other = seen[t.target] {
        throw RuntimeError("'\(other)' and '\(t.origin.spec)' both make the trainer '\(t.target)'; one package needs distinct spec names")
      }
      seen[t.target] = t.origin.spec
    }
    do {
      try PackageWriter.write(trainers, to: directory, force: force)
    } catch let error as DataError {
      throw error
    } catch {
      throw RuntimeError("cannot write the package into '\(directory)': \(error.localizedDescription)")
    }
    // A folder named without a slash would be looked up on the PATH: `./` keeps it here.
    let folder = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
    let build = (folder.contains("/") || folder.isEmpty ? folder : "./" + folder) + "/.build/release/"
    let names = trainers.map { "'\($0.executable)'" }.joined(separator: ", ")
    var out = trainers.count == 1 ? "wrote the trainer package \(names) to \(directory)\n"
      : "wrote the package of the trainers \(names) to \(directory)\n"
    out += "build it with: swift build -c release --package-path \(ShellWord.quote(directory))\n"
    for t in trainers { out += "then run: \(ShellWord.quote(build + t.executable)) train\n" }
    return out
  }

  /// The deployed model of the spec at `path` when it lists deployment passes: emitted
  /// from the IR those passes make without weights (`optimizedModule`), whose shapes are
  /// those of every checkpoint `dlc optimize` writes for the spec.
  static func deployedModel(_ path: String, specText: String) throws -> EmittedModel? {
    let diags = DiagnosticEngine()
    guard let (spec, checked) = frontEnd(path, diags), let module = checked else { return nil }
    let passes = OptimizePipeline.entries(of: module).filter { !$0.runsAtTraining }.map(\.passName)
    guard !passes.isEmpty else { return nil }
    guard let (optimized, _) = optimizedModule(module, spec: spec, diags) else {
      throw RuntimeError("cannot emit the deployed model: " + diags.sorted.map(\.message.text).joined(separator: "; "))
    }
    return try ModelEmitter.emitDeployed(optimized, passes: passes, specText: specText)
  }
}
