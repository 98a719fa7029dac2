import DLCIR
import Testing
import _DLCTestSupport

@Suite struct PrinterParserTests {
  // MARK: Round trips

  /// print(parse(text)) == text for canonical text, and parse(print(m)) == m.
  private func roundTrip(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let m = try parseModule(text)
    let printed = printModule(m)
    #expect(printed == text, sourceLocation: sourceLocation)
    #expect(try parseModule(printed) == m, sourceLocation: sourceLocation)
  }

  @Test func digitsExampleRoundTrips() throws {
    try roundTrip(Fixture.digitsMLP)
  }

  @Test func everyOpRoundTrips() throws {
    try roundTrip(Fixture.everyOp)
    try roundTrip(Fixture.trainingOps)
    try roundTrip(Fixture.quantizedOps)
    let fixtures = [Fixture.everyOp, Fixture.trainingOps, Fixture.quantizedOps].map(Fixture.module)
    let ops = Set(fixtures.flatMap(\.functions).flatMap(\.body).map(\.opcode))
    #expect(ops == Set(OpRegistry.all.map(\.name)), "the fixtures must use every op")
    #expect(verify(Fixture.module(Fixture.quantizedOps)).isEmpty, "\(verify(Fixture.module(Fixture.quantizedOps)))")
  }

  @Test func opsWithoutResultsPrintWithoutTypes() throws {
    let m = Fixture.module(Fixture.trainingOps)
    let update = try #require(m.functions[0].body.first { $0.opcode == "adam_update" })
    #expect(update.results.isEmpty)
    #expect(printOperation(update) == "adam_update(@dense.weight, %dense.weight.grad, @dense.weight.exp_avg, @dense.weight.exp_avg_sq, "
      + "@dense.weight.max_exp_avg_sq, %lr, %step) {amsgrad = true, beta1 = 0.9, beta2 = 0.999, decoupled = true, eps = 1e-08, weight_decay = 0.01}")
    #expect(update.label == "adam_update @dense.weight")
    let withLocation = "module @m {\n  func @f(%g: tensor<f32>) -> () {\n    sgd_update(@p, %g) {} loc(\"a.yaml\":1:2)\n    return\n  }\n}\n"
    let parsed = try parseModule(withLocation)
    #expect(parsed.functions[0].body[0].location == IRLocation(file: "a.yaml", line: 1, column: 2))
    #expect(printModule(parsed) == "module @m {\n  func @f(%g: tensor<f32>) -> () {\n    sgd_update(@p, %g) loc(\"a.yaml\":1:2)\n    return\n  }\n}\n")
  }

  @Test func opsWithoutResultsTakeNoTypes() {
    #expect(throws: IRParseError.self) {
      try parseModule("module @m {\n  func @f() -> () {\n    sgd_update(@p) : tensor<f32>\n    return\n  }\n}\n")
    }
  }

  @Test func scalarTypesRoundTrip() throws {
    #expect(TensorType(dims: [], element: .i64).description == "tensor<i64>")
    #expect(TensorType.scalarF32.description == "tensor<f32>")
    let text = "module @m {\n  func @f(%lr: tensor<f32>, %step: tensor<i64>) -> (tensor<i64>) {\n    return %step\n  }\n}\n"
    let m = try parseModule(text)
    #expect(m.functions[0].arguments.map(\.type) == [.scalarF32, TensorType(dims: [], element: .i64)])
    #expect(printModule(m) == text)
  }

  @Test func everyAttributeKindRoundTrips() throws {
    let attrs: [String: Attribute] = [
      "int": .int(-42), "big": .int(Int.max), "float": .float(0.001), "tiny": .float(1e-05), "huge": .float(1e300),
      "neg": .float(-2.5), "inf": .float(.infinity), "minus_inf": .float(-.infinity), "yes": .bool(true), "no": .bool(false),
      "text": .string("say \"hi\"\\\n\ttab \u{1} é 😀"), "empty": .string(""), "list": .list([.int(1), .float(2), .string("3")]),
      "nothing": .list([]), "dict": .dict(["z": .int(1), "a": .dict(["deep": .list([.list([.bool(true)])])])]),
      "no_keys": .dict([:]), "with space": .int(1), "1st": .int(1), "": .int(0), "dashed-key.$": .int(2),
    ]
    let m = Module(name: "attrs", attributes: attrs, parameters: [
      Parameter(name: "w", type: t("2x2"), attributes: attrs, location: IRLocation(file: "dir/\"odd\" name.yaml", line: 3, column: 9)),
    ])
    let text = printModule(m)
    let back = try parseModule(text)
    #expect(back == m)
    #expect(printModule(back) == text)
  }

  @Test func nanRoundTripsAsText() throws {
    let m = Module(name: "m", attributes: ["x": .float(.nan)])
    let text = printModule(m)
    #expect(text == "module @m attributes {x = nan} {\n}\n")
    let back = try parseModule(text)
    #expect(back.attributes["x"]?.floatValue?.isNaN == true)
    #expect(printModule(back) == text)
  }

  @Test func multiResultOpsRoundTrip() throws {
    try roundTrip("""
      module @m {
        func @f(%x: tensor<Nx4xf32>) -> (tensor<Nx2xf32>, tensor<Nx2xf32>) {
          %a, %b = split(%x) {sizes = [2, 2]} : tensor<Nx2xf32>, tensor<Nx2xf32> loc("s.yaml":1:1)
          return %a, %b
        }
      }

      """)
  }

  @Test func emptyAndSparseModulesRoundTrip() throws {
    try roundTrip("module @empty {\n}\n")
    try roundTrip("module @params_only {\n  param @w : tensor<3xf32>\n}\n")
    try roundTrip("module @funcs_only {\n  func @f() -> () {\n    return\n  }\n\n  func @g(%x: tensor<f32>) -> (tensor<f32>) {\n    return %x\n  }\n}\n")
  }

  @Test func namesMayHoldDotsDashesAndDollars() throws {
    try roundTrip("""
      module @a.b-c$1 {
        param @block-1.weight : tensor<4x4xf32>

        func @predict(%in$put: tensor<Nx4xf32>) -> (tensor<Nx4xf32>) {
          %block-1 = dense(%in$put, @block-1.weight) : tensor<Nx4xf32>
          return %block-1
        }
      }

      """)
  }

  @Test func commentsAndWhitespaceAreSkipped() throws {
    let text = """
      // a comment before the module
      module @m   attributes{seed=1}{  // trailing
        param @w:tensor<4x4xf32>{role="weight"}
        func @f( %x : tensor<Nx4xf32> )->( tensor<Nx4xf32> ){
          %y=dense(%x,@w):tensor<Nx4xf32>// no space
          return %y
        }
      }
      """
    let m = try parseModule(text)
    #expect(m.attributes == ["seed": .int(1)])
    #expect(m.functions[0].body[0].operands == [.value("x"), .param("w")])
    #expect(printModule(m).hasPrefix("module @m attributes {seed = 1} {\n  param @w : tensor<4x4xf32> {role = \"weight\"}\n\n  func @f("))
  }

  @Test func printedAndDescriptionEqualPrintModule() {
    let m = Fixture.module(Fixture.digitsMLP)
    #expect(m.printed == printModule(m))
    #expect(m.description == printModule(m))
  }

  // MARK: Floats

  @Test(arguments: [
    (1.0, "1.0"), (0.001, "0.001"), (1e-05, "1e-05"), (0.1, "0.1"), (-2.0, "-2.0"), (0.0, "0.0"), (-0.0, "-0.0"),
    (1e16, "1e+16"), (123456.0, "123456.0"), (0.30000000000000004, "0.30000000000000004"),
    (Double.leastNonzeroMagnitude, "5e-324"), (Double.greatestFiniteMagnitude, "1.7976931348623157e+308"),
    (Double.infinity, "inf"), (-Double.infinity, "-inf"),
  ])
  func floatFormatting(value: Double, text: String) throws {
    #expect(IRFormat.float(value) == text)
    let back = try parseModule("module @m attributes {x = \(text)} {\n}\n")
    #expect(back.attributes["x"] == .float(value))
    #expect(back.attributes["x"]?.floatValue?.sign == value.sign)
  }

  @Test func integersAndFloatsStayApart() throws {
    let m = try parseModule("module @m attributes {a = 1, b = 1.0, c = 1e3, d = -7, e = 2E-2} {\n}")
    #expect(m.attributes == ["a": .int(1), "b": .float(1), "c": .float(1000), "d": .int(-7), "e": .float(0.02)])
  }

  // MARK: Errors

  /// The error of parsing `text`, or nil if it parsed.
  private func error(_ text: String) -> IRParseError? {
    do {
      _ = try parseModule(text)
      return nil
    } catch {
      return error
    }
  }

  @Test func errorsCarryLineAndColumn() throws {
    let e = try #require(error("module @m {\n  param @w : tensor<3xq32>\n}\n"))
    #expect((e.line, e.column) == (2, 21))
    #expect(e.message == "bad element type in 'tensor<3xq32>'")
    #expect(e.description == "2:21: bad element type in 'tensor<3xq32>'")
  }

  @Test(arguments: [
    ("", 1, 1, "expected 'module'"),
    ("module m {}", 1, 8, "expected '@name'"),
    ("module @m {\n  bogus\n}", 2, 3, "expected 'param', 'func' or '}'"),
    ("module @m {\n}\nextra", 3, 1, "unexpected text after the module"),
    ("module @m attributes {a = 1, a = 2} {}", 1, 30, "duplicate attribute 'a'"),
    ("module @m attributes {a = 0x10} {}", 1, 27, "bad value '0x10'"),
    ("module @m attributes {a = 1.} {}", 1, 27, "bad value '1.'"),
    ("module @m attributes {a = 99999999999999999999} {}", 1, 27, "integer '99999999999999999999' is out of range"),
    ("module @m attributes {a = \"open} {}", 1, 36, "unterminated string"),
    ("module @m attributes {a = \"\\u{110000}\"} {}", 1, 28, "bad \\u escape"),
    ("module @m attributes {a = \"\\u{41", 1, 28, "bad \\u escape"),
    ("module @m {\n  param @w : tensor<Nx-1xf32>\n}", 2, 21, "bad dimension '-1' in 'tensor<Nx-1xf32>'"),
    ("module @m {\n  param @w : tensor<99999999x99999999xf32>\n}", 2, 21, "tensor<99999999x99999999xf32> has too many elements"),
    ("module @m {\n  func @f() -> () {\n    %a, %b = op() : tensor<f32>\n    return\n  }\n}", 3, 21, "2 results but 1 types"),
    ("module @m {\n  func @f() -> () {\n    %a = op(x) : tensor<f32>\n  }\n}", 3, 13, "expected '%name'"),
    ("module @m {\n  func @f() -> () {\n", 3, 1, "expected '%name'"),
    ("module @m {\n  param @w : tensor<f32> loc(\"f\":x:1)\n}", 2, 34, "bad line number"),
  ])
  func badInputGivesPositionedErrors(text: String, line: Int, column: Int, message: String) throws {
    let e = try #require(error(text))
    #expect(e == IRParseError(line: line, column: column, message: message))
  }

  @Test func deepNestingIsRejectedNotACrash() throws {
    let lists = "module @m attributes {a = " + String(repeating: "[", count: 100_000) + "} {}"
    #expect(error(lists)?.message == "attributes nest too deeply")
    let dicts = "module @m attributes " + String(repeating: "{a = ", count: 100_000) + "1" + String(repeating: "}", count: 100_000) + " {}"
    #expect(error(dicts)?.message == "attributes nest too deeply")
    let fine = "module @m attributes {a = " + String(repeating: "[", count: 60) + String(repeating: "]", count: 60) + "} {\n}\n"
    #expect(error(fine) == nil)
  }

  @Test func randomBytesNeverCrash() {
    var rng = SplitMix64(seed: 0x5EED)
    for _ in 0..<2000 {
      let count = Int(rng.next() % 200)
      let bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
      // Parsing garbage must return or throw; reaching the next iteration is the test.
      _ = try? parseModule(String(decoding: bytes, as: UTF8.self))
    }
  }

  @Test func mutatedModulesNeverCrash() {
    var rng = SplitMix64(seed: 42)
    let source = Array(Fixture.everyOp.utf8)
    let alphabet = Array("%@{}[]()<>=,:\"\\x.-0123456789N /\n".utf8)
    var parsed = 0
    for _ in 0..<1000 {
      var bytes = source
      for _ in 0..<(1 + Int(rng.next() % 4)) {
        let at = Int(rng.next() % UInt64(bytes.count))
        switch rng.next() % 3 {
        case 0: bytes.remove(at: at)
        case 1: bytes.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: at)
        default: bytes[at] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
        }
      }
      if let m = try? parseModule(String(decoding: bytes, as: UTF8.self)) {
        parsed += 1
        // Whatever parses must print stably and never crash the verifier.
        let text = printModule(m)
        #expect((try? parseModule(text)).map(printModule) == text)
        _ = verify(m)
        _ = m.flopsPerSample(function: "images")
      }
    }
    #expect(parsed > 0)
  }
}
