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
  /// The folder must be new, empty or an earlier dlc package, unless `force`.
  public static func emitPackage(_ options: SpecOptions, to directory: String, force: Bool = false) -> DriverResult {
    runtimeCommand(options, needsTraining: true) { module in
      try PathCheck.check(directory, option: "--output", as: .outputFolder)
      let specText = (try? String(contentsOfFile: options.path, encoding: .utf8)) ?? ""
      let run = try RunDescription(module: module, specText: specText)
      let model = try ModelEmitter.emit(module, specText: specText)
      let deployed = try deployedModel(options.path, specText: specText)
      try PackageWriter.write(run: run, model: model, deployed: deployed, specText: specText, to: directory, force: force)
      let executable = run.name.replacingOccurrences(of: "_", with: "-")
      return """
        wrote the trainer package '\(executable)' to \(directory)
        build it with: swift build -c release --package-path \(directory)
        then run: \(directory)/.build/release/\(executable) train

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
