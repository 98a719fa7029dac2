/// Checks of the `optimize:` list that need only the spec and the layer kinds: each pass
/// once, an order the passes can run in, options that fit together, and a model that has
/// something for the pass to work on. What needs the IR (which layer makes
/// precomputation illegal, which batchnorm cannot be folded) is reported by the passes.
import DLCSpec
import DLCSyntax

struct OptimizeChecks {
  let diags: DiagnosticEngine
  let spec: Spec

  /// `kinds`: the catalog name of every layer of the model (base layers included).
  func check(layerKinds kinds: [String]) {
    var seen: [String: SourceRange?] = [:]
    for use in spec.optimize {
      let at = use.nameRange ?? use.range
      if let first = seen[use.name] {
        diags.emit(Diagnostic(.passRepeated(use.name), at: at).note("first listed here", at: first ?? nil))
        continue
      }
      seen[use.name] = at
      switch use.name {
      case "precompute_frozen" where spec.train?.freeze.isEmpty ?? true:
        diags.emit(Diagnostic(.passNeedsFrozenLayers(), at: at).help("list the layers to keep fixed in 'train.freeze'"))
      case "quantize":
        if use.string("weights") == "fp16", use.string("activations") != "float" {
          diags.emit(Diagnostic(.quantizeHalfNeedsFloatActivations(use.string("activations") ?? ""), at: use.range(of: "activations"))
            .help("use 'activations: float' with fp16 weights"))
        }
        if !kinds.contains(where: { $0 == "dense" || $0 == "conv2d" }) {
          diags.emit(Diagnostic(.passHasNothingToDo("quantize", "no dense or conv2d layer"), at: at))
        }
        for later in ["fold_batchnorm", "prune"] where spec.optimize.contains(where: { $0.name == later }) && seen[later] == nil {
          diags.emit(Diagnostic(.passOrder("quantize", later), at: at).help("list 'quantize' last"))
        }
      case "prune":
        let structure = use.string("structure") ?? "unstructured"
        let want = structure == "channel" ? ["conv2d"] : structure == "neuron" ? ["dense"] : ["dense", "conv2d"]
        if !kinds.contains(where: want.contains) {
          diags.emit(Diagnostic(.passHasNothingToDo("prune", "no \(want.joined(separator: " or ")) layer to prune"), at: at))
        }
      case "fold_batchnorm" where !kinds.contains("batchnorm"):
        // Norms with per-sample statistics are not foldable; say so when that is why.
        let perSample = ["groupnorm", "instancenorm", "layernorm"].filter(kinds.contains)
        let why = perSample.isEmpty ? "the model has no batchnorm"
          : "the model has no batchnorm; its \(perSample.map { "'\($0)'" }.joined(separator: ", ")) normalize each sample "
            + "with its own statistics, which cannot fold into weights"
        diags.emit(Diagnostic(.passHasNothingToDo("fold_batchnorm", why), at: at))
      default: break
      }
    }
  }
}
