/// The fuzzing harness of the front end and the data readers.
///
/// In: one input at a time (bytes), and which reader it is for (`DLC_FUZZ_TARGET`:
/// `spec`, `csv`, `npy` or `safetensors`). Out: nothing; an input passes when the reader
/// returns a value or a typed error. A trap, a crash, a hang or unbounded memory is the
/// defect libFuzzer reports.
///
/// Built two ways (see fuzz/README.md):
/// - `swift build -Xswiftc -sanitize=fuzzer,address -Xswiftc -DDLC_LIBFUZZER`
///   (`scripts/fuzz.sh build`): libFuzzer's driver calls `LLVMFuzzerTestOneInput` with
///   coverage feedback;
/// - a plain `swift build`: `dlc-fuzz TARGET PATH…` replays files and folders of inputs
///   (the corpus in `fuzz/corpus/<target>/`), so the corpus is a regression test.
#if canImport(Glibc)
import Glibc
#endif

/// The target this process fuzzes, from `DLC_FUZZ_TARGET`; exits when it is not set or unknown.
nonisolated(unsafe) var selectedTarget: FuzzTarget?

/// The target named by the environment, chosen once.
func targetFromEnvironment() -> FuzzTarget {
  if let target = selectedTarget { return target }
  guard let raw = getenv("DLC_FUZZ_TARGET"), let target = FuzzTarget(rawValue: String(cString: raw)) else {
    InputFiles.printError("dlc-fuzz: set DLC_FUZZ_TARGET to one of: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))\n")
    exit(2)
  }
  selectedTarget = target
  return target
}

#if DLC_LIBFUZZER
/// libFuzzer's driver (in the toolchain's `libclang_rt.fuzzer`), given the harness's callback.
/// SwiftPM links an executable with `main` bound to this module's entry point, so the
/// entry point hands over to the driver instead of libFuzzer's own `main`.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
  _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
  _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// One input per call, as libFuzzer's `LLVMFuzzerTestOneInput`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
  targetFromEnvironment().run(bytes)
  return 0
}

/// Runs libFuzzer with the process's arguments (its flags, corpus folders, inputs).
@main
enum Fuzz {
  static func main() {
    _ = targetFromEnvironment()
    var argc = CommandLine.argc
    var argv = Optional(CommandLine.unsafeArgv)
    exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOneInput))
  }
}
#else
/// Replays inputs: `dlc-fuzz TARGET PATH…`, each path a file or a folder of files.
@main
enum Replay {
  static func main() {
    let args = CommandLine.arguments.dropFirst()
    guard let name = args.first, let target = FuzzTarget(rawValue: name), args.count >= 2 else {
      InputFiles.printError("usage: dlc-fuzz {\(FuzzTarget.allCases.map(\.rawValue).joined(separator: "|"))} PATH...\n")
      exit(2)
    }
    selectedTarget = target
    var count = 0
    for path in args.dropFirst() {
      for file in InputFiles.list(path) {
        guard let bytes = InputFiles.read(file) else {
          InputFiles.printError("dlc-fuzz: cannot read '\(file)'\n")
          exit(1)
        }
        target.run(bytes)
        count += 1
      }
    }
    print("dlc-fuzz \(target.rawValue): \(count) inputs replayed, no crash")
  }
}
#endif
