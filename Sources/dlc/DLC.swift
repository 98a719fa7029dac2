/// The `dlc` command line: argument parsing only; every command is a call into DLCDriver.
import ArgumentParser
import DLCDriver
#if canImport(Glibc)
import Glibc
#endif

@main
struct DLC: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "dlc",
    abstract: "A compiler for deep-learning specs.",
    discussion: """
      Write the data, the model, the loss and the training plan in one YAML spec; dlc \
      checks it (every mistake at its line and column, before any data is loaded beyond \
      what the checks need) and lowers it to an IR.

      Examples:
        dlc check specs/digits_mlp.yaml
        dlc compile specs/digits_mlp.yaml --emit ir
      """,
    version: "0.1.0",
    subcommands: [Check.self, Compile.self]
  )
}

/// Options every spec-reading command shares.
struct SpecArguments: ParsableArguments {
  @Argument(help: ArgumentHelp("The spec file.", valueName: "spec.yaml"))
  var spec: String

  @Option(help: "How to print diagnostics: text, or json (one JSON document on standard error, for tools).")
  var diagnostics: DiagnosticsFormat = .text

  @Option(help: "Colour diagnostics: auto (when standard error is a terminal), always or never.")
  var color: ColorChoice = .auto

  var options: SpecOptions {
    let useColor: Bool
    switch color {
    case .always: useColor = true
    case .never: useColor = false
    case .auto: useColor = isatty(2) != 0 && getenv("NO_COLOR") == nil
    }
    return SpecOptions(path: spec, diagnostics: diagnostics, color: useColor)
  }
}

enum ColorChoice: String, ExpressibleByArgument, CaseIterable {
  case auto, always, never
}

extension DiagnosticsFormat: ExpressibleByArgument {}
extension EmitStage: ExpressibleByArgument {}

/// Writes a driver result and exits with its status.
func deliver(_ r: DriverResult) throws {
  if !r.stdout.isEmpty { print(r.stdout, terminator: "") }
  if !r.stderr.isEmpty {
    var bytes = Array(r.stderr.utf8)
    var offset = 0
    while offset < bytes.count {
      let n = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress! + offset, $0.count - offset) }
      if n <= 0 { break }
      offset += n
    }
  }
  if r.status != 0 { throw ExitCode(r.status) }
}

struct Check: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Check a spec and print the model summary.",
    discussion: """
      Reports every error in the spec at its line and column and exits with status 1; on \
      success prints each layer's output shape, parameters and FLOPs per sample, and exits 0. \
      Of the data, only a CSV's header (and its label column, for classification without \
      'classes:') or an NPY file's header is read.
      """
  )

  @OptionGroup var spec: SpecArguments

  func run() throws { try deliver(Driver.check(spec.options)) }
}

struct Compile: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Compile a spec and print a stage of the pipeline.",
    discussion: """
      --emit ast prints the decoded spec with every default spelled out; \
      --emit ir prints the checked IR (parameters, the predict and loss functions); \
      --emit train-ir prints it after autodiff, with the train_step function (forward, \
      backward and optimizer updates) and the optimizer's state.
      """
  )

  @OptionGroup var spec: SpecArguments

  @Option(help: "The stage to print: ast, ir or train-ir.")
  var emit: EmitStage

  func run() throws { try deliver(Driver.compile(spec.options, emit: emit)) }
}
