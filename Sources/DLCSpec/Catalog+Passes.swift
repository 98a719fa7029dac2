/// Catalog entries: the optimization passes of the `optimize:` list, run in the order
/// listed over the trained model (DLCPasses has one file per pass).

extension Catalog {
  /// Passes for the deployed model.
  public static let passes: [CatalogEntry] = [
    CatalogEntry(.pass, "fold_batchnorm",
                 "fold each inference batchnorm into the dense or conv2d next to it (w' = w·γ/√(σ²+ε), b' = (b−μ)·γ/√(σ²+ε) + β)"),
    CatalogEntry(.pass, "precompute_frozen", primary: "cache",
                 "evaluate the frozen prefix of the model once over the data and train the rest on the cached activations", [
      ParamSpec("cache", .choice(["memory", "disk"]), .value(.string("memory")),
                "keep the activations in memory, or also in `<runs>/cache/` keyed by a hash of the prefix, its weights, the data and the preprocessing"),
    ]),
    CatalogEntry(.pass, "quantize", primary: "weights",
                 "post-training quantization of dense and conv2d (affine scheme of Jacob et al. 2018)", [
      ParamSpec("weights", .choice(["int8", "fp16"]), .value(.string("int8")),
                "weight storage: int8 per output channel, symmetric; or fp16"),
      ParamSpec("activations", .choice(["int8", "dynamic", "float"]), .value(.string("int8")),
                "int8: static per-tensor uint8 ranges from calibration; dynamic: ranges measured per batch; float: weight-only")
        .following("weights", ["fp16": .string("float")]),
      ParamSpec("calibration", .choice(["minmax", "percentile"]), .value(.string("minmax")), "how calibration picks each activation range"),
      ParamSpec("percentile", .float(Bounds(lower: 50, lowerInclusive: false, upper: 100)), .value(.float(99.99)),
                "the percentile of absolute values that `percentile` calibration keeps in range"),
      ParamSpec("calibration_batches", .int(.epochs(from: 1)), .value(.int(8)), "training batches the ranges are measured on"),
    ]),
    CatalogEntry(.pass, "prune", primary: "sparsity", "magnitude pruning of dense and conv2d weights", [
      ParamSpec("sparsity", .float(Bounds(lower: 0, lowerInclusive: false, upper: 1, upperInclusive: false)), .required,
                "the fraction of weights (unstructured) or of neurons and channels (structured) removed"),
      ParamSpec("structure", .choice(["unstructured", "neuron", "channel"]), .value(.string("unstructured")),
                "single weights (masked), or whole dense neurons / conv channels by L1 norm (shapes shrink)"),
      ParamSpec("scope", .choice(["global", "layer"]), .value(.string("global")),
                "unstructured: one magnitude threshold over all layers, or the same sparsity in each layer"),
      ParamSpec("finetune_epochs", .int(.epochs(from: 0)), .value(.int(0)), "training epochs after pruning, with pruned weights held at zero"),
      ParamSpec("schedule", .choice(["polynomial", "one_shot"]), .value(.string("polynomial")),
                "unstructured with fine-tuning: sparsity raised per epoch as s·(1 − (1 − t)³) (Zhu & Gupta 2017), or all at once"),
      ParamSpec("lr", .float(.above(0)), .optional, "fine-tuning learning rate (default: the optimizer's lr / 10, constant)"),
      ParamSpec("prune_output", .bool, .value(.bool(false)),
                "unstructured: prune the output layer too (kept by default: its few weights matter most)"),
    ]),
  ]
}
