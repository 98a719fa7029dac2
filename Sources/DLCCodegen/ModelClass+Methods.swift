import DLCIR

/// The initializer and the `TrainingBackend` methods of an emitted class.
extension ModelClass {
  func initializer(_ t: inout SwiftText) {
    if training != nil {
      t.line("/// Zeroed parameters and arenas; the training loop initializes or loads the parameters.")
      t.block("public init(seed: UInt64) {") { t in
        t.line("self.seed = seed")
        initializerBody(&t)
      }
    } else {
      t.line("/// Zeroed parameters and arenas for the checkpoint whose IR is `checkpointIR`; the parameters")
      t.line("/// are loaded from it afterwards. The seed is unused: inference draws no random numbers.")
      t.block("public init(seed: UInt64, checkpointIR: String) throws {") { t in
        if !context.activationRanges.isEmpty {
          t.line("let ir = CheckpointIR(checkpointIR)")
          for r in context.activationRanges {
            t.line("\(r.name) = try ir.affine(\(SwiftName.string(r.result)), opcode: \(SwiftName.string(r.opcode)), "
              + "\(SwiftName.string(r.scale)), \(SwiftName.string(r.zeroPoint)))")
          }
        }
        initializerBody(&t)
      }
    }
    t.line()
    t.block("deinit {") { t in
      t.line("params.base.deallocate()")
      if training != nil { t.line("trainArena.deallocate()") }
      t.line("inferenceArena.deallocate()")
      if prefix != nil { t.line("precomputeArena.deallocate()") }
    }
    t.line()
    t.line("/// A zeroed arena of `bytes` bytes, every buffer in it on a 64-byte boundary.")
    t.block("private static func arena(bytes: Int) -> UnsafeMutableRawPointer {") { t in
      t.line("let arena = UnsafeMutableRawPointer.allocate(byteCount: max(bytes, 64), alignment: 64)")
      t.line("arena.initializeMemory(as: UInt8.self, repeating: 0, count: max(bytes, 64))")
      t.line("return arena")
    }
    t.line()
    t.line("/// Batches hold 1…batchSize samples.")
    t.block("private func check(_ n: Int) throws {") { t in
      t.block("guard n >= 1, n <= Self.batchSize else {") { t in
        t.line("throw TrainingError(\"a batch of \\(n) samples: the model takes 1…\\(Self.batchSize)\")")
      }
    }
  }

  /// The parameter block, the arenas, packed weights and the parameter slots.
  private func initializerBody(_ t: inout SwiftText) {
    t.line("let block = Self.arena(bytes: Self.parameterBytes)")
    if context.preparedWeights.isEmpty {
      t.line("params = Parameters(base: block)")
    } else {
      t.line("let p = Parameters(base: block)")
      t.line("params = p")
    }
    if training != nil { t.line("trainArena = Self.arena(bytes: Self.trainArenaBytes)") }
    t.line("inferenceArena = Self.arena(bytes: Self.inferenceArenaBytes)")
    if prefix != nil { t.line("precomputeArena = Self.arena(bytes: Self.precomputeArenaBytes)") }
    for w in context.preparedWeights {
      t.line("\(w.name) = Quantized.PreparedWeights(\(context.parameter(w.parameter)), rows: \(w.rows), columns: \(w.columns))")
    }
    // One local per distinct initializer, named after its kind.
    var initializers: [String: String] = [:]
    for (p, _) in layout {
      let literal = Self.initializer(p.attributes["init"])
      guard initializers[literal] == nil else { continue }
      let kind = SwiftName.typeName(p.attributes["init"]?["kind"]?.stringValue ?? "zeros")
      var name = kind.prefix(1).lowercased() + kind.dropFirst(), k = 2
      let base = name
      while initializers.values.contains(name) {
        name = base + "\(k)"
        k += 1
      }
      initializers[literal] = name
      t.call("Initializer", Self.initializerArguments(p.attributes["init"]), prefix: "let \(name) = ")
    }
    t.line("parameters = [")
    t.depth += 1
    for (p, offset) in layout {
      let shape = "[" + (p.type.fixedShape ?? []).map(String.init).joined(separator: ", ") + "]"
      t.call("ParameterSlot", [
        "name: \(SwiftName.string(p.name))", "shape: \(shape)", "pointer: block.f32(\(SwiftName.int(offset)))",
        "initializer: \(initializers[Self.initializer(p.attributes["init"])]!)",
        "layer: \(SwiftName.string(p.attributes["layer"]?.stringValue ?? ""))",
        "isOptimizerState: \(p.attributes["state"]?.stringValue == "optimizer")",
        "dtype: .\(Self.dtype(p.type.element))",
      ], suffix: ",")
    }
    t.depth -= 1
    t.line("]")
  }

  /// The checkpoint type (`DType`) of an IR element type, as `DType(ElementType)` maps it.
  static func dtype(_ element: ElementType) -> String {
    switch element {
    case .f32: return "F32"
    case .f16: return "F16"
    case .i32: return "I32"
    case .i64: return "I64"
    case .i8: return "I8"
    case .u8: return "U8"
    case .bool: return "BOOL"
    }
  }

  /// `Initializer(kind:numbers:strings:)` as `Initializer(attribute:)` reads the `init` attribute.
  static func initializer(_ attribute: Attribute?) -> String {
    "Initializer(" + initializerArguments(attribute).joined(separator: ", ") + ")"
  }

  /// The arguments of `initializer(_:)`.
  static func initializerArguments(_ attribute: Attribute?) -> [String] {
    var numbers: [String] = [], strings: [String] = []
    for (key, value) in (attribute?.dictValue ?? [:]).sorted(by: { $0.key < $1.key }) where key != "kind" {
      if let v = value.floatValue {
        numbers.append("\(SwiftName.string(key)): \(v)")
      } else if let v = value.stringValue {
        strings.append("\(SwiftName.string(key)): \(SwiftName.string(v))")
      }
    }
    var out = ["kind: \(SwiftName.string(attribute?["kind"]?.stringValue ?? "zeros"))"]
    if !numbers.isEmpty { out.append("numbers: [\(numbers.joined(separator: ", "))]") }
    if !strings.isEmpty { out.append("strings: [\(strings.joined(separator: ", "))]") }
    return out
  }

  func methods(_ t: inout SwiftText) {
    let inference = inferencePlan.plan
    if let training {
      let plan = training.plan.plan
      let (x, target) = (training.arguments[0], training.arguments[1])
      t.block("public func trainBuffers(batch n: Int) throws -> (x: UnsafeMutablePointer<Float>, target: UnsafeMutableRawPointer) {") { t in
        t.line("try check(n)")
        t.line("return (trainArena.f32(\(SwiftName.int(plan.offsets[x]!))), trainArena + \(SwiftName.int(plan.offsets[target]!)))")
      }
      t.line()
      t.line("/// One optimizer step: forward, loss, backward and updates, in the order of `@train_step`.")
      t.block("public func trainStep(batch n: Int, lr: Float, step: Int64) throws -> (loss: Float, output: UnsafePointer<Float>) {") { t in
        body(&t, training.body, arena: "trainArena")
        t.line("return (\(training.returns[0]), UnsafePointer(\(training.returns[1])))")
      }
    } else {
      let refusal = "throw TrainingError(\"the deployed model of '\(context.module.name)' is for inference; train with the trainer model\")"
      t.line("/// The deployed model does not train.")
      t.block("public func trainBuffers(batch n: Int) throws -> (x: UnsafeMutablePointer<Float>, target: UnsafeMutableRawPointer) {") { t in
        t.line(refusal)
      }
      t.line()
      t.line("/// The deployed model does not train.")
      t.block("public func trainStep(batch n: Int, lr: Float, step: Int64) throws -> (loss: Float, output: UnsafePointer<Float>) {") { t in
        t.line(refusal)
      }
    }
    t.line()
    t.block("public func predictBuffer(batch n: Int) throws -> UnsafeMutablePointer<Float> {") { t in
      t.line("try check(n)")
      t.line("return inferenceArena.f32(\(SwiftName.int(inference.offsets[inferenceArguments[0]]!)))")
    }
    t.line()
    t.line("/// The forward pass of `@predict`.")
    t.block("public func predict(batch n: Int) throws -> UnsafePointer<Float> {") { t in
      body(&t, predict.0, arena: "inferenceArena")
      t.line("return UnsafePointer(\(predict.1))")
    }
    t.line()
    t.block("public func lossTarget(batch n: Int) throws -> UnsafeMutableRawPointer {") { t in
      t.line("try check(n)")
      t.line("return inferenceArena + \(SwiftName.int(inference.offsets[inferenceArguments[1]]!))")
    }
    t.line()
    t.line("/// `@loss` of the last prediction, which is still in place in the arena.")
    t.block("public func loss(batch n: Int) throws -> Float {") { t in
      body(&t, loss.0, arena: "inferenceArena")
      t.line("return \(loss.1)")
    }
    if let prefix {
      t.line()
      t.block("public func precomputeBuffer(batch n: Int) throws -> UnsafeMutablePointer<Float> {") { t in
        t.line("try check(n)")
        t.line("return precomputeArena.f32(\(SwiftName.int(prefix.plan.plan.offsets[prefix.argument]!)))")
      }
      t.line()
      t.line("/// The forward pass of the frozen prefix, `@precompute`.")
      t.block("public func precompute(batch n: Int) throws -> UnsafePointer<Float> {") { t in
        body(&t, prefix.body, arena: "precomputeArena")
        t.line("return UnsafePointer(\(prefix.output))")
      }
    }
  }

  /// The check of `n`, the locals the body uses, then the body.
  private func body(_ t: inout SwiftText, _ body: SwiftText, arena: String) {
    t.line("try check(n)")
    let text = body.text
    let usesParameters = text.contains(": p.") || text.contains("(p.")
    t.line(usesParameters ? "let (arena, p) = (\(arena), params)" : "let arena = \(arena)")
    for line in body.lines { t.line(line.isEmpty ? "" : String(line.dropFirst(2 * t.depth))) }
  }
}
