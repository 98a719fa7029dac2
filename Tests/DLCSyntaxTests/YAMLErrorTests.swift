/// Every YAML-level error: its ID and the line:column it points at, plus the notes and
/// help that make it actionable.
@testable import DLCSyntax
import Testing

@Suite struct YAMLErrorTests {
  private func found(_ text: String, limits: YAMLLimits = YAMLLimits()) -> [String] {
    YAMLFixture.found(text, limits: limits)
  }

  private func only(_ text: String, limits: YAMLLimits = YAMLLimits()) throws -> Diagnostic {
    let diags = YAMLFixture.parse(text, limits: limits).diags
    try #require(diags.count == 1, "\(diags.map(\.message.text))")
    return diags[0]
  }

  // MARK: Bytes

  @Test func fileTooLarge() {
    var limits = YAMLLimits()
    limits.maxFileBytes = 10
    #expect(found("a: 123456789\n", limits: limits) == ["yaml.fileTooLarge@1:1"])
  }

  @Test func nulByte() {
    #expect(found("a: 1\nb: x\0y\n") == ["yaml.nulByte@2:5"])
  }

  @Test func invalidUTF8() {
    #expect(YAMLFixture.found(bytes: Array("a: é\nb: ".utf8) + [0xFF] + Array("\n".utf8)) == ["yaml.invalidUTF8@2:4"])
    #expect(YAMLFixture.found(bytes: Array("a: ".utf8) + [0xC0, 0xAF]) == ["yaml.invalidUTF8@1:4"])  // overlong
    #expect(YAMLFixture.found(bytes: Array("a: ".utf8) + [0xED, 0xA0, 0x80]) == ["yaml.invalidUTF8@1:4"])  // surrogate
    #expect(YAMLFixture.found(bytes: Array("a: x".utf8) + [0xE2, 0x82]) == ["yaml.invalidUTF8@1:5"])  // cut short
  }

  @Test func controlCharacters() throws {
    #expect(found("a: 1\nb: \u{01}\n") == ["yaml.controlCharacter@2:4"])
    #expect(found("a: é\u{80}") == ["yaml.controlCharacter@1:5"])
    #expect(found("a: \u{7F}") == ["yaml.controlCharacter@1:4"])
    #expect(try only("a: \u{1B}[31m").message.text == "the file contains the control character U+001B")
  }

  @Test func otherEncodingsAreRefused() throws {
    #expect(YAMLFixture.found(bytes: [0xFF, 0xFE, 0x61, 0x00]) == ["yaml.unsupportedEncoding@1:1"])
    #expect(YAMLFixture.found(bytes: [0xFE, 0xFF, 0x00, 0x61]) == ["yaml.unsupportedEncoding@1:1"])
    let d = YAMLFixture.parse(bytes: [0xFF, 0xFE, 0x00, 0x00, 0x61, 0, 0, 0]).diags
    #expect(d.map(\.message.text) == ["the file is UTF-32; only UTF-8 is supported"])
    #expect(d.first?.helps == ["save the file as UTF-8"])
  }

  @Test func positionsAfterAByteOrderMarkInErrors() {
    #expect(YAMLFixture.found(bytes: [0xEF, 0xBB, 0xBF] + Array("a: 1\na: 2\n".utf8)) == ["yaml.duplicateKey@2:1"])
    #expect(YAMLFixture.found(bytes: [0xEF, 0xBB, 0xBF] + Array("a: \0".utf8)) == ["yaml.nulByte@1:4"])
    #expect(YAMLFixture.found(bytes: [0xEF, 0xBB, 0xBF] + Array("a: b: c".utf8)) == ["yaml.syntax@1:5"])
  }

  // MARK: libyaml's own errors

  @Test func syntaxErrorAtLibYAMLsMark() throws {
    let d = try only("a: 1\nb: c: d\n")
    #expect(d.id == "yaml.syntax")
    #expect(d.range?.start.description == "2:5")
    #expect(d.message.text == "mapping values are not allowed in this context")
  }

  @Test func syntaxErrorCarriesItsContext() throws {
    let d = try only("- a\nb: 1\n")
    #expect(d.id == "yaml.syntax")
    #expect(d.range?.start.description == "2:1")
    #expect(d.message.text == "did not find expected '-' indicator")
    #expect(d.notes.map(\.text) == ["while parsing a block collection"])
    #expect(d.notes.first?.range?.start.description == "1:1")
  }

  @Test func tabIndentationGetsAHelp() throws {
    for text in ["a:\n\tb: 1\n", "a: 1\n\tb: 2\n", "data:\n\tsource: {csv: x.csv}\n"] {
      let d = try only(text)
      #expect(d.id == "yaml.syntax")
      #expect(d.range?.start.description == "2:1", "\(text)")
      #expect(d.helps == ["indent with spaces; YAML does not allow tabs for indentation"])
    }
  }

  @Test func unterminatedQuoteIsReportedAtTheQuote() throws {
    let d = try only("# x\nname: \"digits\nother: 1\n")
    #expect(d.id == "yaml.syntax")
    #expect(d.range?.start.description == "2:7")
    #expect(d.message.text == "found unexpected end of stream while scanning a quoted scalar")
    #expect(d.label == "this is never closed")
    #expect(d.helps == ["add the closing quote"])
    #expect(found("a: 'abc") == ["yaml.syntax@1:4"])
  }

  @Test func unclosedFlowCollectionIsReportedAtItsBracket() throws {
    let d = try only("a: [1, 2\n")
    #expect(d.id == "yaml.syntax")
    #expect(d.range?.start.description == "1:4")
    #expect(d.message.text == "did not find expected ',' or ']' while parsing a flow sequence")
    #expect(d.helps == ["add the closing ']'"])
    #expect(found("a: {b: [1], c: 2\n# trailing comment\n") == ["yaml.syntax@1:4"])
  }

  // MARK: Structure

  @Test func duplicateKeyAtTheSecondOccurrence() throws {
    let d = try only("a: 1\nb: 2\na: 3\n")
    #expect(d.id == "yaml.duplicateKey")
    #expect(d.message.text == "duplicate key 'a'")
    #expect(d.range?.start.description == "3:1")
    #expect(d.notes.first?.text == "first defined here")
    #expect(d.notes.first?.range?.start.description == "1:1")
  }

  @Test func severalDuplicateKeysAreAllReported() {
    #expect(found("a: 1\na: 2\nb: {x: 1, x: 2}\nb: 3\n") == [
      "yaml.duplicateKey@2:1", "yaml.duplicateKey@3:11", "yaml.duplicateKey@4:1",
    ])
  }

  @Test func nonScalarKeysAreRefused() {
    #expect(found("? [a]\n: b\n") == ["yaml.complexKey@1:3"])
    #expect(found("{[a]: b}\n") == ["yaml.complexKey@1:2"])
    #expect(found("? {x: 1}\n: b\nc: d\n") == ["yaml.complexKey@1:3"])
  }

  @Test func secondDocumentIsRefusedAtItsStart() {
    #expect(found("a: 1\n---\nb: 2\n") == ["yaml.multipleDocuments@2:1"])
    #expect(found("a: 1\n...\n---\nb: 2\n") == ["yaml.multipleDocuments@3:1"])
    // After '...' without '---', libyaml itself refuses the content.
    #expect(found("a: 1\n...\nb: 2\n") == ["yaml.syntax@3:1"])
  }

  // MARK: Tags

  @Test func tagsOutsideTheCoreSchemaAreRefusedAtTheTag() throws {
    let d = try only("a: !foo x\n")
    #expect(d.id == "yaml.unsupportedTag")
    #expect(YAMLFixture.span(d.range!) == "1:4-1:8")
    #expect(found("name: !!python/object:os.system tag\n") == ["yaml.unsupportedTag@1:7"])
    #expect(try only("a: !!binary eA==\n").message.text == "tag '!!binary' is not part of the YAML core schema")
    #expect(found("a: &x !bad y\n") == ["yaml.unsupportedTag@1:7"])
    #expect(found("a: !custom {b: 1}\n") == ["yaml.unsupportedTag@1:4"])
    #expect(found("%TAG !e! tag:example.com,2000:\n---\na: !e!foo 1\n") == ["yaml.unsupportedTag@3:4"])
  }

  @Test func coreTagOnTheWrongKindOfNode() {
    #expect(found("a: !!str [1]\n") == ["yaml.tagMismatch@1:4"])
    #expect(found("a: !!map x\n") == ["yaml.tagMismatch@1:4"])
  }

  @Test func taggedValueMustFitItsTag() throws {
    let d = try only("a: !!int abc\n")
    #expect(d.id == "yaml.invalidTaggedValue")
    #expect(d.range?.start.description == "1:10")
    #expect(d.message.text == "value 'abc' does not match its tag '!!int'")
    #expect(found("a: !!bool yes\nb: !!null x\nc: !!float y\n") == [
      "yaml.invalidTaggedValue@1:11", "yaml.invalidTaggedValue@2:11", "yaml.invalidTaggedValue@3:12",
    ])
  }

  // MARK: Aliases and merge keys

  @Test func undefinedAlias() throws {
    let d = try only("a: 1\nb: *nope\n")
    #expect(d.id == "yaml.undefinedAlias")
    #expect(YAMLFixture.span(d.range!) == "2:4-2:9")
    // An anchor is defined only once its node is complete, so a node cannot contain itself.
    #expect(found("a: &a [*a]\n") == ["yaml.undefinedAlias@1:8"])
  }

  @Test func aliasesAreChargedTheirExpandedSize() {
    var limits = YAMLLimits()
    limits.maxNodes = 10
    // 1 (root) + 1 (key a) + 5 (the list) + 1 (key b) + 5 (the alias) = 13 > 10.
    #expect(found("a: &a [1, 2, 3, 4]\nb: *a\n", limits: limits) == ["yaml.aliasBudget@2:4"])
  }

  @Test func mergeKeysAreRefused() throws {
    let d = try only("base: &b {x: 1}\nuse:\n  <<: *b\n  y: 2\n")
    #expect(d.id == "yaml.mergeKey")
    #expect(d.range?.start.description == "3:3")
    #expect(d.helps == ["write the keys out in this mapping"])
  }

  // MARK: Limits

  @Test func nestingTooDeep() {
    var limits = YAMLLimits()
    limits.maxDepth = 3
    #expect(found("[[[[1]]]]\n", limits: limits) == ["yaml.nestingTooDeep@1:4"])
    #expect(found("a:\n  b:\n    c:\n      d: 1\n", limits: limits) == ["yaml.nestingTooDeep@4:7"])
    #expect(found("[[[1]]]\n", limits: limits) == [])
    // An alias adds the height of its anchored subtree to the depth where it is used.
    #expect(found("a: &a [1]\nb: [[*a]]\n", limits: limits) == ["yaml.nestingTooDeep@2:6"])
    #expect(found("a: &a [1]\nb: [*a]\n", limits: limits) == [])
  }

  @Test func tooManyNodes() {
    var limits = YAMLLimits()
    limits.maxNodes = 5
    #expect(found("[1, 2, 3, 4, 5, 6]\n", limits: limits) == ["yaml.tooManyNodes@1:14"])
  }

  @Test func scalarTooLong() {
    var limits = YAMLLimits()
    limits.maxScalarBytes = 4
    #expect(found("a: hello\nb: ok\n", limits: limits) == ["yaml.scalarTooLong@1:4"])
  }

  // MARK: Collecting

  @Test func independentErrorsAreAllReported() {
    #expect(found("a: 1\na: 2\nb: !foo x\nc: *missing\n<<: {}\n") == [
      "yaml.duplicateKey@2:1", "yaml.unsupportedTag@3:4", "yaml.undefinedAlias@4:4", "yaml.mergeKey@5:1",
    ])
  }

  @Test func reportingStopsAtTheEnginesLimit() {
    let text = (0..<500).map { "k\($0): *a\($0)\n" }.joined()
    let engine = DiagnosticEngine()
    engine.errorLimit = 20
    #expect(YAMLReader.parse(SourceFile(path: "t.yaml", text: text), diagnostics: engine) == nil)
    #expect(engine.diagnostics.count == 20)
  }

  @Test func quotedTextInMessagesIsShortAndOnOneLine() throws {
    let key = String(repeating: "k", count: 100)
    let d = try only("\"\(key)\\n\": 1\n\"\(key)\\n\": 2\n")
    #expect(d.message.text == "duplicate key '\(String(repeating: "k", count: 40))…'")
    #expect(try only("a: !!int \"x\\ny\"\n").message.text == "value 'x\\ny' does not match its tag '!!int'")
  }
}
