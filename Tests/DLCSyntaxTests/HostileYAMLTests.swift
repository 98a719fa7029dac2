/// Hostile input: every case is refused with a positioned diagnostic, quickly and without
/// unbounded memory (no wall-time assertions here; the limits make each case cheap).
@testable import DLCSyntax
import Testing
import _DLCTestSupport

@Suite struct HostileYAMLTests {
  @Test func millionOpeningBrackets() {
    let text = String(repeating: "[", count: 1_000_000)
    #expect(YAMLFixture.found(text) == ["yaml.nestingTooDeep@1:257"])
  }

  @Test func millionOpeningBracesAfterAKey() {
    let text = "a: " + String(repeating: "{a: ", count: 250_000)
    #expect(YAMLFixture.found(text) == ["yaml.nestingTooDeep@1:\(3 + 255 * 4 + 1)"])
  }

  @Test func deepBlockSequences() {
    let text = String(repeating: "- ", count: 100_000) + "x\n"
    #expect(YAMLFixture.found(text) == ["yaml.nestingTooDeep@1:513"])
  }

  @Test func deepBlockMappings() {
    var text = ""
    for depth in 0..<300 { text += String(repeating: " ", count: depth) + "k:\n" }
    #expect(YAMLFixture.found(text) == ["yaml.nestingTooDeep@257:257"])
  }

  @Test func billionLaughs() throws {
    var text = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    let names = Array("abcdefghi")
    for i in 1..<names.count {
      let refs = Array(repeating: "*\(names[i - 1])", count: 9).joined(separator: ", ")
      text += "\(names[i]): &\(names[i]) [\(refs)]\n"
    }
    let diags = YAMLFixture.parse(text).diags
    try #require(diags.count == 1)
    #expect(diags[0].id == "yaml.aliasBudget")
    #expect(diags[0].message.text == "alias expansion exceeds 2000000 nodes")
    // a: 10 nodes, b: 91, c: 820, d: 7381, e: 66430, f: 597871; g's third alias passes two million.
    #expect(diags[0].range?.start.description == "7:\(8 + 2 * 4)")
  }

  /// Each anchor nests the previous one 250 levels deeper: without charging aliases their
  /// height, the tree would reach 250 × 100 levels and overflow any recursive consumer.
  @Test func aliasesCannotNestPastTheDepthLimit() {
    var text = ""
    for k in 0..<100 {
      let inner = k == 0 ? "1" : "*x\(k - 1)"
      text += "x\(k): &x\(k) " + String(repeating: "[", count: 250) + inner + String(repeating: "]", count: 250) + "\n"
    }
    // '*x0' on line 2 sits 251 levels deep (the root mapping and 250 brackets) and brings 250 more.
    #expect(YAMLFixture.found(text) == ["yaml.nestingTooDeep@2:\(9 + 250)"])
  }

  @Test func fiveMegabyteScalarOnOneLine() throws {
    let text = "a: " + String(repeating: "x", count: 5_000_000) + "\n"
    let diags = YAMLFixture.parse(text).diags
    #expect(diags.map(\.id) == ["yaml.scalarTooLong"])
    #expect(diags.first?.range?.start.description == "1:4")
    // The renderer cuts the line rather than printing five megabytes.
    #expect(DiagnosticRenderer().render(diags).utf8.count < 2_000)
  }

  @Test func longFlowLineWithManyNodes() {
    var limits = YAMLLimits()
    limits.maxNodes = 10_000
    let text = "[" + String(repeating: "é, ", count: 1_000_000) + "]"
    #expect(YAMLFixture.found(text, limits: limits) == ["yaml.tooManyNodes@1:\(2 + 3 * 9_999)"])
  }

  /// Random bytes from a fixed seed: refused by the byte checks, never a crash.
  @Test(arguments: 0..<20)
  func binaryGarbage(seed: UInt64) throws {
    var rng = SplitMix64(seed: seed)
    let bytes = (0..<(256 + Int(seed) * 97)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    let (node, diags, _) = YAMLFixture.parse(bytes: bytes)
    #expect(node == nil)
    let d = try #require(diags.first)
    #expect(["yaml.nulByte", "yaml.invalidUTF8", "yaml.controlCharacter", "yaml.unsupportedEncoding"].contains(d.id))
    #expect(d.range!.start == d.range!.file.position(ofByte: d.range!.start.offset))
  }

  /// Random text over YAML's punctuation: whatever libyaml makes of it, the reader answers
  /// with a node or with `yaml.*` diagnostics at positions inside the file.
  @Test(arguments: 0..<40)
  func punctuationGarbage(seed: UInt64) {
    var rng = SplitMix64(seed: seed &+ 1000)
    let alphabet = Array("[]{},:-?&*!|>'\"#%@`~ \n\n\t\r\\abcé😀0123.<<".unicodeScalars)
    var text = String.UnicodeScalarView()
    for _ in 0..<(50 + Int(seed) * 20) { text.append(alphabet[Int(rng.next() % UInt64(alphabet.count))]) }
    let (node, diags, file) = YAMLFixture.parse(String(text))
    #expect((node == nil) == !diags.isEmpty)
    for d in diags {
      #expect(d.id.hasPrefix("yaml."))
      let r = d.range!
      #expect(r.start.line >= 1 && r.start.line <= file.lineCount)
      #expect(r.start.offset <= file.bytes.count && r.end.offset <= file.bytes.count)
      #expect(r.start == file.position(ofByte: r.start.offset), "\(d.id) \(r.start) in \(Array(String(text).utf8))")
    }
  }

  @Test func nulByteInAnOtherwiseGoodFile() {
    #expect(YAMLFixture.found("name: mlp\nlayers:\n  - dense\0\n") == ["yaml.nulByte@3:10"])
  }

  @Test func invalidUTF8InAnOtherwiseGoodFile() {
    #expect(YAMLFixture.found(bytes: Array("name: mlp\nlayers: [é, ".utf8) + [0xC3, 0x28]) == ["yaml.invalidUTF8@2:13"])
  }

  @Test func emptyFile() {
    let (node, diags, _) = YAMLFixture.parse("")
    #expect(diags.isEmpty)
    #expect(node?.scalar?.resolved == .null)
  }

  @Test func hundredThousandEntryList() throws {
    let text = "items:\n" + (0..<100_000).map { "  - \($0)\n" }.joined()
    let (node, diags, _) = YAMLFixture.parse(text)
    #expect(diags.isEmpty)
    let items = try #require(node?.pairs?.first?.value.items)
    #expect(items.count == 100_000)
    #expect(items.last?.scalar?.resolved == .int(99_999))
    #expect(items.last?.range.start.description == "100001:5")
  }

  @Test func hundredThousandKeyMapping() throws {
    let text = (0..<100_000).map { "k\($0)é: \($0)\n" }.joined()
    let (node, diags, _) = YAMLFixture.parse(text)
    #expect(diags.isEmpty)
    let pairs = try #require(node?.pairs)
    #expect(pairs.count == 100_000)
    #expect(pairs.last?.value.range.start.description == "100000:\("k99999é: ".count + 1)")
  }

  @Test func manyUndefinedAliasesStopAtTheErrorLimit() {
    let text = (0..<50_000).map { "- *a\($0)\n" }.joined()
    #expect(YAMLFixture.parse(text).diags.count == DiagnosticEngine().errorLimit)
  }
}

/// A small deterministic generator (SplitMix64, Steele et al. 2014), so garbage tests
