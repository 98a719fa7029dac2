/// `expr` activations in a spec: the forms they are written in, their constants, and
/// errors placed at their column inside the YAML string (or, where a scalar's style makes
/// that impossible, at the string's start with a note).
import DLCSyntax
import Testing
@testable import DLCSpec

@Suite struct ExpressionCheckTests {
  /// The one diagnostic of a layer list, as `line:column message` with its helps and notes.
  func error(_ body: String) -> String? {
    let (_, diags) = layers(body)
    guard diags.count == 1, let d = diags.first, let r = d.range else { return diags.isEmpty ? nil : "\(diags.map(\.message.text))" }
    return "\(r.start.line):\(r.start.column)-\(r.end.column) \(d.message.text)" + d.helps.map { " | " + $0 }.joined()
      + d.notes.map { " | note: " + $0.text }.joined()
  }

  @Test func everyPlaceAnActivationGoes() throws {
    let (spec, diags) = layers("""
        - dense: {units: 8, activation: {expr: "0.5*x*(tanh(x)+1)"}}
        - dense: {units: 8, activation: {expr: "x*sigmoid(b*x)", b: 1.5}}
        - expr: "x*sigmoid(b*x)"
          b: 2
        - {expr: 'where(x > 0, x, a*x)', a: 0.1}
        - b: 3
          expr: x*b
        - expr: x^2

      """)
    #expect(diags.isEmpty, "\(diags.map(\.message.text))")
    let l = try #require(spec?.model?.layers)
    #expect(l.count == 6)
    let first = try #require(l[0].use?.entryUse("activation"))
    #expect(first.name == "expr" && first.string("expr") == "0.5*x*(tanh(x)+1)")
    let second = try #require(l[1].use?.entryUse("activation"))
    #expect(ExpressionActivation.attributes(second)?.expr == "x * sigmoid(1.5 * x)")
    #expect(l[2].use.flatMap(ExpressionActivation.attributes)?.expr == "x * sigmoid(2 * x)")
    #expect(l[3].use.flatMap(ExpressionActivation.attributes)?.expr == "where(x > 0, x, 0.1 * x)")
    #expect(l[4].use.flatMap(ExpressionActivation.attributes)?.expr == "x * 3")
    #expect(l[5].use.flatMap(ExpressionActivation.attributes)?.derivative == "x + x")
  }

  @Test func misspelledFunctionAtItsColumnInEveryQuoting() {
    // The column of `tnah` in each line (line 14 of the spec): plain, double-quoted,
    // single-quoted, and in a flow mapping.
    #expect(error("    - expr: x*tnah(x)\n") == "14:15-19 unknown function 'tnah' | did you mean 'tanh'?")
    #expect(error("    - expr: \"x*tnah(x)\"\n") == "14:16-20 unknown function 'tnah' | did you mean 'tanh'?")
    #expect(error("    - expr: 'x*tnah(x)'\n") == "14:16-20 unknown function 'tnah' | did you mean 'tanh'?")
    #expect(error("    - dense: {units: 2, activation: {expr: \"0.5*x*(tnah(x)+1)\", b: 1}}\n")
      == "14:52-56 unknown function 'tnah' | did you mean 'tanh'?")
    #expect(error("    - expr: 'x*tnah(x) + y'\n")?.hasPrefix("14:16-20") == true)
    // '' is one quote of the value and two characters of the file: later columns count both.
    #expect(error("    - expr: 'x*x''*tnah(x)'\n") == "14:17-19 expected a number, a name, an operator or a parenthesis, found '''")
  }

  @Test func stylesWithoutOneToOneCharactersFallBackToTheStart() {
    let note = " | note: the string is not written character for character in the file; the error is at character 3 of the expression"
    // An escape: `\u0074` is one character of the value, six of the file.
    #expect(error("    - expr: \"x*\\u0074nah(x)\"\n") == "14:13-14 unknown function 'tnah' | did you mean 'tanh'?" + note)
    #expect(error("    - expr: |-\n        x*tnah(x)\n") == "14:13-14 unknown function 'tnah' | did you mean 'tanh'?" + note)
    #expect(error("    - expr: >-\n        x*tnah(x)\n") == "14:13-14 unknown function 'tnah' | did you mean 'tanh'?" + note)
    // A double-quoted string over two lines folds its line break into a space.
    #expect(error("    - expr: \"x*\n        tnah(x)\"\n")?.hasPrefix("14:13-14 unknown function 'tnah'") == true)
  }

  @Test func constantsAndNames() {
    #expect(error("    - {expr: 'x*sigmoid(beta*x)', bta: 1.5}\n")
      == "14:25-29 unknown name 'beta' in the expression | did you mean 'bta'?")
    #expect(error("    - expr: 'x*tanh'\n") == "14:16-20 unknown name 'tanh' in the expression | 'tanh' is a function: write 'tanh(…)'")
    #expect(error("    - {expr: 'x*pi', pi: 3}\n")?.contains("'pi' is not a valid name") == true)
    #expect(error("    - {expr: 'x*b', b: .nan}\n")?.contains("not a finite number") == true)
    #expect(error("    - {expr: 'x*b', b: true}\n")?.contains("expected") == true)
    #expect(error("    - {expr: 'x', b: 1, b: 2}\n") != nil)
    #expect(error("    - expr: 3\n")?.contains("the expression does not depend on 'x'") == true)
  }

  @Test func hostileStringsAreDiagnostics() {
    let deep = String(repeating: "(", count: 2_000) + "x" + String(repeating: ")", count: 2_000)
    #expect(error("    - expr: \"\(deep)\"\n")?.contains("nested more than 64 levels deep") == true)
    let long = Array(repeating: "x", count: 5_000).joined(separator: "+")
    #expect(error("    - expr: \(long)\n")?.contains("longer than 4096 characters") == true)
    // Nested quotients whose derivative, written out, would have millions of terms.
    var q = "x"
    for _ in 0..<12 { q = "(\(q))/(\(q)+1)" }
    #expect(error("    - expr: \"\(q)\"\n")?.contains("the expression is too complex") == true)
    #expect(error("    - expr: \"x^1e30 + 0/0\"\n")?.contains("not a number") == true)
  }
}
