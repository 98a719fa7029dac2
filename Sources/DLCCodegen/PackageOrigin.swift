import DLCBasics
import DLCTraining

/// Where `dlc compile` ran: the folder it ran in, the spec and the dlc executable. The
/// package records them as absolute paths, so that its trainer reads the data the spec
/// names from any working folder and after the package is moved (the data files must stay
/// where they were), and can hand the spec's deployment passes to the same dlc.
public struct PackageOrigin: Sendable, Equatable {
  /// The working folder of `dlc compile` (absolute): relative paths dlc resolved are relative to it.
  public var workingDirectory: String
  /// The spec, absolute.
  public var spec: String
  /// The dlc executable that compiled the package, absolute; nil when unknown.
  public var dlc: String?

  /// `spec` and `dlc` as given; relative ones are taken from `workingDirectory`.
  public init(workingDirectory: String, spec: String, dlc: String? = nil) {
    self.workingDirectory = workingDirectory
    self.spec = Self.absolute(spec, in: workingDirectory)
    self.dlc = dlc.map { Self.absolute($0, in: workingDirectory) }
  }

  /// `path` when absolute, else joined to `directory` (`.` and `dir/..` folded).
  static func absolute(_ path: String, in directory: String) -> String {
    FileReader.resolve(path, relativeTo: directory.hasSuffix("/") ? directory : directory + "/")
  }

  /// `run` with every path dlc resolved for it (the data files, a base model's checkpoint
  /// and spec) made absolute, so the trainer does not depend on its working folder.
  public func anchoring(_ run: RunDescription) -> RunDescription {
    var run = run
    let path = { (p: String) in Self.absolute(p, in: workingDirectory) }
    switch run.data.source {
    case .csv(let csv, let target, let features): run.data.source = .csv(path: path(csv), target: target, features: features)
    case .npy(let x, let y): run.data.source = .npy(x: path(x), y: y.map(path))
    }
    if var base = run.base {
      base.checkpoint = path(base.checkpoint)
      base.spec = path(base.spec)
      run.base = base
    }
    return run
  }
}
