import DLCIR

/// A static memory plan: every SSA value of a function gets a byte offset in one arena,
/// and values whose lifetimes do not overlap share bytes.
///
/// In: a function, a batch size, and the scratch bytes each op needs while it runs.
/// Out: offsets, the arena size (the planned peak), and per-value sizes. The
/// interpreter allocates one arena per (function, batch size) from it; the code
/// generator emits the offsets as constants.
///
/// Lifetimes are op indices: a value is born at its defining op (arguments before the
/// first op) and dies after its last use; returned values and arguments live to the
/// end. Results are placed before the operands that die at the same op are freed, so a
/// kernel never writes over its own inputs. Placement is first fit over a free list
/// sorted by offset, with neighbours merged on release (a classic allocator; the order
/// is deterministic, so the plan is too).
public struct MemoryPlan: Sendable, Hashable {
  /// Byte offset of each value in the arena.
  public private(set) var offsets: [String: Int] = [:]
  /// Byte size of each value.
  public private(set) var sizes: [String: Int] = [:]
  /// Byte offset of each op's scratch space, by op index (ops that need none are absent).
  public private(set) var scratchOffsets: [Int: Int] = [:]
  /// The arena size: the peak of live bytes under this placement.
  public private(set) var arenaBytes = 0
  /// The sum of all value and scratch sizes: what the function would need without reuse.
  public private(set) var unplannedBytes = 0

  /// Every buffer starts on a cache line, so vector loads are aligned.
  public static let alignment = 64

  /// Plans `function` at batch size `batch`; `scratchBytes` gives an op's temporary
  /// bytes (0 for most ops).
  public init(function: Function, batch: Int, scratchBytes: (Operation, Int) -> Int = { _, _ in 0 }) {
    let end = function.body.count
    var lastUse: [String: Int] = [:]
    for (i, op) in function.body.enumerated() {
      for case .value(let name) in op.operands { lastUse[name] = i }
    }
    for name in function.returns { lastUse[name] = end }
    var free = FreeList()

    func place(_ name: String, _ type: TensorType) {
      let bytes = Self.bytes(of: type, batch: batch)
      offsets[name] = free.allocate(bytes)
      sizes[name] = bytes
      unplannedBytes = saturatingAdd(unplannedBytes, bytes)
    }
    func release(_ name: String) {
      guard let offset = offsets[name], let size = sizes[name] else { return }
      free.release(offset, size)
    }
    for argument in function.arguments {
      place(argument.name, argument.type)
      lastUse[argument.name] = end
    }
    for (i, op) in function.body.enumerated() {
      for result in op.results { place(result.name, result.type) }
      let scratch = Self.aligned(scratchBytes(op, batch))
      if scratch > 0 {
        let offset = free.allocate(scratch)
        scratchOffsets[i] = offset
        unplannedBytes = saturatingAdd(unplannedBytes, scratch)
        free.release(offset, scratch)
      }
      // Results nobody reads die right away; operands die after their last use.
      for result in op.results where lastUse[result.name] == nil { release(result.name) }
      for case .value(let name) in Set(op.operands) where lastUse[name] == i { release(name) }
    }
    arenaBytes = free.high
  }

  /// Bytes of a tensor of `type` at batch size `batch`, rounded up to the alignment.
  /// Sizes saturate at `Int.max` instead of trapping, so a plan of an absurd model
  /// reports a size no machine has (and `MemoryBudget` refuses it) rather than crashing.
  public static func bytes(of type: TensorType, batch: Int) -> Int {
    aligned(saturatingMultiply(type.elementCount(batch: batch), type.element.byteSize))
  }

  /// `bytes` rounded up to the alignment; saturates near `Int.max`.
  static func aligned(_ bytes: Int) -> Int {
    let (sum, overflow) = bytes.addingReportingOverflow(alignment - 1)
    return overflow ? Int.max : sum / alignment * alignment
  }
}

/// First-fit free list over a growing arena.
private struct FreeList {
  /// Free holes below `high`, sorted by offset, never adjacent.
  var holes: [(offset: Int, size: Int)] = []
  /// The arena's current size.
  var high = 0

  mutating func allocate(_ requested: Int) -> Int {
    let size = MemoryPlan.aligned(max(requested, 1))
    if let i = holes.firstIndex(where: { $0.size >= size }) {
      let offset = holes[i].offset
      if holes[i].size == size { holes.remove(at: i) } else { holes[i] = (saturatingAdd(offset, size), holes[i].size - size) }
      return offset
    }
    // Grow; a hole at the top is extended instead of left behind.
    if let last = holes.last, saturatingAdd(last.offset, last.size) == high {
      holes.removeLast()
      high = saturatingAdd(last.offset, size)
      return last.offset
    }
    defer { high = saturatingAdd(high, size) }
    return high
  }

  mutating func release(_ offset: Int, _ size: Int) {
    let size = MemoryPlan.aligned(max(size, 1))
    let i = holes.firstIndex { $0.offset > offset } ?? holes.count
    holes.insert((offset, size), at: i)
    // Merge with the next, then with the previous hole.
    if i + 1 < holes.count, saturatingAdd(holes[i].offset, holes[i].size) == holes[i + 1].offset {
      holes[i].size = saturatingAdd(holes[i].size, holes[i + 1].size)
      holes.remove(at: i + 1)
    }
    if i > 0, saturatingAdd(holes[i - 1].offset, holes[i - 1].size) == holes[i].offset {
      holes[i - 1].size = saturatingAdd(holes[i - 1].size, holes[i].size)
      holes.remove(at: i)
    }
  }
}
