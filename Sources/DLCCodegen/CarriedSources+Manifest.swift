/// Which of dlc's own sources an emitted trainer package carries, and where they go.
///
/// The kernels (`DLCKernels`), file reading (`DLCBasics`) and the training loop with its
/// data layer (`DLCTraining`) exist once, in dlc's `Sources/`. `CarriedSources.swift`
/// holds their text, generated from those folders; a test compares it with the files on
/// disk and regenerates it with `DLC_BLESS=1`, so an emitted package always runs the
/// code `dlc train` runs. The emitted package mirrors the module layout, so the files
/// compile unchanged.
public enum CarriedManifest {
  /// The folders carried, relative to the repository root, each a module of the same
  /// name in the emitted package (`COpenBLAS` is the system-library shim, `CInt8GEMM` the
  /// C integer GEMM of the quantized kernels).
  public static let folders = [
    "Sources/CInt8GEMM", "Sources/COpenBLAS", "Sources/DLCBasics", "Sources/DLCKernels", "Sources/DLCTraining",
  ]

  /// File names a folder may hold that are carried: Swift and C sources, C headers, module maps.
  public static func isCarried(_ name: String) -> Bool {
    name.hasSuffix(".swift") || name.hasSuffix(".c") || name.hasSuffix(".h") || name == "module.modulemap"
  }

  /// The Swift source of `CarriedSources.swift` for `files` (path relative to the
  /// repository root, text), in the given order.
  public static func render(_ files: [(path: String, text: String)]) -> String {
    var out = """
      // Generated from dlc's Sources/ by the CarriedSources test (DLC_BLESS=1 swift test);
      // do not edit. See CarriedSources+Manifest.swift.

      /// The sources an emitted trainer package carries.
      enum CarriedSources {
        /// (path relative to the repository root, text), sorted by path.
        static let files: [(path: String, text: String)] = [

      """
    for file in files {
      out += "    (\"\(file.path)\", ##########\"\"\"\n\(file.text)\n\"\"\"##########),\n"
    }
    out += "  ]\n}\n"
    return out
  }
}
