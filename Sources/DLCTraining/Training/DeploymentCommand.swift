import Foundation

/// The spec's deployment passes (`optimize:`) after an emitted trainer's `train`, as
/// `dlc train` runs them after its own.
///
/// The passes rewrite the model's IR and weights (`DLCPasses`), calibrate and fine-tune
/// through the interpreter: dlc's back end, which a package does not carry. So the trainer
/// runs `dlc optimize` on the checkpoint it kept, with the dlc that compiled the package (its
/// path is recorded, else `dlc` on the PATH), and the spec file that package was compiled
/// from, when that file still holds the same text. The optimized checkpoint then runs on the
/// package's deployed model. When either is missing the trainer says so and prints the
/// command to run later.
public struct DeploymentCommand: Sendable {
  /// The passes, as an optimized checkpoint's `dlc.passes` names them (`fold-batchnorm,quantize`).
  public var passes: String
  /// The spec the package was compiled from (absolute).
  public var spec: String
  /// The dlc that compiled the package (absolute), if known.
  public var dlc: String?

  public init(passes: String, spec: String, dlc: String?) {
    self.passes = passes
    self.spec = spec
    self.dlc = dlc
  }

  /// What `run` did: the optimized checkpoint, or why the passes did not run.
  public enum Outcome: Equatable {
    case optimized(String)
    case notRun(reason: String)
  }

  /// The command that optimizes `checkpoint` into `output`, as a shell line.
  public func commandLine(dlc: String = "dlc", checkpoint: String, output: String) -> String {
    [dlc, "optimize", spec, "--checkpoint", checkpoint, "-o", output].map(ShellWord.quote).joined(separator: " ")
  }

  /// Runs the passes over `checkpoint` into `output` (dlc's report goes to `write`), or
  /// reports why they cannot run here. Throws when dlc ran and failed. `dataReplaced`:
  /// the run trained on other files (`--data`, `--targets`), while `dlc optimize` would
  /// calibrate and fine-tune on the spec's.
  public func run(
    checkpoint: String, output: String, specText: String, dataReplaced: Bool = false,
    searchPath: String = ProcessInfo.processInfo.environment["PATH"] ?? "", write: (String) -> Void
  ) throws -> Outcome {
    guard !dataReplaced else {
      return .notRun(reason: "this run read other data ('--data', '--targets'), and the passes calibrate and fine-tune on the spec's")
    }
    guard let dlc = executable(searchPath: searchPath) else {
      return .notRun(reason: self.dlc.map { "dlc is not found (not at '\($0)', nor on the PATH)" } ?? "dlc is not on the PATH")
    }
    guard let text = try? String(contentsOfFile: spec, encoding: .utf8) else {
      return .notRun(reason: "the spec '\(spec)' this package was compiled from cannot be read")
    }
    guard text == specText else {
      return .notRun(reason: "the spec '\(spec)' changed since this package was compiled; compile it again")
    }
    write("deployment passes (\(passes)): \(commandLine(dlc: dlc, checkpoint: checkpoint, output: output))\n")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: dlc)
    process.arguments = ["optimize", spec, "--checkpoint", checkpoint, "-o", output]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    do { try process.run() } catch {
      return .notRun(reason: "'\(dlc)' cannot be started: \(error.localizedDescription)")
    }
    let report = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    write(report)
    guard process.terminationReason == .exit, process.terminationStatus == 0 else {
      throw TrainingError("the deployment passes failed: '\(dlc) optimize' exited with status \(process.terminationStatus)")
    }
    return .optimized(output)
  }

  /// The recorded dlc when it is an executable file, else the first `dlc` in `searchPath`
  /// (folders separated by colons, as PATH).
  func executable(searchPath: String) -> String? {
    let fm = FileManager.default
    if let dlc, fm.isExecutableFile(atPath: dlc) { return dlc }
    for folder in searchPath.split(separator: ":") where !folder.isEmpty {
      let candidate = String(folder) + "/dlc"
      if fm.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
  }
}

/// Quoting for a POSIX shell, so printed commands can be pasted as they are.
public enum ShellWord {
  /// `word` as is when it holds only safe characters, else in single quotes.
  public static func quote(_ word: String) -> String {
    let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%")
    if !word.isEmpty, word.allSatisfy(safe.contains) { return word }
    return "'" + word.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
  }
}
