import DLCIR

/// A module ready to run: its parameters and the programs compiled from it, one per
/// (function, batch size), built on first use and kept.
///
/// The training loop asks for `train_step` at the batch size and, once per epoch, at
/// the size of the last partial batch; evaluation asks for `predict` and `loss`.
public final class Executable {
  /// The module the programs come from.
  public let module: Module
  /// The parameters every program reads and the training step updates.
  public let parameters: ParameterStore
  /// Seed and resolved attributes.
  public let options: Program.Options
  private var programs: [ProgramKey: Program] = [:]

  private struct ProgramKey: Hashable {
    var function: String
    var batch: Int
  }

  public init(module: Module, parameters: ParameterStore? = nil, options: Program.Options) {
    self.module = module
    self.parameters = parameters ?? ParameterStore(module: module)
    self.options = options
  }

  /// The program for `function` at `batch`, compiled on first use.
  public func program(_ function: String, batch: Int) throws(RuntimeError) -> Program {
    let key = ProgramKey(function: function, batch: batch)
    if let program = programs[key] { return program }
    let program = try Program(module: module, function: function, batch: batch, parameters: parameters, options: options)
    programs[key] = program
    return program
  }
}
