/// Transfer learning: the prefix of a base spec's layers that starts this model.
import DLCSpec
import DLCSyntax

/// The layers taken from a base spec, with where its weights will come from.
struct BaseModel {
  var path: String
  var checkpoint: String
  var inputShape: [Int]
  var layers: [LayerSpec]
  var layerNames: [String]

  /// Loads and decodes the base spec and cuts its layers after `until`.
  /// Base specs may not themselves have a base (one level of transfer per spec).
  static func load(_ b: BaseSpec, specPath: String, diags: DiagnosticEngine) -> BaseModel? {
    let path = FileReader.resolve(b.spec.value, relativeTo: specPath)
    if path == specPath {
      return diags.fail(Diagnostic(.baseCycle(path), at: b.spec.range))
    }
    let inner = DiagnosticEngine()
    guard let (spec, _) = SpecLoader.load(path, diagnostics: inner), !inner.hasErrors,
          let model = spec.model, let input = model.input else {
      var d = Diagnostic(.baseHasErrors(path), at: b.spec.range)
      if let first = inner.diagnostics.first { d = d.note("first: \(first.range?.description ?? path): \(first.message.text)") }
      return diags.fail(d.help("run 'dlc check \(path)'"))
    }
    if model.base != nil {
      return diags.fail(Diagnostic(.baseCycle(path), at: b.spec.range)
        .note("'\(path)' has a base of its own; dlc takes one level of transfer"))
    }
    // The base's own names, as its checker would give them.
    let graph = LayerGraph(layers: model.layers.map { ($0, true) }, diags: DiagnosticEngine())
    guard let cut = graph.nodes.firstIndex(where: { $0.name == b.until.value }) else {
      let names = graph.nodes.map(\.name)
      return diags.fail(Diagnostic(.unknownLayerRef(b.until.value), at: b.until.range, label: "not a layer of the base model")
        .help(Suggest.didYouMean(b.until.value, in: names) ?? "base layers: " + names.joined(separator: ", ")))
    }
    var layers = Array(model.layers[...cut])
    // Unnamed base layers keep the names they had in the base, so checkpoint keys match.
    for i in layers.indices where layers[i].name == nil {
      layers[i].name = Located(graph.nodes[i].name, layers[i].kindRange)
    }
    return BaseModel(path: path, checkpoint: FileReader.resolve(b.checkpoint.value, relativeTo: specPath),
                     inputShape: input.value, layers: layers, layerNames: layers.map { $0.name!.value })
  }
}
