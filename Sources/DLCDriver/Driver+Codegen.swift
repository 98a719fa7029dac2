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
  /// `dlc compile SPEC -o DIR`: writes the emitted trainer package into `directory`.
  /// `dlc` is the executable compiling it (its path is recorded in the package, which runs
  /// the spec's deployment passes through it). The printed build and run commands work
  /// as they are from the current folder.
  public static func emitPackage(_ options: SpecOptions, to directory: String, dlc: String? = nil) -> DriverResult {
    runtimeCommand(options, needsTraining: true) { module in
      let origin = PackageOrigin(workingDirectory: FileManager.default.currentDirectoryPath, spec: options.path, dlc: dlc)
      let specText = (try? String(contentsOfFile: options.path, encoding: .utf8)) ?? ""
      let run = try RunDescription(module: module, specText: specText)
      let model = try ModelEmitter.emit(module, specText: specText)
      let deployed = try deployedModel(options.path, specText: specText)
      do {
        try PackageWriter.write(run: run, model: model, deployed: deployed, specText: specText, origin: origin, to: directory)
      } catch {
        throw RuntimeError("cannot write the package into '\(directory)': \(error.localizedDescription)")
      }
      let executable = run.name.replacingOccurrences(of: "_", with: "-")
      // A folder named without a slash would be looked up on the PATH: `./` keeps it here.
      let folder = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
      let program = (folder.contains("/") || folder.isEmpty ? folder : "./" + folder) + "/.build/release/" + executable
      return """
        wrote the trainer package '\(executable)' to \(directory)
        build it with: swift build -c release --package-path \(ShellWord.quote(directory))
        then run: \(ShellWord.quote(program)) train

        """
    }
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
