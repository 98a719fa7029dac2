import DLCIR
import DLCPasses
import Testing

/// A small valid module: one function with a chain of two ops.
let chain = """
  module @m {
    param @w : tensor<4x4xf32>

    func @predict(%x: tensor<Nx4xf32>) -> (tensor<Nx4xf32>) {
      %a = dense(%x, @w) : tensor<Nx4xf32>
      %b = relu(%a) : tensor<Nx4xf32>
      return %b
    }
  }

  """

/// Parses test IR, stopping the test if it does not parse.
func parse(_ text: String) throws -> Module { try parseModule(text) }

/// A pass that records its name in a shared log and applies an optional edit.
struct Probe: Pass {
  let name: String
  var summary: String { "test pass \(name)" }
  let log: Log
  var edit: @Sendable (inout Module) throws -> Void = { _ in }

  func run(on module: inout Module) throws {
    log.entries.append(name)
    try edit(&module)
  }
}

/// A reference-typed log, so passes can record into it.
final class Log: @unchecked Sendable {
  var entries: [String] = []
}

struct Boom: Error, CustomStringConvertible {
  var description: String { "boom" }
}

@Suite struct PassManagerTests {
  @Test func runsPassesInOrder() throws {
    let log = Log()
    var m = try parse(chain)
    try PassManager(passes: [Probe(name: "first", log: log), Probe(name: "second", log: log)]).run(on: &m)
    #expect(log.entries == ["first", "second"])
    #expect(m == (try parse(chain)))
  }

  @Test func verifiesAfterEachPassAndNamesTheCulprit() throws {
    let log = Log()
    let breaker = Probe(name: "break-types", log: log) { m in m.functions[0].body[1].results[0].type = TensorType(dims: [.batch], element: .f32) }
    var m = try parse(chain)
    let pm = PassManager(passes: [Probe(name: "fine", log: log), breaker, Probe(name: "never", log: log)])
    #expect {
      try pm.run(on: &m)
    } throws: { error in
      guard let e = error as? PassManagerError, case .verifierFailed(let pass, let errors) = e else { return false }
      return pass == "break-types" && errors.count == 2 && e.pass == "break-types"
        && e.description.hasPrefix("pass 'break-types' produced invalid IR:\n  in @predict, at 'relu %b': declared result type")
    }
    #expect(log.entries == ["fine", "break-types"])
  }

  @Test func verificationCanBeTurnedOff() throws {
    let log = Log()
    let breaker = Probe(name: "break", log: log) { m in m.functions[0].returns = [] }
    var m = try parse(chain)
    try PassManager(passes: [breaker], verifyEach: false).run(on: &m)
    #expect(m.functions[0].returns.isEmpty)
  }

  @Test func rejectsInvalidInput() throws {
    var m = try parse(chain)
    m.functions[0].body[0].opcode = "nope"
    let log = Log()
    do {
      try PassManager(passes: [Probe(name: "p", log: log)]).run(on: &m)
      Issue.record("expected a failure")
    } catch {
      guard case .invalidInput(let errors) = error else { Issue.record("wrong error \(error)"); return }
      #expect(errors.map(\.description) == ["in @predict, at 'nope %a': unknown op 'nope'"])
      #expect(error.pass == nil)
    }
    #expect(log.entries.isEmpty)
  }

  @Test func reportsAThrowingPass() throws {
    var m = try parse(chain)
    do {
      try PassManager(passes: [Probe(name: "explode", log: Log()) { _ in throw Boom() }]).run(on: &m)
      Issue.record("expected a failure")
    } catch {
      #expect(error.description == "pass 'explode' failed: boom")
      #expect(error.pass == "explode")
    }
  }

  @Test func printsAfterAllPasses() throws {
    let log = Log(), dumps = Log()
    let pm = PassManager(passes: [Probe(name: "one", log: log), Probe(name: "two", log: log)], printAfterAll: true) {
      dumps.entries.append($0)
    }
    var m = try parse(chain)
    try pm.run(on: &m)
    #expect(dumps.entries == ["// -----// IR after one //----- //\n" + chain, "// -----// IR after two //----- //\n" + chain])
  }

  @Test func printsAfterNamedPassesOnly() throws {
    let log = Log(), dumps = Log()
    let pm = PassManager(passes: [Probe(name: "one", log: log), Probe(name: "two", log: log)], printAfter: ["two"]) {
      dumps.entries.append($0)
    }
    #expect(try pm.running(try parse(chain)) == (try parse(chain)))
    #expect(dumps.entries == [PassManager.banner(after: "two") + chain])
  }
}
