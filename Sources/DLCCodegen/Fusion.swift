import DLCIR
import DLCPasses

/// Which ops of a function run as one loop, and where every value lives.
///
/// Fusion: an elementwise op whose result has exactly one use, by another elementwise op
/// over the same number of elements, is computed inside its user's loop instead of into a
/// buffer of its own. The ops that fuse are those whose schema has the `elementwise`
/// trait: every pointwise activation and its gradient (the rows of DLCIR's pointwise
/// table), dropout (`dropout_train`, `dropout_grad`, and `dropout`, `flatten`, `reshape`,
/// which have the `identity` trait too), and the merges `add` and `multiply`. So
/// activation → dropout, relu → add (a residual), add (gradient parts) → relu_grad,
/// dropout_grad → relu_grad become single loops.
///
/// Why the results are bit-identical to the interpreter's: element i of every one of
/// these ops depends only on element i of its operands; the fused loop computes element i
/// of each op of the chain with the very function the kernel's loop calls (`ReLU.forward`,
/// `Scalar.dropout`, …, or `a + b` / `a * b`, operands in the op's order), in Float32,
/// holding the intermediate in a Float instead of storing and reloading it, which does
/// not round. Dropout masks come from the same Philox block and lane as in
/// `DropoutKernel` (element i: lane i & 3 of block i >> 2). Nothing is reassociated, so
/// no tolerance is needed.
///
/// The memory plan is made over the fused program (a fused group is one op reading all
/// of its leaves), so a value read by a fused loop stays live until that loop runs.
struct FusedFunction {
  /// One unit of emitted code: an op's kernel call, or a fused loop.
  enum Step {
    case op(Operation)
    case fused(FusedGroup)
  }

  let steps: [Step]
  let plan: MemoryPlan
  /// Every value's type, intermediates of fused groups included.
  let types: [String: TensorType]

  /// Fuses `function` and plans it at batch size `batch`; `directArguments` are not
  /// placed in the arena (the learning rate and the step arrive as Swift arguments);
  /// `scratchBytes` gives a kernel's temporary bytes.
  init(_ function: Function, batch: Int, directArguments: Set<String>, scratchBytes: (Operation, Int) -> Int) {
    var types: [String: TensorType] = [:]
    for a in function.arguments { types[a.name] = a.type }
    for op in function.body { for r in op.results { types[r.name] = r.type } }
    self.types = types

    // Who defines and how often each value is read (a returned value counts as a read).
    var producer: [String: Int] = [:]
    var uses: [String: Int] = [:]
    for (i, op) in function.body.enumerated() {
      for r in op.results { producer[r.name] = i }
      for case .value(let name) in op.operands { uses[name, default: 0] += 1 }
    }
    for name in function.returns { uses[name, default: 0] += 1 }

    // An op is inlined into its only user when both are elementwise over the same count.
    var inlinedInto: [Int: Int] = [:]
    for (i, op) in function.body.enumerated() where Self.isElementwise(op) {
      let count = op.results[0].type.dims
      for case .value(let name) in op.operands {
        guard let p = producer[name], uses[name] == 1, Self.isElementwise(function.body[p]),
          types[name]?.element == .f32, Self.sameCount(types[name]!.dims, count)
        else { continue }
        inlinedInto[p] = i
      }
    }

    var steps: [Step] = []
    for (i, op) in function.body.enumerated() where inlinedInto[i] == nil {
      var members: [Int] = []
      func collect(_ j: Int) {
        for case .value(let name) in function.body[j].operands {
          if let p = producer[name], inlinedInto[p] == j { collect(p) }
        }
        members.append(j)
      }
      collect(i)
      if members.count == 1 {
        steps.append(.op(op))
      } else {
        steps.append(.fused(FusedGroup(ops: members.sorted().map { function.body[$0] }, direct: directArguments)))
      }
    }
    self.steps = steps

    // The program the planner sees: a fused group is one op from its leaves to its root.
    let body: [Operation] = steps.map { step in
      switch step {
      case .op(let op): return op
      case .fused(let group):
        return Operation(results: [group.root.results[0]], opcode: "fused", operands: group.leaves.map { .value($0) })
      }
    }
    let planned = Function(
      name: function.name, arguments: function.arguments.filter { !directArguments.contains($0.name) },
      results: function.results, body: body, returns: function.returns)
    plan = MemoryPlan(function: planned, batch: batch, scratchBytes: scratchBytes)
  }

  /// Whether element i of the op's f32 result depends only on element i of its operands
  /// (the schema's `elementwise` trait).
  static func isElementwise(_ op: Operation) -> Bool {
    OpRegistry.schema(op.opcode)?.traits.contains(.elementwise) == true && op.results.count == 1
      && op.results[0].type.element == .f32
  }

  /// Whether two shapes hold the same number of elements for every batch size.
  static func sameCount(_ a: [Dim], _ b: [Dim]) -> Bool {
    func split(_ d: [Dim]) -> (batched: Int, fixed: Int) {
      var (batched, fixed) = (0, 1)
      for x in d {
        if case .fixed(let k) = x { fixed *= k } else { batched += 1 }
      }
      return (batched, fixed)
    }
    return split(a) == split(b)
  }
}

/// Elementwise ops computed in one loop: the last op is the root (its result is stored),
/// the others are intermediates held in registers.
struct FusedGroup {
  /// The ops in program order; operands of each are leaves or earlier members.
  let ops: [Operation]
  /// Values read from buffers, in order of first use (the step is not one).
  let leaves: [String]

  var root: Operation { ops[ops.count - 1] }

  init(ops: [Operation], direct: Set<String>) {
    self.ops = ops
    let inside = Set(ops.flatMap { $0.results.map(\.name) })
    var leaves: [String] = []
    for op in ops {
      for case .value(let name) in op.operands where !inside.contains(name) && !direct.contains(name) {
        if !leaves.contains(name) { leaves.append(name) }
      }
    }
    self.leaves = leaves
  }

  /// The ops of the group that read a random stream (each needs its mask's Philox block).
  var randomOps: [Operation] { ops.filter { $0.attributes["stream"] != nil } }
}
