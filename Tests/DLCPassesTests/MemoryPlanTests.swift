import DLCIR
import Foundation
import Testing
import _DLCTestSupport

@testable import DLCPasses

/// The static memory plan: live values never share bytes, dead ones do.
@Suite struct MemoryPlanTests {
  /// A chain x → a → b → c → d of 1 KiB values (batch 1, 256 floats each).
  static let chain = try! parseModule("""
    module @chain {
      func @f(%x: tensor<Nx256xf32>) -> (tensor<Nx256xf32>) {
        %a = relu(%x) : tensor<Nx256xf32>
        %b = relu(%a) : tensor<Nx256xf32>
        %c = relu(%b) : tensor<Nx256xf32>
        %d = relu(%c) : tensor<Nx256xf32>
        return %d
      }
    }
    """)

  @Test func aChainReusesDeadBuffers() {
    let plan = MemoryPlan(function: Self.chain.functions[0], batch: 1)
    // x lives throughout; at any op one input and one output are live: 3 KiB at most.
    #expect(plan.unplannedBytes == 5 * 1024)
    #expect(plan.arenaBytes == 3 * 1024)
    // b is placed after a is born and x still lives; c takes a's bytes once a is dead.
    #expect(plan.offsets["c"] == plan.offsets["a"])
  }

  @Test func scratchIsPlannedAndReleased() {
    let plan = MemoryPlan(function: Self.chain.functions[0], batch: 2) { op, _ in op.results[0].name == "b" ? 4096 : 0 }
    #expect(plan.scratchOffsets[1] != nil)
    #expect(plan.scratchOffsets[0] == nil)
    #expect(plan.arenaBytes >= 3 * 2048 + 4096 - 2048)
  }

  @Test func absurdSizesSaturateInsteadOfTrapping() {
    // 2^40 floats per sample at a batch of 2^40: 2^82 bytes. The sizes, the arena and the
    // scratch saturate at Int.max (which no memory budget accepts) instead of overflowing.
    let big = try! parseModule("""
      module @big {
        func @f(%x: tensor<Nx1099511627776xf32>) -> (tensor<Nx1099511627776xf32>) {
          %a = relu(%x) : tensor<Nx1099511627776xf32>
          %b = relu(%a) : tensor<Nx1099511627776xf32>
          return %b
        }
      }
      """)
    let plan = MemoryPlan(function: big.functions[0], batch: 1 << 40) { _, _ in Int.max }
    #expect(plan.sizes["x"] == Int.max)
    #expect(plan.arenaBytes == Int.max)
    #expect(plan.unplannedBytes == Int.max)
  }

  @Test func kernelScratchOfAnAbsurdConvolutionSaturates() throws {
    // A 1×1 convolution over 2^16 × 2^16 pixels with 2^16 filters: its column matrix
    // at batch 2^20 would hold 2^68 floats; even at batch 1 (2^48) the geometry is beyond
    // what `KernelScratch.countable` lets the kernels' formulas multiply.
    let conv = try parseModule("""
      module @conv {
        param @w : tensor<65536x1x1x1xf32>
        func @f(%x: tensor<Nx1x65536x65536xf32>) -> (tensor<Nx65536x65536x65536xf32>) {
          %y = conv2d(%x, @w) {dilation = [1, 1], padding = [0, 0], stride = [1, 1]} : tensor<Nx65536x65536x65536xf32>
          return %y
        }
      }
      """)
    let op = conv.functions[0].body[0]
    let types: [String: TensorType] = ["x": conv.functions[0].arguments[0].type, "w": conv.parameters[0].type]
    let typeOf: (Operand) -> TensorType = { o in
      switch o { case .value(let n), .param(let n): return types[n]! }
    }
    #expect(KernelScratch.bytes(op, batch: 1 << 20, typeOf: typeOf) == Int.max)
    #expect(KernelScratch.bytes(op, batch: 1, typeOf: typeOf) == Int.max)
  }

  @Test func sizesFollowTheBatchAndAlignment() {
    #expect(MemoryPlan.bytes(of: TensorType(perSample: [3]), batch: 5) == 64)
    #expect(MemoryPlan.bytes(of: TensorType(perSample: [10]), batch: 7) == 320)
    #expect(MemoryPlan.bytes(of: .scalarF32, batch: 100) == 64)
  }

  @Test func everyExampleHasATrainingIRToPlan() {
    #expect(Golden.files(in: "golden/specs", ending: ".train.ir").count >= 10)
  }

  /// Over every example's training step: values alive at the same time never overlap,
  /// results never overlap the operands of their op, and offsets are aligned.
  @Test(arguments: Golden.files(in: "golden/specs", ending: ".train.ir"))
  func liveValuesNeverOverlap(_ file: String) throws {
    let module = try parseModule(try #require(RepoRoot.read(file), "cannot read \(file)"))
    for function in module.functions {
      let plan = MemoryPlan(function: function, batch: 7)
      let lifetimes = Self.lifetimes(function)
      let names = Array(lifetimes.keys).sorted()
      for (i, a) in names.enumerated() {
        #expect(plan.offsets[a]! % MemoryPlan.alignment == 0)
        for b in names[(i + 1)...] {
          let (la, lb) = (lifetimes[a]!, lifetimes[b]!)
          guard la.lowerBound <= lb.upperBound, lb.lowerBound <= la.upperBound else { continue }
          let ra = plan.offsets[a]!..<(plan.offsets[a]! + plan.sizes[a]!)
          let rb = plan.offsets[b]!..<(plan.offsets[b]! + plan.sizes[b]!)
          #expect(!ra.overlaps(rb), "\(file) @\(function.name): %\(a) and %\(b) are live together and share bytes")
        }
      }
      #expect(plan.arenaBytes <= plan.unplannedBytes)
    }
  }

  /// Op-index lifetimes: arguments from −1, results from their op, to the last use
  /// (the end for returned values and arguments).
  static func lifetimes(_ f: Function) -> [String: ClosedRange<Int>] {
    let end = f.body.count
    var born: [String: Int] = [:], last: [String: Int] = [:]
    for a in f.arguments { (born[a.name], last[a.name]) = (-1, end) }
    for (i, op) in f.body.enumerated() {
      for case .value(let n) in op.operands { last[n] = max(last[n] ?? i, i) }
      for r in op.results { born[r.name] = i }
    }
    for r in f.returns { last[r] = end }
    return born.mapValues { $0 }.reduce(into: [:]) { out, kv in out[kv.key] = kv.value...max(last[kv.key] ?? kv.value, kv.value) }
  }
}
