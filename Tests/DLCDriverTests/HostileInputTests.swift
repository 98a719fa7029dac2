/// Hostile and broken inputs through the whole front end: each gets a positioned
/// diagnostic and exit status 1 — never a crash, a hang or unbounded memory. The same
/// corpus runs through the built binary under time and memory limits in
/// `scripts/hostile-inputs.sh`, which also reports the time and memory of each case.
import DLCDriver
import Foundation
import Testing
import _DLCTestSupport

@Suite struct HostileInputTests {
  /// The corpus: name → bytes. Kept in step with scripts/hostile-inputs.sh.
  static let corpus: [(String, [UInt8])] = {
    var c: [(String, [UInt8])] = []
    c.append(("deep-flow-nesting", Array(String(repeating: "[", count: 1_000_000).utf8)))
    c.append(("deep-block-nesting", Array((0..<2000).map { String(repeating: " ", count: $0) + "- \n" }.joined().utf8)))
    var bomb = "a: &a [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n"
    for i in 1..<10 { bomb += "\(Character(Unicode.Scalar(97 + i)!)): &\(Character(Unicode.Scalar(97 + i)!)) [" + Array(repeating: "*\(Character(Unicode.Scalar(96 + i)!))", count: 9).joined(separator: ", ") + "]\n" }
    c.append(("billion-laughs", Array(bomb.utf8)))
    c.append(("five-megabyte-line", Array(("dlc: 1\nname: " + String(repeating: "a", count: 5_000_000) + "\n").utf8)))
    var rng = SplitMix64(seed: 42)
    c.append(("binary-garbage", (0..<65_536).map { _ in UInt8.random(in: 0...255, using: &rng) }))
    c.append(("nul-byte", Array("dlc: 1\nname: a\u{0}b\n".utf8)))
    c.append(("invalid-utf8", Array("dlc: 1\nname: ".utf8) + [0xC3, 0x28] + Array("\n".utf8)))
    c.append(("empty-file", []))
    c.append(("utf16", [0xFF, 0xFE] + Array("d\0l\0c\0".utf8)))
    c.append(("not-a-mapping", Array("just a string\n".utf8)))
    c.append(("hundred-thousand-layers", Array(manyLayers(100_000).utf8)))
    return c
  }()

  /// A spec with `n` layers whose last layer has the wrong width (one error at the end).
  static func manyLayers(_ n: Int) -> String {
    var s = "dlc: 1\nname: many\ndata:\n  source: {csv: \((Golden.root + "/specs/data/digits.csv")), target: label}\n  task: classification\n"
    s += "model:\n  input: [64]\n  layers:\n"
    for i in 0..<(n - 1) { s += i % 2 == 0 ? "    - dense: 16\n" : "    - relu\n" }
    s += "    - dense: 9\nloss: cross_entropy\ntrain: {optimizer: adam, batch_size: 32, epochs: 1}\n"
    return s
  }

  @Test(arguments: corpus.map(\.0))
  func hostileInputIsRefusedWithADiagnostic(_ name: String) throws {
    let bytes = Self.corpus.first { $0.0 == name }!.1
    let path = NSTemporaryDirectory() + "dlc-hostile-\(name).yaml"
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(atPath: path) }
    let result = Driver.check(SpecOptions(path: path))
    #expect(result.status == 1, "\(name): status \(result.status)")
    #expect(result.stderr.hasPrefix(path + ":"), "\(name): \(result.stderr.prefix(300))")
    #expect(result.stderr.contains("error: "))
  }

  @Test func aPathThatDoesNotExist() {
    let result = Driver.check(SpecOptions(path: "/nonexistent/spec.yaml"))
    #expect(result.status == 1)
    #expect(result.stderr.hasPrefix("/nonexistent/spec.yaml: error: cannot read '/nonexistent/spec.yaml': no such file or directory"))
  }

  @Test func aDirectoryInsteadOfAFile() {
    let result = Driver.check(SpecOptions(path: NSTemporaryDirectory()))
    #expect(result.status == 1)
    #expect(result.stderr.contains("it is a directory"))
  }
}
