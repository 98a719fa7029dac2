/// The default pass pipeline, in the order the passes run, and the registry of every
/// pass by name (for `--print-ir-after=<name>` and the spec's `optimize:` list).
import DLCIR

/// The passes dlc knows.
public enum PassPipeline {
  /// The default pipeline, top to bottom. BN folding, precomputation of frozen layers,
  /// pruning and quantization join here when they land.
  public static var `default`: [any Pass] {
    [
      EliminateDeadOps(),
    ]
  }

  /// Every pass, for lookup by name. `autodiff` is not in the default pipeline: it
  /// derives the training step (`--emit train-ir`), not the deployed model.
  public static var all: [any Pass] {
    [
      EliminateDeadOps(),
      Autodiff(),
    ]
  }

  /// The pass called `name`, or nil.
  public static func pass(named name: String) -> (any Pass)? {
    all.first { $0.name == name }
  }
}
