#if canImport(Glibc)
import Glibc
#endif

/// Executables the build put beside the test bundle.
public enum BuiltProducts {
  /// The built `dlc` executable, or nil when it was not built.
  public static var dlc: String? {
    var buffer = [CChar](repeating: 0, count: 4096)
    let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    guard n > 0 else { return nil }
    let bundle = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    guard let slash = bundle.lastIndex(of: "/") else { return nil }
    let path = String(bundle[..<slash]) + "/dlc"
    return access(path, X_OK) == 0 ? path : nil
  }
}
