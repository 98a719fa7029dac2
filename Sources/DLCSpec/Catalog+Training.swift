/// Catalog entries: initializers, losses, metrics, optimizers and schedules.
/// Formulas follow the PyTorch documentation so results are comparable.

extension Catalog {
  static let gain = ParamSpec("gain", .float(.above(0)), .value(.float(1)), "scale factor")
  static let kaimingParams = [
    ParamSpec("a", .float(.atLeast(0)), .value(.float(0)), "negative slope of the rectifier that follows (leaky_relu)"),
    ParamSpec("mode", .choice(["fan_in", "fan_out"]), .value(.string("fan_in")), "which fan preserves the variance"),
    ParamSpec("nonlinearity", .choice(["relu", "leaky_relu", "linear", "tanh", "sigmoid"]), .value(.string("relu")),
              "the activation the gain is computed for"),
  ]

  /// Initializers (He et al. 2015 for kaiming, Glorot & Bengio 2010 for xavier).
  public static let initializers: [CatalogEntry] = [
    CatalogEntry(.initializer, "zeros", "all zeros"),
    CatalogEntry(.initializer, "constant", primary: "value", "one value everywhere", [
      ParamSpec("value", .float(.any), .required, "the value"),
    ]),
    CatalogEntry(.initializer, "uniform", "U(low, high)", [
      ParamSpec("low", .float(.any), .value(.float(-0.05)), "lower bound"),
      ParamSpec("high", .float(.any), .value(.float(0.05)), "upper bound"),
    ]),
    CatalogEntry(.initializer, "normal", primary: "std", "N(mean, std²)", [
      ParamSpec("mean", .float(.any), .value(.float(0)), "mean"),
      ParamSpec("std", .float(.above(0)), .value(.float(0.05)), "standard deviation"),
    ]),
    CatalogEntry(.initializer, "xavier_uniform", primary: "gain", "U(−b, b), b = gain·√(6 / (fan_in + fan_out))", [gain]),
    CatalogEntry(.initializer, "xavier_normal", primary: "gain", "N(0, σ²), σ = gain·√(2 / (fan_in + fan_out))", [gain]),
    CatalogEntry(.initializer, "kaiming_uniform", "U(−b, b), b = gain·√(3 / fan)", kaimingParams),
    CatalogEntry(.initializer, "kaiming_normal", "N(0, σ²), σ = gain / √fan", kaimingParams),
    CatalogEntry(.initializer, "lecun_uniform", "U(−b, b), b = √(3 / fan_in) (LeCun et al. 1998), as Keras's `lecun_uniform`: "
                 + "`variance_scaling` with scale 1, `fan_in`, `uniform`"),
    CatalogEntry(.initializer, "lecun_normal", "N(0, σ²) truncated to ±2σ, σ = √(1 / fan_in) / 0.8796… so that the variance is "
                 + "1 / fan_in, as Keras's `lecun_normal` (`variance_scaling` with scale 1, `fan_in`, `truncated_normal`); "
                 + "the initializer `selu` is made for (Klambauer et al. 2017): pair `selu` layers with `init: lecun_normal`"),
    CatalogEntry(.initializer, "variance_scaling", primary: "scale", "as Keras's `VarianceScaling`: s = scale / max(1, fan); "
                 + "`truncated_normal` draws N(0, σ²) truncated to ±2σ with σ = √s / 0.87962566103423978 (the std of a unit "
                 + "normal truncated to ±2, so the variance is s), `untruncated_normal` N(0, s), `uniform` U(−√(3s), √(3s))", [
      ParamSpec("scale", .float(.above(0)), .value(.float(1)), "the variance times the fan"),
      ParamSpec("mode", .choice(["fan_in", "fan_out", "fan_avg"]), .value(.string("fan_in")),
                "the fan: fan_in, fan_out or their mean"),
      ParamSpec("distribution", .choice(["truncated_normal", "untruncated_normal", "uniform"]),
                .value(.string("truncated_normal")), "the distribution drawn from"),
    ]),
    CatalogEntry(.initializer, "truncated_normal", primary: "std", "N(mean, std²) restricted to [a, b] by the inverse-CDF method, "
                 + "as torch.nn.init.trunc_normal_ (a and b are values, not multiples of std; Keras's `TruncatedNormal` "
                 + "cuts at ±2·stddev: write `a` and `b` for that)", [
      ParamSpec("mean", .float(.any), .value(.float(0)), "mean of the normal before truncation"),
      ParamSpec("std", .float(.above(0)), .value(.float(1)), "standard deviation of the normal before truncation"),
      ParamSpec("a", .float(.any), .value(.float(-2)), "lower cut-off (below b)"),
      ParamSpec("b", .float(.any), .value(.float(2)), "upper cut-off"),
    ]),
    CatalogEntry(.initializer, "orthogonal", primary: "gain", "a (semi-)orthogonal matrix times gain (Saxe et al. 2014), "
                 + "as torch.nn.init.orthogonal_: QR of a normal rows × cols matrix (rows = the first dimension, cols = the "
                 + "product of the rest), Q's columns multiplied by the signs of R's diagonal; WᵀW = gain²·I, or WWᵀ when "
                 + "rows < cols", [gain]),
    CatalogEntry(.initializer, "delta_orthogonal", primary: "gain", "for `conv2d` kernels (Xiao et al. 2018): zeros except "
                 + "the centre tap ((kh − 1)/2, (kw − 1)/2), which is `orthogonal` of an out × in matrix times gain; "
                 + "needs filters ≥ input channels", [gain]),
    CatalogEntry(.initializer, "identity", primary: "gain", "gain on the main diagonal of a matrix, zeros elsewhere, as "
                 + "torch.nn.init.eye_ (a non-square matrix too); matrices only: for convolutions see `delta_orthogonal`",
                 [gain]),
  ]

  /// Losses; each one's target and output requirements are checked by Sema.
  public static let losses: [CatalogEntry] = [
    CatalogEntry(.loss, "mse", "mean squared error (regression, reconstruction)").fitting(.regression, .reconstruction),
    CatalogEntry(.loss, "mae", "mean absolute error (regression, reconstruction)").fitting(.regression, .reconstruction),
    CatalogEntry(.loss, "cross_entropy", "softmax cross-entropy on logits against class indices", [
      ParamSpec("label_smoothing", .float(.unitOpen), .value(.float(0)), "mass spread uniformly over all classes"),
      ParamSpec("class_weights", .classWeights, .optional,
                "per-class weights; `balanced` = n / (classes · count), counted on the train split"),
    ]).fitting(.classification),
    CatalogEntry(.loss, "bce_with_logits", "sigmoid binary cross-entropy on logits (binary classification, reconstruction in [0, 1])", [
      ParamSpec("pos_weight", .float(.above(0)), .optional, "weight of positive examples"),
    ]).fitting(.classification, .reconstruction),
  ]

  /// Metrics recorded each epoch on the train and validation splits.
  public static let metrics: [CatalogEntry] = [
    CatalogEntry(.metric, "loss", "the training loss (always recorded)"),
    CatalogEntry(.metric, "accuracy", "fraction of samples whose arg-max class is the label (classification)")
      .fitting(.classification),
    CatalogEntry(.metric, "mae", "mean absolute error (regression, reconstruction)").fitting(.regression, .reconstruction),
    CatalogEntry(.metric, "rmse", "root mean squared error (regression, reconstruction)").fitting(.regression, .reconstruction),
    CatalogEntry(.metric, "r2", "coefficient of determination 1 − SSE/SST per target, averaged over targets, as scikit-learn's `r2_score` (regression, reconstruction)")
      .fitting(.regression, .reconstruction),
  ]

  static let lr = ParamSpec("lr", .float(.above(0)), .value(.float(1e-3)), "learning rate")
  static let weightDecay = ParamSpec("weight_decay", .float(.atLeast(0)), .value(.float(0)), "L2 penalty added to the gradient")
  static let adamParams = [
    ParamSpec("betas", .floatPair(.unitOpen), .value(.list([.float(0.9), .float(0.999)])), "decay rates of the moment estimates"),
    ParamSpec("eps", .float(.above(0)), .value(.float(1e-8)), "added to the denominator"),
    ParamSpec("amsgrad", .bool, .value(.bool(false)), "use the maximum of past second moments"),
  ]

  /// Optimizers (update rules as in the PyTorch documentation).
  public static let optimizers: [CatalogEntry] = [
    CatalogEntry(.optimizer, "sgd", primary: "lr", "stochastic gradient descent with optional (Nesterov) momentum", [
      ParamSpec("lr", .float(.above(0)), .value(.float(0.01)), "learning rate"),
      ParamSpec("momentum", .float(.unitOpen), .value(.float(0)), "momentum factor"),
      ParamSpec("dampening", .float(.unitOpen), .value(.float(0)), "dampening for momentum"),
      ParamSpec("nesterov", .bool, .value(.bool(false)), "Nesterov momentum (needs momentum > 0 and dampening 0)"),
      weightDecay,
    ]),
    CatalogEntry(.optimizer, "adam", primary: "lr", "Adam (Kingma & Ba 2015); weight decay is L2 added to the gradient",
                 [lr] + adamParams + [weightDecay]),
    CatalogEntry(.optimizer, "adamw", primary: "lr", "AdamW (Loshchilov & Hutter 2019): decoupled weight decay",
                 [lr] + adamParams + [ParamSpec("weight_decay", .float(.atLeast(0)), .value(.float(0.01)), "decoupled weight decay")]),
    CatalogEntry(.optimizer, "rmsprop", primary: "lr",
                 "RMSprop (Hinton 2012), as torch.optim.RMSprop; `centered` divides by the gradient's variance (Graves 2013)", [
      ParamSpec("lr", .float(.above(0)), .value(.float(0.01)), "learning rate"),
      ParamSpec("alpha", .float(.unitOpen), .value(.float(0.99)), "smoothing constant of the squared-gradient average"),
      ParamSpec("eps", .float(.above(0)), .value(.float(1e-8)), "added to the denominator"),
      ParamSpec("momentum", .float(.unitOpen), .value(.float(0)), "momentum factor"),
      ParamSpec("centered", .bool, .value(.bool(false)), "subtract the squared mean gradient from the squared-gradient average"),
      weightDecay,
    ]),
  ]

  /// Optimizers the spec language will have but this version does not implement yet.
  static let plannedOptimizers = ["adagrad", "adadelta", "ranger", "radam", "lamb", "lookahead", "nadam", "lion"]

  static let warmup = ParamSpec("warmup_epochs", .int(.epochs(from: 0)), .value(.int(0)), "linear warm-up from 0 over these epochs")

  /// Learning-rate schedules, stepped per batch; epochs are the unit of their parameters.
  public static let schedules: [CatalogEntry] = [
    CatalogEntry(.schedule, "constant", "the optimizer's lr throughout", [warmup]),
    CatalogEntry(.schedule, "step", primary: "step_size", "lr · gamma^⌊epoch / step_size⌋", [
      ParamSpec("step_size", .int(.epochs(from: 1)), .required, "epochs between decays"),
      ParamSpec("gamma", .float(Bounds(lower: 0, lowerInclusive: false, upper: 1)), .value(.float(0.1)), "decay factor"),
      warmup,
    ]),
    CatalogEntry(.schedule, "cosine", "cosine annealing from lr to min_lr over the run (Loshchilov & Hutter 2017)", [
      ParamSpec("min_lr", .float(.atLeast(0)), .value(.float(0)), "final learning rate"),
      warmup,
    ]),
    CatalogEntry(.schedule, "one_cycle", primary: "max_lr", "one-cycle policy (Smith 2018), as PyTorch's OneCycleLR", [
      ParamSpec("max_lr", .float(.above(0)), .required, "peak learning rate"),
      ParamSpec("pct_start", .float(Bounds(lower: 0, lowerInclusive: false, upper: 1, upperInclusive: false)), .value(.float(0.3)),
                "fraction of the run spent increasing"),
      ParamSpec("div_factor", .float(.above(0)), .value(.float(25)), "initial lr = max_lr / div_factor"),
      ParamSpec("final_div_factor", .float(.above(0)), .value(.float(1e4)), "final lr = initial lr / final_div_factor"),
      ParamSpec("anneal", .choice(["cos", "linear"]), .value(.string("cos")), "annealing shape"),
    ]),
  ]
}
