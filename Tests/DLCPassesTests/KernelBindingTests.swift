import DLCIR
import DLCKernels
import Testing
import _DLCTestSupport

@testable import DLCPasses

/// Kernel bindings: which opcodes they describe, the sizes and shapes they state, and the
/// scratch the memory plans take from them.
@Suite struct KernelBindingTests {
  /// The opcodes that still have a hand-written case in each backend: the optimizer updates.
  static let unboundFamilies: Set<String> = ["sgd_update", "adam_update", "apply_mask"]

  @Test func everyOtherOpcodeHasABinding() {
    // A new op gets a binding, not a case in Lowering and FunctionEmitter.
    let unbound = Set(OpRegistry.opcodes.filter { KernelBindings.binding(for: $0) == nil })
    #expect(unbound.subtracting(Self.unboundFamilies).isEmpty, "opcodes without a kernel binding: \(unbound.subtracting(Self.unboundFamilies).sorted())")
    #expect(Set(KernelBindings.all.keys).isSubset(of: Set(OpRegistry.opcodes)), "a binding for an opcode the registry does not know")
  }

  /// The op `body` defines in a one-op module, with its operand types.
  static func view(_ params: String, _ arguments: String, _ body: String, result: String) throws -> OpView {
    let module = try parseModule("""
      module @m {
      \(params)
        func @f(\(arguments)) -> (\(result)) {
          \(body)
          return %y
        }
      }
      """)
    let function = module.functions[0]
    var types = Dictionary(uniqueKeysWithValues: function.arguments.map { ($0.name, $0.type) })
    for p in module.parameters { types[p.name] = p.type }
    return OpView(op: function.body[0]) { operand in
      switch operand { case .value(let n), .param(let n): return types[n]! }
    }
  }

  @Test func denseSizesStaySymbolicInTheBatch() throws {
    let v = try Self.view(
      "param @w : tensor<3x4xf32>", "%x: tensor<Nx5x4xf32>", "%y = dense(%x, @w) : tensor<Nx5x3xf32>", result: "tensor<Nx5x3xf32>")
    let calls = KernelBindings.binding(for: "dense")!.calls(v)
    #expect(calls.map(\.function) == ["DenseKernel.forward"])
    let arguments = calls[0].arguments
    #expect(arguments.map(\.label) == ["x", "weight", "bias", "y", "rows", "inFeatures", "outFeatures"])
    // Rows of a sequence input: every leading dim, the batch included.
    guard case .size(let rows) = arguments[4].value else { Issue.record("rows is not a size"); return }
    #expect(rows == Extent(factor: 5, batched: true))
    #expect(rows.value(batch: 7) == 35)
    // No bias operand: the kernel gets nil.
    guard case .optionalOperand(2) = arguments[2].value else { Issue.record("bias is not optional operand 2"); return }
    #expect(!v.has(2))
  }

  @Test func convolutionScratchComesFromTheBindingsGeometry() throws {
    let v = try Self.view(
      "param @w : tensor<8x3x3x3xf32>", "%x: tensor<Nx3x10x12xf32>",
      "%y = conv2d(%x, @w) {dilation = [1, 2], padding = [1, 0], stride = [2, 1]} : tensor<Nx8x5x8xf32>",
      result: "tensor<Nx8x5x8xf32>")
    // The shape written out by hand from the op's types and attributes.
    let expected = Conv2DShape(
      batch: 6, inChannels: 3, height: 10, width: 12, outChannels: 8, kernelH: 3, kernelW: 3, strideH: 2, strideW: 1, padH: 1,
      padW: 0, dilationH: 1, dilationW: 2)
    #expect(Conv2DShape(KernelGeometry.conv2D(v).resolved(batch: 6)) == expected)
    let typeOf: (Operand) -> TensorType = { v.type($0 == v.op.operands[0] ? 0 : 1) }
    #expect(KernelScratch.bytes(v.op, batch: 6, typeOf: typeOf) == Conv2DKernel.workspaceCount(expected) * 4)
    #expect(KernelScratch.takesScratch("conv2d") && !KernelScratch.takesScratch("dense"))
  }

  @Test func addTakesOneCallPerFurtherOperand() throws {
    let v = try Self.view(
      "", "%a: tensor<Nx4xf32>, %b: tensor<Nx4xf32>, %c: tensor<Nx4xf32>", "%y = add(%a, %b, %c) : tensor<Nx4xf32>",
      result: "tensor<Nx4xf32>")
    let calls = KernelBindings.binding(for: "add")!.calls(v)
    #expect(calls.map(\.function) == ["ElementwiseKernel.add", "ElementwiseKernel.accumulate"])
  }

  @Test func extentsSplitAroundAPerSampleAxis() {
    let shape: [Extent] = [.batch, .fixed(3), .fixed(4), .fixed(5)]
    let (outer, size, inner) = Extent.split(shape, perSampleAxis: 1)
    #expect(outer == Extent(factor: 3, batched: true) && size == .fixed(4) && inner == .fixed(5))
    let last = Extent.split(shape, perSampleAxis: -1)
    #expect(last.outer == Extent(factor: 12, batched: true) && last.size == .fixed(5) && last.inner == .fixed(1))
    #expect(Extent.product(shape).value(batch: 2) == 120)
  }

  @Test func argumentsAreReadByLabelAndType() {
    var value: Float = 1.5
    withUnsafeMutablePointer(to: &value) { p in
      let arguments = KernelArguments(
        function: "K.f", labels: ["x", "n", "flag", "none"], values: [.pointer(p, .f32), .int(3), .bool(true), .pointer(nil, .f32)])
      #expect(arguments.f32("x").pointee == 1.5)
      #expect(arguments.int("n") == 3 && arguments.bool("flag"))
      // An absent optional operand reads as nil, and as an empty array where one is expected.
      #expect(arguments.optionalF32("none") == nil && arguments.floats("none").isEmpty)
    }
  }
}
