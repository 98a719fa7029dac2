/// The layer graph: names, references, cycles and the order to evaluate layers in.
import DLCSyntax
import DLCSpec

/// One layer with its resolved name and inputs.
struct LayerNode {
  var name: String
  /// Where the layer's name (or, if unnamed, its kind) is written.
  var nameRange: SourceRange
  var spec: LayerSpec
  /// Indices of input layers; `LayerGraph.modelInput` is the model input.
  var inputs: [Int] = []
  /// False when the layer or one of its references failed; its dependents are not checked.
  var resolved = true
  /// True for layers taken from a base spec (transfer learning).
  var fromBase = false
}

/// The model's layers as a DAG.
struct LayerGraph {
  static let modelInput = -1
  var nodes: [LayerNode]
  /// Evaluation order (inputs before users).
  var order: [Int] = []
  var indexByName: [String: Int] = [:]

  /// Names layers, resolves `from:` references, finds cycles and orders the graph.
  init(layers: [(spec: LayerSpec, fromBase: Bool)], diags: DiagnosticEngine) {
    nodes = []
    // Step 1: explicit names, then `<kind>_<n>` for the rest, skipping taken names.
    var firstUse: [String: SourceRange] = [:]
    for (spec, _) in layers {
      guard let n = spec.name else { continue }
      if n.value == "input" {
        diags.emit(Diagnostic(.reservedName(n.value), at: n.range).help("choose another name"))
      } else if let first = firstUse[n.value] {
        diags.emit(Diagnostic(.duplicateLayerName(n.value), at: n.range).note("first used here", at: first))
      } else {
        firstUse[n.value] = n.range
      }
    }
    var counters: [String: Int] = [:]
    for (spec, fromBase) in layers {
      var name = spec.name?.value ?? ""
      if spec.name == nil {
        let kind = spec.use?.name ?? "layer"
        repeat {
          counters[kind, default: 0] += 1
          name = "\(kind)_\(counters[kind]!)"
        } while firstUse[name] != nil
        firstUse[name] = spec.kindRange
      }
      nodes.append(LayerNode(name: name, nameRange: spec.name?.range ?? spec.kindRange, spec: spec,
                             resolved: spec.use != nil, fromBase: fromBase))
    }
    for (i, n) in nodes.enumerated() where indexByName[n.name] == nil { indexByName[n.name] = i }
    // Step 2: inputs.
    for i in nodes.indices {
      guard let refs = nodes[i].spec.from else {
        nodes[i].inputs = [i == 0 ? Self.modelInput : i - 1]
        continue
      }
      for ref in refs {
        if ref.value == "input" {
          nodes[i].inputs.append(Self.modelInput)
        } else if let j = indexByName[ref.value] {
          nodes[i].inputs.append(j)
        } else {
          nodes[i].resolved = false
          let candidates = nodes.map(\.name) + ["input"]
          diags.emit(Diagnostic(.unknownLayerRef(ref.value), at: ref.range, label: "not a layer of this model")
            .help(Suggest.didYouMean(ref.value, in: candidates) ?? "layers so far: " + nodes.prefix(i).map(\.name).joined(separator: ", ")))
        }
      }
    }
    order = topologicalOrder(diags)
  }

  /// Kahn's algorithm, taking the lowest declared index first so the order is stable;
  /// layers left over lie on a cycle, reported once with its path.
  private mutating func topologicalOrder(_ diags: DiagnosticEngine) -> [Int] {
    var indegree = nodes.map { $0.inputs.filter { $0 != Self.modelInput }.count }
    var users = [[Int]](repeating: [], count: nodes.count)
    for (i, n) in nodes.enumerated() { for j in n.inputs where j != Self.modelInput { users[j].append(i) } }
    var ready = MinHeap(nodes.indices.filter { indegree[$0] == 0 })
    var order: [Int] = []
    while let i = ready.pop() {
      order.append(i)
      for u in users[i] {
        indegree[u] -= 1
        if indegree[u] == 0 { ready.push(u) }
      }
    }
    if order.count < nodes.count { reportCycle(indegree: indegree, diags) }
    return order
  }

  private mutating func reportCycle(indegree: [Int], _ diags: DiagnosticEngine) {
    // Walk backwards along inputs that are still blocked until a layer repeats.
    guard var at = indegree.firstIndex(where: { $0 > 0 }) else { return }
    var seen: [Int: Int] = [:]
    var path: [Int] = []
    while seen[at] == nil {
      seen[at] = path.count
      path.append(at)
      guard let next = nodes[at].inputs.first(where: { $0 != Self.modelInput && indegree[$0] > 0 }) else { break }
      at = next
    }
    // `path` follows inputs backwards; reverse it to data-flow order and start the loop
    // at its earliest declared layer so the message reads the way the spec does.
    var loop = Array(Array(path[(seen[at] ?? 0)...]).reversed())
    let first = loop.indices.min { loop[$0] < loop[$1] }!
    loop = Array(loop[first...] + loop[..<first])
    let names = loop.map { nodes[$0].name } + [nodes[loop[0]].name]
    // Point at the reference that closes the loop: the first layer's input from the last.
    let closing = nodes[loop[0]].spec.from?.first { indexByName[$0.value] == loop.last! }
    let refRange = closing?.range ?? nodes[loop[0]].nameRange
    diags.emit(Diagnostic(.cycle(names.joined(separator: " → ")), at: refRange)
      .help("a layer can only take inputs that do not depend on it"))
    for i in indegree.indices where indegree[i] > 0 { nodes[i].resolved = false }
  }

  /// Layers whose output does not reach the model output (the last layer).
  /// Empty when any layer failed to resolve: its intended inputs are unknown, and
  /// warning about them would only repeat the error.
  func unused() -> [Int] {
    guard !nodes.isEmpty, nodes.allSatisfy(\.resolved) else { return [] }
    var live = Set([nodes.count - 1])
    for i in order.reversed() where live.contains(i) {
      for j in nodes[i].inputs where j != Self.modelInput { live.insert(j) }
    }
    return nodes.indices.filter { !live.contains($0) }
  }
}

/// A small binary min-heap of indices.
struct MinHeap {
  private var items: [Int] = []

  init(_ values: [Int]) { for v in values { push(v) } }

  mutating func push(_ v: Int) {
    items.append(v)
    var i = items.count - 1
    while i > 0, items[(i - 1) / 2] > items[i] {
      items.swapAt(i, (i - 1) / 2)
      i = (i - 1) / 2
    }
  }

  mutating func pop() -> Int? {
    guard let top = items.first else { return nil }
    items.swapAt(0, items.count - 1)
    items.removeLast()
    var i = 0
    while true {
      let l = 2 * i + 1, r = l + 1
      var m = i
      if l < items.count, items[l] < items[m] { m = l }
      if r < items.count, items[r] < items[m] { m = r }
      if m == i { break }
      items.swapAt(i, m)
      i = m
    }
    return top
  }
}
