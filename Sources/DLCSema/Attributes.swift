/// Spec values as IR attributes: entry uses become `{kind = "adam", lr = 0.001, …}` with
/// every parameter spelled out (defaults included), so the IR says exactly what runs.
import DLCIR
import DLCSpec
import DLCSyntax

extension ArgValue {
  public var attribute: Attribute {
    switch self {
    case .int(let i): return .int(i)
    case .float(let f): return .float(f)
    case .bool(let b): return .bool(b)
    case .string(let s): return .string(s)
    case .list(let items): return .list(items.map(\.attribute))
    case .entry(let e): return e.attribute
    }
  }
}

extension EntryUse {
  /// `{kind = name, param = value, …}` with defaults filled in; absent optionals left out.
  public var attribute: Attribute {
    var d: [String: Attribute] = ["kind": .string(name)]
    for p in entry.params { if let v = value(p.name) { d[p.name] = v.attribute } }
    return .dict(d)
  }
}

extension SectionValues {
  /// The section's keys as a dict, defaults filled in.
  func attribute(skipping: Set<String> = []) -> Attribute {
    var d: [String: Attribute] = [:]
    for k in section.keys where !skipping.contains(k.name) { if let v = value(k.name) { d[k.name] = v.attribute } }
    return .dict(d)
  }
}

extension SourceRange {
  var irLocation: IRLocation { IRLocation(file: file.path, line: start.line, column: start.column) }
}

extension TensorType {
  /// A batched activation type `[N, dims…]`.
  static func batched(_ dims: [Int], _ element: ElementType = .f32) -> TensorType {
    TensorType(dims: [.batch] + dims.map { .fixed($0) }, element: element)
  }

  /// A parameter type (no batch dimension).
  static func fixed(_ dims: [Int], _ element: ElementType = .f32) -> TensorType {
    TensorType(dims: dims.map { .fixed($0) }, element: element)
  }

  /// The per-sample dims of a batched type as text, `[64]`.
  var sampleText: String {
    let dims = self.dims.compactMap { if case .fixed(let n) = $0 { return n } else { return nil } }
    return "[" + dims.map(String.init).joined(separator: ", ") + "]"
  }

  /// Per-sample dims of a batched type.
  var sample: [Int] {
    dims.compactMap { if case .fixed(let n) = $0 { return n } else { return nil } }
  }
}
