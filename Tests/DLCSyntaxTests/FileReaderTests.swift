/// Reading files with limits and clear reasons, and resolving paths relative to a spec.
@testable import DLCSyntax
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite struct FileReaderTests {
  /// A fresh folder under /tmp holding `name` with `contents`; returns both paths.
  private func scratch(_ name: String, _ contents: String) throws -> (dir: String, file: String) {
    var template = Array("/tmp/dlc-filereader-XXXXXX".utf8CString)
    let dir = try #require(template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }.map { String(cString: $0) })
    let path = dir + "/" + name
    let f = try #require(fopen(path, "wb"))
    _ = contents.utf8CString.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count - 1, f) }
    fclose(f)
    return (dir, path)
  }

  private func cleanUp(_ s: (dir: String, file: String)) {
    unlink(s.file)
    rmdir(s.dir)
  }

  @Test func readsAWholeFile() throws {
    let s = try scratch("a.yaml", "a: 1\n")
    defer { cleanUp(s) }
    #expect(try FileReader.read(s.file, limit: 100).get() == Array("a: 1\n".utf8))
  }

  @Test func missingFile() {
    guard case .failure(let e) = FileReader.read("/tmp/dlc-no-such-dir/none.yaml", limit: 100) else {
      Issue.record("read a missing file")
      return
    }
    #expect(e.reason == "no such file or directory")
  }

  @Test func directory() throws {
    let s = try scratch("a.yaml", "")
    defer { cleanUp(s) }
    guard case .failure(let e) = FileReader.read(s.dir, limit: 100) else {
      Issue.record("read a directory")
      return
    }
    #expect(e.reason == "it is a directory")
  }

  @Test func notARegularFile() {
    guard case .failure(let e) = FileReader.read("/dev/null", limit: 100) else {
      Issue.record("read a device")
      return
    }
    #expect(e.reason == "it is not a regular file")
  }

  @Test func limit() throws {
    let s = try scratch("big.yaml", "0123456789")
    defer { cleanUp(s) }
    guard case .failure(let e) = FileReader.read(s.file, limit: 4) else {
      Issue.record("read past the limit")
      return
    }
    #expect(e.reason == "it is 10 bytes; the limit is 4")
    #expect(try FileReader.read(s.file, limit: 4, prefixOnly: true).get() == Array("0123".utf8))
  }

  @Test func resolveRelativeToASpec() {
    #expect(FileReader.resolve("data/x.csv", relativeTo: "specs/mlp.yaml") == "specs/data/x.csv")
    #expect(FileReader.resolve("../data/x.csv", relativeTo: "specs/mlp.yaml") == "data/x.csv")
    #expect(FileReader.resolve("../../x.csv", relativeTo: "specs/mlp.yaml") == "../x.csv")
    #expect(FileReader.resolve("./x.csv", relativeTo: "mlp.yaml") == "x.csv")
    #expect(FileReader.resolve("/abs/./x.csv", relativeTo: "specs/mlp.yaml") == "/abs/x.csv")
    #expect(FileReader.resolve("x.csv", relativeTo: "/home/u/specs/mlp.yaml") == "/home/u/specs/x.csv")
  }

  @Test func normalize() {
    #expect(FileReader.normalize("a/./b/../c") == "a/c")
    #expect(FileReader.normalize("../../a") == "../../a")
    #expect(FileReader.normalize("a/..") == ".")
    #expect(FileReader.normalize("/a/../b") == "/b")
  }
}
