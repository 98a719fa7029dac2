/// Text rendering (rustc style) and JSON rendering of diagnostics.
@testable import DLCSyntax
import Testing

@Suite struct DiagnosticRendererTests {
  let file = SourceFile(path: "specs/mlp.yaml", text: """
    name: mlp
    model:
      layers:
        - dense: 128
        - dense2d: 128
    """)

  private func range(line: Int, column: Int, length: Int) -> SourceRange {
    let start = file.byteOffset(line: line, column: column)
    return file.range(fromByte: start, toByte: start + length)
  }

  @Test func rendersSnippetNoteAndHelp() {
    let d = Diagnostic(DiagnosticMessage(id: "sema.unknownLayer", severity: .error, text: "unknown layer 'dense2d'"), at: range(line: 5, column: 7, length: 7), label: "not a known layer")
      .note("similar layer used here", at: range(line: 4, column: 7, length: 5))
      .help("did you mean 'dense'?")
    let expected = """
      specs/mlp.yaml:5:7: error: unknown layer 'dense2d'
        |
      5 |     - dense2d: 128
        |       ^^^^^^^ not a known layer
        |
      4 |     - dense: 128
        |       ----- similar layer used here
        |
        = help: did you mean 'dense'?
      error: aborting due to 1 previous error

      """
    #expect(DiagnosticRenderer().render([d]) == expected)
  }

  @Test func rendersWithoutAPlace() {
    let d = Diagnostic(DiagnosticMessage(id: "driver.unreadable", severity: .error, text: "cannot read 'x.yaml'"), at: nil, help: ["check the path"], path: "x.yaml")
    #expect(DiagnosticRenderer().render(d) == "x.yaml: error: cannot read 'x.yaml'\n  |\n  = help: check the path\n")
  }

  @Test func colourOnlyWhenAskedFor() {
    let d = Diagnostic(DiagnosticMessage(id: "x.y", severity: .error, text: "bad"), at: range(line: 1, column: 1, length: 4))
    #expect(!DiagnosticRenderer().render(d).contains("\u{1B}"))
    #expect(DiagnosticRenderer(color: true).render(d).contains("\u{1B}[31m"))
  }

  @Test func hostileLinesAreSanitizedAndCut() {
    let hostile = SourceFile(path: "h.yaml", text: "a: \u{1B}[2J" + String(repeating: "x", count: 1000))
    let d = Diagnostic(DiagnosticMessage(id: "x.y", severity: .error, text: "bad"), at: hostile.range(fromByte: 0, toByte: 1))
    let out = DiagnosticRenderer().render(d)
    #expect(!out.contains("\u{1B}"))
    #expect(out.contains("…"))
    #expect(out.utf8.count < 1000)
  }

  @Test func jsonEscapesStrings() {
    #expect(DiagnosticJSON.quote("a\"b\\c\nd\te\u{01}é") == #""a\"b\\c\nd\te\u0001é""#)
  }

  @Test func jsonDocument() {
    let d = Diagnostic(DiagnosticMessage(id: "yaml.duplicateKey", severity: .error, text: "duplicate key 'a\"'"), at: range(line: 1, column: 1, length: 4))
      .note("first defined here", at: range(line: 2, column: 1, length: 5))
      .help("remove one")
    let expected = #"{"diagnostics":[{"id":"yaml.duplicateKey","severity":"error","message":"duplicate key 'a\"'","#
      + #""file":"specs/mlp.yaml","range":{"start":{"line":1,"column":1},"end":{"line":1,"column":5}},"#
      + #""notes":[{"message":"first defined here","file":"specs/mlp.yaml","range":{"start":{"line":2,"column":1},"end":{"line":2,"column":6}}}],"#
      + #""help":["remove one"]}],"errors":1}"# + "\n"
    #expect(DiagnosticJSON.render([d]) == expected)
  }
}
