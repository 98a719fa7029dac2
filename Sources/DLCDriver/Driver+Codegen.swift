/// `dlc compile -o DIR`: the front end, `autodiff`, then the emitter.
import DLCCodegen
import DLCIR
import DLCRuntime
import DLCSyntax
import DLCTraining
import Foundation

extension Driver {
  /// `dlc compile SPEC -o DIR`: writes the emitted trainer package into `directory`.
  public static func emitPackage(_ options: SpecOptions, to directory: String) -> DriverResult {
    runtimeCommand(options, needsTraining: true) { module in
      let specText = (try? String(contentsOfFile: options.path, encoding: .utf8)) ?? ""
      let run = try RunDescription(module: module, specText: specText)
      let model = try ModelEmitter.emit(module, specText: specText)
      do {
        try PackageWriter.write(run: run, model: model, specText: specText, to: directory)
      } catch {
        throw RuntimeError("cannot write the package into '\(directory)': \(error.localizedDescription)")
      }
      let executable = run.name.replacingOccurrences(of: "_", with: "-")
      return """
        wrote the trainer package '\(executable)' to \(directory)
        build it with: swift build -c release --package-path \(directory)
        then run: \(directory)/.build/release/\(executable) train

        """
    }
  }
}
