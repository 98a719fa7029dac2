import DLCKernels

/// What the training loop drives: the interpreter over IR programs, or an emitted,
/// specialized model. Both hold the parameters at fixed addresses and run one step,
/// one forward pass or one loss on a batch of at most the run's batch size.
public protocol TrainingBackend: AnyObject {
  /// Every parameter in module order; the index is its initialization stream id.
  var parameters: [ParameterSlot] { get }
  /// Floats per sample of the model output.
  var outputWidth: Int { get }
  /// The type of the targets `@train_step` and `@loss` read, as the IR declares it;
  /// every batch is written in it (`Dataset.gather(_:x:target:as:)`), or refused.
  var targetLayout: TargetLayout { get }
  /// Class weights for `class_weights = "balanced"`, set before the first step.
  var balancedClassWeights: [Float]? { get set }
  /// The features, then the targets (in `targetLayout`), of a training batch of `n` samples.
  func trainBuffers(batch n: Int) throws -> (x: UnsafeMutablePointer<Float>, target: UnsafeMutableRawPointer)
  /// One optimizer step on the batch in `trainBuffers(batch: n)`: its loss and the model
  /// output (`n × outputWidth`).
  func trainStep(batch n: Int, lr: Float, step: Int64) throws -> (loss: Float, output: UnsafePointer<Float>)
  /// The features buffer of an inference batch of `n` samples.
  func predictBuffer(batch n: Int) throws -> UnsafeMutablePointer<Float>
  /// The model output (`n × outputWidth`) for the features in `predictBuffer(batch: n)`.
  func predict(batch n: Int) throws -> UnsafePointer<Float>
  /// The targets buffer for `loss(batch:)`.
  func lossTarget(batch n: Int) throws -> UnsafeMutableRawPointer
  /// The loss of the last `predict(batch: n)` output against `lossTarget(batch: n)`.
  func loss(batch n: Int) throws -> Float

  /// The frozen prefix the model splits off (`precompute-frozen`), or nil. With one, the
  /// training step and `predict` take the prefix's output, not the data's features
  /// (see `FrozenPrefix.swift`); the default is nil.
  var frozenPrefix: FrozenPrefix? { get }
  /// The features buffer of the frozen prefix for a batch of `n` samples.
  func precomputeBuffer(batch n: Int) throws -> UnsafeMutablePointer<Float>
  /// The prefix's output (`n × frozenPrefix.outputCount`) for `precomputeBuffer(batch: n)`.
  func precompute(batch n: Int) throws -> UnsafePointer<Float>
}

/// One parameter a backend holds: weights, biases, running statistics, optimizer state.
public struct ParameterSlot {
  /// The IR name (`dense_1.weight`, `dense_1.weight.exp_avg`).
  public let name: String
  public let shape: [Int]
  public let pointer: UnsafeMutablePointer<Float>
  public let initializer: Initializer
  /// The layer it belongs to ("" when none).
  public let layer: String
  /// Whether it is optimizer state rather than part of the model.
  public let isOptimizerState: Bool
  /// The element type; `pointer` addresses `count` elements of it (F32 for trained
  /// parameters; I8, F16 or I32 for quantized weights and their bookkeeping).
  public let dtype: DType

  public init(
    name: String, shape: [Int], pointer: UnsafeMutablePointer<Float>, initializer: Initializer, layer: String,
    isOptimizerState: Bool, dtype: DType = .F32
  ) {
    self.dtype = dtype
    self.name = name
    self.shape = shape
    self.pointer = pointer
    self.initializer = initializer
    self.layer = layer
    self.isOptimizerState = isOptimizerState
  }

  /// The element count.
  public var count: Int { shape.reduce(1, *) }

  /// The bytes the values take.
  public var byteCount: Int { count * dtype.size }
}

/// A parameter initializer, with the formulas torch.nn.init documents.
public struct Initializer: Sendable, Hashable {
  /// zeros, constant, uniform, normal, xavier_uniform, xavier_normal, kaiming_uniform,
  /// kaiming_normal, lecun_uniform, lecun_normal, variance_scaling, truncated_normal,
  /// orthogonal, delta_orthogonal, identity.
  public var kind: String
  /// value, low, high, mean, std, gain, a, b, scale.
  public var numbers: [String: Double]
  /// mode, nonlinearity, distribution.
  public var strings: [String: String]

  public init(kind: String, numbers: [String: Double] = [:], strings: [String: String] = [:]) {
    self.kind = kind
    self.numbers = numbers
    self.strings = strings
  }

  /// The parameters each kind reads (numbers, then words). Their defaults are the
  /// catalog's, which Sema writes into every `init` attribute: a missing one is malformed
  /// IR, reported by `fill`, never filled in here.
  public static let parameters: [String: (numbers: [String], strings: [String])] = [
    "zeros": ([], []), "constant": (["value"], []), "uniform": (["low", "high"], []), "normal": (["mean", "std"], []),
    "xavier_uniform": (["gain"], []), "xavier_normal": (["gain"], []),
    "kaiming_uniform": (["a"], ["mode", "nonlinearity"]), "kaiming_normal": (["a"], ["mode", "nonlinearity"]),
    "lecun_uniform": ([], []), "lecun_normal": ([], []), "variance_scaling": (["scale"], ["mode", "distribution"]),
    "truncated_normal": (["mean", "std", "a", "b"], []), "orthogonal": (["gain"], []), "delta_orthogonal": (["gain"], []),
    "identity": (["gain"], []),
  ]

  /// Fills `count(shape)` values at `y` from `stream`; an unknown kind or a missing
  /// parameter is an error.
  public func fill(_ y: UnsafeMutablePointer<Float>, shape: [Int], stream: RandomStream) throws {
    guard let wanted = Self.parameters[kind] else { throw TrainingError("unknown initializer '\(kind)'") }
    for key in wanted.numbers where numbers[key] == nil {
      throw TrainingError("the initializer '\(kind)' has no number '\(key)'")
    }
    for key in wanted.strings where strings[key] == nil {
      throw TrainingError("the initializer '\(kind)' has no word '\(key)'")
    }
    if let problem = Self.shapeProblem(kind: kind, shape: shape) {
      throw TrainingError("the initializer '\(kind)' cannot fill a parameter of shape \(shape): it \(problem)")
    }
    fillKnown(y, shape: shape, stream: stream)
  }

  /// `fill` for a kind in `parameters` with all of its parameters, after the throwing checks.
  @inline(never)
  func fillKnown(_ y: UnsafeMutablePointer<Float>, shape: [Int], stream: RandomStream) {
    let count = shape.reduce(1, *)
    let (numbers, strings) = (self.numbers, self.strings)
    func number(_ key: String) -> Float { Float(numbers[key]!) }
    let fans = InitKernel.fans(shape: shape)
    switch kind {
    case "zeros": InitKernel.zeros(y, count: count)
    case "constant": InitKernel.constant(y, count: count, value: number("value"))
    case "uniform": InitKernel.uniform(y, count: count, low: number("low"), high: number("high"), stream: stream)
    case "normal": InitKernel.normal(y, count: count, mean: number("mean"), std: number("std"), stream: stream)
    case "xavier_uniform":
      let bound = number("gain") * (6 / Float(max(fans.fanIn + fans.fanOut, 1))).squareRoot()
      InitKernel.uniform(y, count: count, low: -bound, high: bound, stream: stream)
    case "xavier_normal":
      let std = number("gain") * (2 / Float(max(fans.fanIn + fans.fanOut, 1))).squareRoot()
      InitKernel.normal(y, count: count, mean: 0, std: std, stream: stream)
    case "kaiming_uniform", "kaiming_normal":
      let fan = strings["mode"]! == "fan_out" ? fans.fanOut : fans.fanIn
      let gain = InitKernel.gain(nonlinearity: strings["nonlinearity"]!, a: number("a"))
      let std = gain / Float(max(fan, 1)).squareRoot()
      if kind == "kaiming_normal" {
        InitKernel.normal(y, count: count, mean: 0, std: std, stream: stream)
      } else {
        let bound = Float(3).squareRoot() * std
        InitKernel.uniform(y, count: count, low: -bound, high: bound, stream: stream)
      }
    case "lecun_uniform": Self.varianceScaling(y, shape: shape, scale: 1, mode: "fan_in", distribution: "uniform", stream: stream)
    case "lecun_normal":
      Self.varianceScaling(y, shape: shape, scale: 1, mode: "fan_in", distribution: "truncated_normal", stream: stream)
    case "variance_scaling":
      Self.varianceScaling(y, shape: shape, scale: numbers["scale"]!, mode: strings["mode"]!,
                           distribution: strings["distribution"]!, stream: stream)
    case "truncated_normal":
      InitKernel.truncatedNormal(y, count: count, mean: numbers["mean"]!, std: numbers["std"]!, a: numbers["a"]!,
                                 b: numbers["b"]!, stream: stream)
    case "orthogonal":
      let rows = shape.first ?? 1
      InitKernel.orthogonal(y, rows: rows, cols: rows == 0 ? 0 : count / rows, gain: number("gain"), stream: stream)
    case "delta_orthogonal": InitKernel.deltaOrthogonal(y, shape: shape, gain: number("gain"), stream: stream)
    case "identity": InitKernel.identity(y, rows: shape[0], cols: shape[1], gain: number("gain"))
    default: InitKernel.zeros(y, count: count)
    }
  }

  /// Why `kind` cannot fill a parameter of `shape` (a phrase after "it"), or nil when it
  /// can. Sema reports the same at the spec's line; this guards IR written by hand.
  public static func shapeProblem(kind: String, shape: [Int]) -> String? {
    switch kind {
    case "orthogonal" where shape.count < 2: return "needs 2 or more dimensions"
    case "identity" where shape.count != 2: return "needs a matrix (2 dimensions)"
    case "delta_orthogonal" where shape.count != 4: return "needs a convolution kernel [out, in, kh, kw]"
    case "delta_orthogonal" where shape[0] < shape[1]:
      return "needs at least as many output channels as input channels (\(shape[0]) < \(shape[1]))"
    default: return nil
    }
  }

  /// Keras's `VarianceScaling`: s = scale / max(1, fan) with fan = fan_in, fan_out or their
  /// mean; `truncated_normal` draws N(0, σ²) truncated to ±2σ with σ = √s / 0.8796…, the
  /// standard deviation of a unit normal truncated to [−2, 2], so the result has variance
  /// s; `untruncated_normal` draws N(0, s); `uniform` draws U(−√(3s), √(3s)).
  static func varianceScaling(
    _ y: UnsafeMutablePointer<Float>, shape: [Int], scale: Double, mode: String, distribution: String, stream: RandomStream
  ) {
    let count = shape.reduce(1, *)
    let fans = InitKernel.fans(shape: shape)
    let fan: Double
    switch mode {
    case "fan_out": fan = Double(fans.fanOut)
    case "fan_avg": fan = Double(fans.fanIn + fans.fanOut) / 2
    default: fan = Double(fans.fanIn)
    }
    let s = scale / max(1, fan)
    switch distribution {
    case "untruncated_normal": InitKernel.normal(y, count: count, mean: 0, std: Float(s.squareRoot()), stream: stream)
    case "uniform":
      let limit = Float((3 * s).squareRoot())
      InitKernel.uniform(y, count: count, low: -limit, high: limit, stream: stream)
    default:
      let std = s.squareRoot() / InitKernel.truncatedUnitNormalStd
      InitKernel.truncatedNormal(y, count: count, mean: 0, std: std, a: -2 * std, b: 2 * std, stream: stream)
    }
  }
}

/// A failure of a run that is not the data's fault (bad checkpoint, wrong model).
public struct TrainingError: Error, Sendable, CustomStringConvertible {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}
