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
        dlc train specs/digits_mlp.yaml
        dlc eval specs/digits_mlp.yaml --checkpoint runs/digits_mlp/best.safetensors --split test
        dlc optimize specs/digits_mlp.yaml --checkpoint runs/digits_mlp/best.safetensors
      """,
    version: "0.3.0",
    subcommands: [Check.self, Compile.self, Train.self, Eval.self, Predict.self, Optimize.self, LatencyCommand.self]
  )

  /// GEMM's fast kernels are chosen when the process starts; this may restart it once.
  static func main() {
    Driver.prepareProcess()
    do {
      var command = try parseAsRoot()
      try command.run()
    } catch {
      exit(withError: error)
    }
  }
}

/// Options every spec-reading command shares.
struct SpecArguments: ParsableArguments {
  @Argument(help: ArgumentHelp("The spec file.", valueName: "spec.yaml"))
  var spec: String

  @Option(help: "How to print diagnostics: text, or json (one JSON document on standard error, for tools).")
  var diagnostics: DiagnosticsFormat = .text

  @Option(help: "Colour diagnostics: auto (when standard error is a terminal), always or never.")
  var color: ColorChoice = .auto

  @Option(help: ArgumentHelp(
    "Refuse a model whose planned memory (parameters, optimizer state, activations at the batch size) exceeds this, e.g. 4G or 512M; the machine's available memory limits it in any case.",
    valueName: "size"))
  var maxMemory: String?

  func validate() throws {
    if let maxMemory, Driver.parseByteSize(maxMemory) == nil {
      throw ValidationError("--max-memory needs a size such as 4G, 512M or 1000000, not '\(maxMemory)'")
    }
  }

  var options: SpecOptions {
    let useColor: Bool
    switch color {
    case .always: useColor = true
    case .never: useColor = false
    case .auto: useColor = isatty(2) != 0 && getenv("NO_COLOR") == nil
    }
    return SpecOptions(path: spec, diagnostics: diagnostics, color: useColor, maxMemory: maxMemory.flatMap(Driver.parseByteSize))
  }
}

enum ColorChoice: String, ExpressibleByArgument, CaseIterable {
  case auto, always, never
}

extension DiagnosticsFormat: ExpressibleByArgument {}
extension EmitStage: ExpressibleByArgument {}

/// Writes `bytes` to file descriptor `fd` unbuffered (progress lines appear at once).
func writeAll(_ fd: Int32, _ bytes: inout [UInt8]) {
  var offset = 0
  while offset < bytes.count {
    let n = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
    if n <= 0 { break }
    offset += n
  }
}

/// Writes a driver result and exits with its status.
func deliver(_ r: DriverResult) throws {
  if !r.stdout.isEmpty { print(r.stdout, terminator: "") }
  if !r.stderr.isEmpty {
    var bytes = Array(r.stderr.utf8)
    writeAll(2, &bytes)
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
      backward and optimizer updates) and the optimizer's state; --emit opt-ir prints the \
      deployed model after the spec's optimize: passes (or --passes).
      """
  )

  @OptionGroup var spec: SpecArguments

  @Option(help: "The stage to print: ast, ir, train-ir or opt-ir.")
  var emit: EmitStage?

  @OptionGroup var passes: PassArguments

  @Flag(help: "Print what each optimization pass did and skipped, and why (standard error).")
  var passStatistics = false

  @Option(name: [.short, .customLong("output")], help: ArgumentHelp(
    "Write the standalone trainer package (Package.swift, sources, README) into this folder: a new or empty one, or an earlier dlc package (else give --force).", valueName: "dir"))
  var output: String?

  @Flag(help: "Write the package into a folder that holds other files (not an earlier dlc package).")
  var force = false

  @Option(name: .customLong("with"), help: ArgumentHelp(
    "With -o: another spec whose trainer goes into the same package (repeatable); the runtime is then built once for all.",
    valueName: "spec.yaml"))
  var others: [String] = []

  func validate() throws {
    if !others.isEmpty, output == nil { throw ValidationError("--with adds trainers to the package of -o DIR; give -o") }
    if emit == nil, output == nil { throw ValidationError("give --emit STAGE to print a stage, or -o DIR to write the trainer package") }
    if emit != nil, output != nil { throw ValidationError("--emit and -o are alternatives; give one") }
  }

  /// This executable's path (the link /proc/self/exe resolved), recorded in the package.
  static var executablePath: String? {
    var buffer = [CChar](repeating: 0, count: 4096)
    let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    guard n > 0 else { return nil }
    return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  func run() throws {
    if let output {
      try deliver(Driver.emitPackage(spec.options, to: output, dlc: Self.executablePath, with: others, force: force))
    } else {
      let options = PassOptions(passes: passes.list, dumps: passes.dumps, statistics: passStatistics)
      try deliver(Driver.compile(spec.options, emit: emit!, passOptions: options))
    }
  }
}

struct Train: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Train the spec's model.",
    discussion: """
      Writes <out>/<name>/log.jsonl (one JSON line per epoch) and the checkpoints \
      <out>/<name>/best.safetensors and last.safetensors (weights, optimizer state, \
      preprocessing statistics, the spec). best.safetensors holds the best epoch by \
      early stopping's monitor, else by valid_loss, else (no validation split) by \
      train_loss. --resume continues from last.safetensors and ends with the same \
      weights as an uninterrupted run. A new run into a folder holding an earlier one \
      needs --overwrite; two runs cannot write one folder at once (it is locked).
      """
  )

  @OptionGroup var spec: SpecArguments

  @Option(help: "Train for this many epochs instead of the spec's 'train.epochs'.")
  var epochs: Int?

  @Option(help: "The seed of initialization, split, shuffling and dropout instead of the spec's.")
  var seed: UInt64?

  @Option(help: ArgumentHelp("The folder for run folders.", valueName: "dir"))
  var out: String = "runs"

  @Flag(help: "Continue the run from <out>/<name>/last.safetensors.")
  var resume = false

  @Flag(help: "Replace an earlier run in <out>/<name>/ (its files stay until the new run's first epoch is saved).")
  var overwrite = false

  func validate() throws {
    if let epochs, !(1...TrainOptions.maxEpochs).contains(epochs) {
      throw ValidationError("--epochs must be from 1 to \(TrainOptions.maxEpochs)")
    }
    if resume, overwrite { throw ValidationError("--resume and --overwrite are alternatives; give one") }
  }

  func run() throws {
    let options = TrainOptions(spec: spec.options, epochs: epochs, seed: seed, outputDirectory: out, resume: resume,
                               overwrite: overwrite, interactive: isatty(1) != 0)
    try deliver(Driver.train(options) { text in
      var bytes = Array(text.utf8)
      writeAll(1, &bytes)
    })
  }
}

struct Eval: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Evaluate a checkpoint on a split of the spec's data.",
    discussion: "The split is re-created from the checkpoint's seed; the preprocessing statistics come from the checkpoint."
  )

  @OptionGroup var spec: SpecArguments

  @Option(help: ArgumentHelp("The checkpoint (.safetensors) to evaluate.", valueName: "file"))
  var checkpoint: String

  @Option(help: "The split: train, valid or test (default: test, or valid when the spec holds out no test split).")
  var split: String?

  @Flag(help: "Print one JSON object instead of text.")
  var json = false

  func run() throws { try deliver(Driver.eval(spec.options, checkpoint: checkpoint, split: split, json: json)) }
}

struct Predict: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Run a checkpoint on new samples and write the predictions as CSV.",
    discussion: """
      The input is a CSV with the training data's feature columns (target columns are \
      ignored if present) or an NPY array of samples. Classification writes the class \
      and one probability per class; regression and reconstruction write the outputs.
      """
  )

  @OptionGroup var spec: SpecArguments

  @Option(help: ArgumentHelp("The checkpoint (.safetensors) to use.", valueName: "file"))
  var checkpoint: String

  @Option(help: ArgumentHelp("The samples: a .csv or .npy file.", valueName: "file"))
  var input: String

  @Option(help: ArgumentHelp("Where to write the predictions (standard output when absent).", valueName: "file"))
  var output: String?

  func run() throws {
    try deliver(Driver.predict(spec.options, checkpoint: checkpoint, input: input, output: output))
  }
}

/// Which optimization passes run, and whether to dump the IR after each.
struct PassArguments: ParsableArguments {
  @Option(name: .customLong("passes"), help: ArgumentHelp(
    "Run these passes instead of the spec's optimize: list (comma-separated: fold-batchnorm, prune, quantize); options come from the spec's entry of the same pass, else the defaults.",
    valueName: "list"))
  var passNames: String?

  @Flag(help: "Print the IR after every pass.")
  var printIRAfterAll = false

  @Option(name: .customLong("print-ir-after"), help: ArgumentHelp(
    "Print the IR after the named pass (repeatable, or comma-separated): \(IRDumps.passNames.joined(separator: ", ")).",
    valueName: "pass"))
  var printIRAfter: [String] = []

  var list: [String]? { passNames.map { $0.split(separator: ",").map { String($0).trimmingSpaces } } }

  /// The IR dumps asked for.
  var dumps: IRDumps {
    IRDumps(all: printIRAfterAll, after: Set(printIRAfter.flatMap { $0.split(separator: ",").map { String($0).trimmingSpaces } }))
  }

  func validate() throws {
    let unknown = dumps.unknownPasses
    guard unknown.isEmpty else {
      throw ValidationError("--print-ir-after names no pass: \(unknown.map { "'\($0)'" }.joined(separator: ", ")); "
        + "the passes are \(IRDumps.passNames.joined(separator: ", "))")
    }
  }
}

struct Optimize: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Run the optimization passes over a trained checkpoint.",
    discussion: """
      Runs the spec's optimize: passes (or --passes) over the checkpoint's weights and \
      writes the deployed model: a checkpoint whose metadata holds the optimized IR, so \
      dlc eval and dlc predict run exactly that model. Reports what each pass did and \
      skipped, the size before and after (in memory and as stored: pruned weights are \
      stored compactly), the test metrics of both, and the latency of both at batch 1 \
      and the training batch size (--no-latency skips it). dlc train does this by itself \
      when the spec lists passes, without the latency.
      """
  )

  @OptionGroup var spec: SpecArguments

  @Option(help: ArgumentHelp("The trained checkpoint (.safetensors).", valueName: "file"))
  var checkpoint: String

  @OptionGroup var passes: PassArguments

  @Option(name: [.short, .customLong("output")], help: ArgumentHelp(
    "Where to write the optimized checkpoint (default: optimized.safetensors beside the input).", valueName: "file"))
  var output: String?

  @Flag(help: "Skip the latency measurement (forward passes timed at batch 1 and the training batch size).")
  var noLatency = false

  func run() throws {
    let options = OptimizeOptions(spec: spec.options, checkpoint: checkpoint, passes: passes.list, output: output,
                                  dumps: passes.dumps,
                                  latencySeconds: noLatency ? 0 : OptimizeOptions.defaultLatencySeconds)
    try deliver(Driver.optimize(options))
  }
}

extension String {
  var trimmingSpaces: String {
    var s = Substring(self)
    while s.first == " " { s = s.dropFirst() }
    while s.last == " " { s = s.dropLast() }
    return String(s)
  }
}

struct LatencyCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "latency",
    abstract: "Time the model's forward pass under a checkpoint.",
    discussion: """
      Runs the forward pass on generated inputs at each batch size for about --seconds \
      and prints the median time per pass (with the 10th and 90th percentiles) and the \
      samples per second. An optimized checkpoint runs its optimized IR. Any batch size \
      runs: the interpreter plans the memory of each.
      """
  )

  @OptionGroup var spec: SpecArguments

  @Option(help: ArgumentHelp("The checkpoint (.safetensors).", valueName: "file"))
  var checkpoint: String

  @Option(help: ArgumentHelp("Batch sizes, comma-separated (default: 1 and the spec's batch size).", valueName: "list"))
  var batch: String?

  @Option(help: "Seconds of timing per batch size.")
  var seconds: Double = 1

  func validate() throws {
    guard seconds > 0, seconds <= 600 else { throw ValidationError("--seconds must be in (0, 600]") }
  }

  func run() throws {
    try deliver(Driver.latency(spec.options, checkpoint: checkpoint, batches: batch, seconds: seconds))
  }
}
