/// Catalog entries: layers and activations.

extension Catalog {
  static let weightInit = ParamSpec("init", .entry(.initializer), .value(use(.initializer, "xavier_uniform")), "weight initializer")
  static let biasInit = ParamSpec("bias_init", .entry(.initializer), .value(use(.initializer, "zeros")), "bias initializer")
  static let bias = ParamSpec("bias", .bool, .value(.bool(true)), "learn an additive bias")
  static let activation = ParamSpec("activation", .entry(.activation), .optional, "activation applied to the output")
  /// A default for a pair-typed parameter, stored as the decoder stores a written one.
  static func pair(_ n: Int) -> ArgValue { .list([.int(n), .int(n)]) }
  static let mergeFrom = ParamSpec("from", .list(.layerRef, minCount: 2), .required, "the layers to merge")

  /// Layers (besides activations, which are layers too).
  public static let layers: [CatalogEntry] = [
    CatalogEntry(.layer, "dense", primary: "units", "fully connected layer over the last axis: y = x·Wᵀ + b", [
      ParamSpec("units", .int(.atLeast(1)), .required, "output features"),
      bias, weightInit, biasInit, activation,
    ]),
    CatalogEntry(.layer, "conv2d", primary: "filters", "2-D convolution over [C, H, W]", [
      ParamSpec("filters", .int(.atLeast(1)), .required, "output channels"),
      ParamSpec("kernel", .intPair(.atLeast(1)), .value(pair(3)), "kernel size"),
      ParamSpec("stride", .intPair(.atLeast(1)), .value(pair(1)), "stride"),
      ParamSpec("padding", .padding, .value(pair(0)), "zero padding on each side; `same` keeps H and W at stride 1"),
      ParamSpec("dilation", .intPair(.atLeast(1)), .value(pair(1)), "spacing between kernel taps"),
      bias, weightInit, biasInit, activation,
    ]),
    CatalogEntry(.layer, "maxpool2d", primary: "size", "maximum over windows of [C, H, W]", poolParams),
    CatalogEntry(.layer, "avgpool2d", primary: "size", "average over windows of [C, H, W] (padding counts as zeros)", poolParams),
    CatalogEntry(.layer, "global_avgpool", "average over all positions: [C, H, W] → [C], [L, D] → [D]"),
    CatalogEntry(.layer, "flatten", "all per-sample axes into one"),
    CatalogEntry(.layer, "reshape", primary: "shape", "a new per-sample shape with the same element count", [
      ParamSpec("shape", .shape, .required, "the new shape; one entry may be -1"),
    ]),
    CatalogEntry(.layer, "embedding", "lookup table from integer ids to vectors: [L] → [L, dim]", [
      ParamSpec("vocab", .int(.atLeast(1)), .required, "number of distinct ids"),
      ParamSpec("dim", .int(.atLeast(1)), .required, "vector size"),
      ParamSpec("init", .entry(.initializer), .value(use(.initializer, "normal", ["std": .float(1)])), "table initializer"),
    ]),
    CatalogEntry(.layer, "batchnorm", "batch normalization per feature ([F]) or channel ([C, H, W])", [
      ParamSpec("momentum", .float(.unit), .value(.float(0.1)), "weight of the new batch in the running statistics"),
      ParamSpec("eps", .float(.above(0)), .value(.float(1e-5)), "added to the variance"),
      ParamSpec("affine", .bool, .value(.bool(true)), "learn a scale and shift per feature or channel"),
    ]),
    CatalogEntry(.layer, "layernorm", "normalization over the last axis with a learned scale and shift", [
      ParamSpec("eps", .float(.above(0)), .value(.float(1e-5)), "added to the variance"),
    ]),
    CatalogEntry(.layer, "groupnorm", primary: "groups",
                 "normalization of each sample over groups of channels ([C, H, W], [C], [L, D] as PyTorch's (N, C, *)) (Wu & He 2018)", [
      ParamSpec("groups", .int(.atLeast(1)), .required, "number of channel groups; must divide the channels"),
      ParamSpec("eps", .float(.above(0)), .value(.float(1e-5)), "added to the variance"),
      ParamSpec("affine", .bool, .value(.bool(true)), "learn a scale and shift per channel"),
    ]),
    CatalogEntry(.layer, "instancenorm",
                 "normalization of each sample's channels over their positions ([C, H, W] or [C, L]) (Ulyanov et al. 2016)", [
      ParamSpec("eps", .float(.above(0)), .value(.float(1e-5)), "added to the variance"),
      ParamSpec("affine", .bool, .value(.bool(false)), "learn a scale and shift per channel"),
      ParamSpec("track_running_stats", .bool, .value(.bool(false)),
                "keep running statistics for evaluation; only `false` (each sample's own statistics, as PyTorch's default) is supported"),
    ]),
    CatalogEntry(.layer, "dropout", primary: "rate", "zeroes a fraction of activations while training (inverted dropout)", [
      ParamSpec("rate", .float(.unitOpen), .value(.float(0.5)), "probability of dropping"),
    ]),
    CatalogEntry(.layer, "self_attention", primary: "heads", "multi-head scaled dot-product self-attention over [L, D]", [
      ParamSpec("heads", .int(.atLeast(1)), .required, "number of heads; must divide D"),
      ParamSpec("causal", .bool, .value(.bool(false)), "mask attention to later positions"),
      ParamSpec("dropout", .float(.unitOpen), .value(.float(0)), "dropout on the attention weights"),
      bias, weightInit,
    ]),
    CatalogEntry(.layer, "add", primary: "from", "element-wise sum of layers with equal shapes", [mergeFrom]),
    CatalogEntry(.layer, "multiply", primary: "from", "element-wise product of layers with equal shapes", [mergeFrom]),
    CatalogEntry(.layer, "concat", primary: "from", "concatenation along an axis", [
      mergeFrom,
      ParamSpec("axis", .int(.any), .value(.int(-1)), "per-sample axis; negative counts from the end"),
    ]),
  ]

  static let poolParams = [
    ParamSpec("size", .intPair(.atLeast(1)), .value(pair(2)), "window size"),
    ParamSpec("stride", .intPair(.atLeast(1)), .optional, "stride; defaults to the window size"),
    ParamSpec("padding", .intPair(.atLeast(0)), .value(pair(0)), "zero padding on each side"),
  ]

  /// Activations the spec language will have but this version does not implement yet
  /// (kept beside `activations`, so adding one moves it from here to there).
  static let plannedActivations = ["prelu"]

  /// Activations: usable as a layer (`- relu`) or as a dense/conv2d `activation:`.
  /// Each, but softmax and log_softmax, is a row of the IR's pointwise table with the same
  /// name, whose attributes are these parameters in this order; `relu` with a nonzero
  /// `shift` lowers to the row `shifted_relu` (see DLCSema's `ActivationVariant`). The names people
  /// type from other frameworks (`hardswish`, `logsigmoid`, `hardtanh`) are not aliases:
  /// they get "did you mean 'hard_swish'?", so a spec has one spelling per op.
  public static let activations: [CatalogEntry] = [
    CatalogEntry(.activation, "relu", "max(x, 0) − shift", [
      ParamSpec("shift", .float(.any), .optional, "subtracted from the result; none if left out (0.5: \"ReLU − 0.5\", for Kaiming init)"),
    ]),
    CatalogEntry(.activation, "leaky_relu", primary: "slope", "x if x > 0 else slope·x", [
      ParamSpec("slope", .float(.atLeast(0)), .value(.float(0.01)), "slope for negative inputs"),
    ]),
    CatalogEntry(.activation, "sigmoid", "1 / (1 + e^−x)"),
    CatalogEntry(.activation, "tanh", "hyperbolic tangent"),
    CatalogEntry(.activation, "softmax", primary: "axis", "exp(x) / Σ exp(x) along an axis", [
      ParamSpec("axis", .int(.any), .value(.int(-1)), "per-sample axis; negative counts from the end"),
    ]),
    CatalogEntry(.activation, "gelu", primary: "approximate", "x·Φ(x) (Hendrycks & Gimpel 2016)", [
      ParamSpec("approximate", .choice(["none", "tanh"]), .value(.string("none")), "`tanh` uses the tanh approximation"),
    ]),
    CatalogEntry(.activation, "elu", primary: "alpha", "x if x > 0 else alpha·(eˣ − 1) (Clevert et al. 2015)", [
      ParamSpec("alpha", .float(.atLeast(0)), .value(.float(1.0)), "−alpha is the value approached for very negative inputs"),
    ]),
    CatalogEntry(.activation, "selu", "scale·elu(x, alpha), scale = 1.0507, alpha = 1.6733 (Klambauer et al. 2017); pair with `lecun_normal`"),
    CatalogEntry(.activation, "celu", primary: "alpha", "x if x > 0 else alpha·(e^(x/alpha) − 1) (Barron 2017)", [
      ParamSpec("alpha", .float(.above(0)), .value(.float(1.0)), "−alpha is the value approached for very negative inputs"),
    ]),
    CatalogEntry(.activation, "silu", "x·σ(x) (Elfwing et al. 2017)"),
    CatalogEntry(.activation, "swish", primary: "beta", "x·σ(beta·x) (Ramachandran et al. 2017); beta 1 is `silu`", [
      ParamSpec("beta", .float(.any), .value(.float(1.0)), "scale of x inside the sigmoid"),
    ]),
    CatalogEntry(.activation, "mish", "x·tanh(softplus(x)) (Misra 2019)"),
    CatalogEntry(.activation, "elish", "x·σ(x) if x ≥ 0 else (eˣ − 1)·σ(x) (Basirat & Roth 2018)"),
    CatalogEntry(.activation, "hard_elish", "x·h(x) if x ≥ 0 else (eˣ − 1)·h(x), h(x) = max(0, min(1, (x + 1)/2)) (Basirat & Roth 2018)"),
    CatalogEntry(.activation, "serlu", "lambda·x if x ≥ 0 else lambda·alpha·x·eˣ (Zhang & Li 2018)", [
      ParamSpec("lambda", .float(.above(0)), .value(.float(1.07862)), "slope for x ≥ 0"),
      ParamSpec("alpha", .float(.atLeast(0)), .value(.float(2.90427)), "scale of the negative part"),
    ]),
    CatalogEntry(.activation, "softplus", primary: "beta", "ln(1 + e^(beta·x)) / beta, x where beta·x > threshold (as PyTorch)", [
      ParamSpec("beta", .float(.above(0)), .value(.float(1.0)), "sharpness"),
      ParamSpec("threshold", .float(.any), .value(.float(20.0)), "beta·x above which the result is x"),
    ]),
    CatalogEntry(.activation, "softsign", "x / (1 + |x|)"),
    CatalogEntry(.activation, "hard_sigmoid", "min(max(x + 3, 0), 6) / 6 (as PyTorch)"),
    CatalogEntry(.activation, "hard_swish", "x·min(max(x + 3, 0), 6) / 6 (Howard et al. 2019)"),
    CatalogEntry(.activation, "hard_tanh", "min(max(x, min), max)", [
      ParamSpec("min", .float(.any), .value(.float(-1.0)), "lower bound"),
      ParamSpec("max", .float(.any), .value(.float(1.0)), "upper bound, above `min`"),
    ]),
    CatalogEntry(.activation, "relu6", "min(max(x, 0), 6)"),
    CatalogEntry(.activation, "log_sigmoid", "ln σ(x) = min(x, 0) − ln(1 + e^−|x|)"),
    CatalogEntry(.activation, "log_softmax", primary: "axis", "x − ln Σ exp(x) along an axis", [
      ParamSpec("axis", .int(.any), .value(.int(-1)), "per-sample axis; negative counts from the end"),
    ]),
    // A formula of x (`ExpressionCheck.swift`); keys besides `expr` are named constants.
    CatalogEntry(.activation, "expr", primary: "expr", "a formula of x, e.g. `{expr: \"x*sigmoid(b*x)\", b: 1.5}` (see [Expressions](#expressions-activations-written-as-formulas))", [
      ParamSpec("expr", .string, .required, "the formula; every other key is a named constant"),
    ]),
  ]
}
