import DLCIR
import DLCKernels
import DLCPasses

/// One IR function, compiled for one batch size into a list of kernel calls over one
/// arena laid out by a static `MemoryPlan`.
///
/// In: a module, the name of a function (`predict`, `loss`, `train_step`), a batch
/// size and the parameter store. Out: `run()`, with the arguments written to
/// `argument(i)` before and the results read from `result(i)` after. Every address is
/// resolved when the program is built, so running it is a loop over closures that call
/// kernels: no lookups, no allocation.
public final class Program {
  /// The function this program runs.
  public let function: Function
  /// The batch size its shapes were resolved with.
  public let batch: Int
  /// Where each value lives in the arena.
  public let plan: MemoryPlan
  private let arena: UnsafeMutableRawPointer
  private var steps: [() -> Void] = []
  private let resultCounts: [Int]

  /// Options that are not in the IR: the module seed and resolved attributes.
  public struct Options {
    /// The seed of every random stream (the module's `seed` attribute by default).
    public var seed: UInt64
    /// Class weights for `cross_entropy {class_weights = "balanced"}`, from the training split.
    public var balancedClassWeights: [Float]?
    public init(seed: UInt64, balancedClassWeights: [Float]? = nil) {
      self.seed = seed
      self.balancedClassWeights = balancedClassWeights
    }
  }

  /// Compiles `functionName` of `module` at batch size `batch`.
  public init(module: Module, function functionName: String, batch: Int, parameters: ParameterStore, options: Options) throws(RuntimeError) {
    guard let function = module.function(named: functionName) else {
      throw RuntimeError("the module has no function '@\(functionName)'")
    }
    self.function = function
    self.batch = batch
    let typeOf = Lowering.typeLookup(module: module, function: function)
    plan = MemoryPlan(function: function, batch: batch) { op, n in KernelScratch.bytes(op, batch: n, typeOf: typeOf) }
    arena = UnsafeMutableRawPointer.allocate(byteCount: max(plan.arenaBytes, MemoryPlan.alignment), alignment: MemoryPlan.alignment)
    arena.initializeMemory(as: UInt8.self, repeating: 0, count: max(plan.arenaBytes, MemoryPlan.alignment))
    let types = module.valueTypes(in: function)
    resultCounts = function.returns.map { types[$0]!.elementCount(batch: batch) }
    var context = Lowering(
      module: module, function: function, batch: batch, arena: arena, plan: plan, parameters: parameters, options: options)
    for (i, op) in function.body.enumerated() {
      context.opIndex = i
      steps.append(try context.lower(op))
    }
  }

  deinit { arena.deallocate() }

  /// Runs every op once, in order.
  @inline(__always)
  public func run() {
    for step in steps { step() }
  }

  /// The buffer of argument `i` (write the inputs here before `run`).
  public func argument(_ i: Int) -> UnsafeMutableRawPointer { arena + plan.offsets[function.arguments[i].name]! }

  /// The buffer of result `i` (read it after `run`).
  public func result(_ i: Int) -> UnsafeMutableRawPointer { arena + plan.offsets[function.returns[i]]! }

  /// The element count of result `i` at this batch size.
  public func resultCount(_ i: Int) -> Int { resultCounts[i] }

  /// The buffer of argument `i` as Float32.
  public func floatArgument(_ i: Int) -> UnsafeMutablePointer<Float> { argument(i).assumingMemoryBound(to: Float.self) }

  /// The buffer of result `i` as Float32.
  public func floatResult(_ i: Int) -> UnsafeMutablePointer<Float> { result(i).assumingMemoryBound(to: Float.self) }
}

/// The memory plans the interpreter would use, for reports (`dlc check`).
public enum MemoryReport {
  /// The static plan of `function` at `batch`, kernel scratch included; nil when the
  /// module has no such function.
  public static func plan(module: Module, function name: String, batch: Int) -> MemoryPlan? {
    guard let function = module.function(named: name) else { return nil }
    // The types are looked up only if an op takes scratch (most models have none).
    var typeOf: ((Operand) -> TensorType)?
    return MemoryPlan(function: function, batch: batch) { op, n in
      guard KernelScratch.takesScratch(op.opcode) else { return 0 }
      let lookup = typeOf ?? Lowering.typeLookup(module: module, function: function)
      typeOf = lookup
      return KernelScratch.bytes(op, batch: n, typeOf: lookup)
    }
  }
}
