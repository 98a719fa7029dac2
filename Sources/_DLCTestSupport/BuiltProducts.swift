import Foundation

/// Executables the build put beside the test bundle.
public enum BuiltProducts {
  /// The built `dlc` executable, or nil when it was not built.
  public static var dlc: String? {
    let bundle = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    let path = bundle.appendingPathComponent("dlc").path
    return FileManager.default.isExecutableFile(atPath: path) ? path : nil
  }
}
