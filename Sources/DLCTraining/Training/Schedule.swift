/// Learning-rate schedules, evaluated per optimizer step.
///
/// In: a schedule kind with its parameters in epochs (`train.schedule`), the optimizer's
/// lr, the steps per epoch and the epoch count. Out: `lr(step:)` for every 0-based step
/// `0 ..< stepsPerEpoch × epochs`, passed to `@train_step` as `%lr`. The formulas are the
/// ones the PyTorch documentation gives for `torch.optim.lr_scheduler`, stepped after every
/// batch, so a PyTorch run with the equivalent schedulers sees the same rates.
import Foundation

/// The learning rate of each optimizer step of one run.
///
/// Warm-up (`constant`, `step`, `cosine`): for the first `W = warmup_epochs · stepsPerEpoch`
/// steps, lr · (step + 1) / W, so step 0 runs at lr / W (not at 0) and step W − 1 at lr.
/// That is PyTorch's `LinearLR(start_factor=1/W, end_factor=1, total_iters=W−1)`.
public struct LearningRateSchedule: Sendable, Hashable {
  /// A schedule and its parameters, as the catalog defines them (units: epochs).
  public enum Kind: Sendable, Hashable {
    /// The optimizer's lr throughout (after warm-up).
    case constant(warmupEpochs: Int)
    /// lr · gamma^⌊epoch / stepSize⌋, the epoch counted from the start of the run.
    case step(stepSize: Int, gamma: Double, warmupEpochs: Int)
    /// Cosine annealing from lr to minLR over the steps after warm-up.
    case cosine(minLR: Double, warmupEpochs: Int)
    /// The one-cycle policy; replaces the optimizer's lr.
    case oneCycle(OneCycle)

    /// The catalog name.
    public var name: String {
      switch self {
      case .constant: return "constant"
      case .step: return "step"
      case .cosine: return "cosine"
      case .oneCycle: return "one_cycle"
      }
    }

    /// Epochs of linear warm-up (one_cycle has its own rising phase, so 0).
    public var warmupEpochs: Int {
      switch self {
      case .constant(let w), .step(_, _, let w), .cosine(_, let w): return w
      case .oneCycle: return 0
      }
    }
  }

  /// The parameters of `torch.optim.lr_scheduler.OneCycleLR` that the catalog exposes.
  ///
  /// dlc runs it with `three_phase=False` and `cycle_momentum=False`: PyTorch by default
  /// also cycles SGD's momentum or Adam's beta1 inversely to the lr; dlc keeps the
  /// optimizer's momentum and betas fixed, so compare against `cycle_momentum=False`.
  public struct OneCycle: Sendable, Hashable, Codable {
    /// How the rate moves within a phase.
    public enum Anneal: String, Sendable, Hashable, Codable { case cos, linear }

    public var maxLR: Double
    public var pctStart: Double
    public var divFactor: Double
    public var finalDivFactor: Double
    public var anneal: Anneal

    enum CodingKeys: String, CodingKey {
      case maxLR = "max_lr", pctStart = "pct_start", divFactor = "div_factor", finalDivFactor = "final_div_factor", anneal
    }

    public init(maxLR: Double, pctStart: Double, divFactor: Double, finalDivFactor: Double, anneal: Anneal) {
      self.maxLR = maxLR
      self.pctStart = pctStart
      self.divFactor = divFactor
      self.finalDivFactor = finalDivFactor
      self.anneal = anneal
    }
  }

  public let kind: Kind
  /// The optimizer's lr (η_max of cosine; unused by one_cycle).
  public let baseLR: Double
  public let stepsPerEpoch: Int
  public let epochs: Int

  /// `stepsPerEpoch × epochs` (checked when the schedule is made).
  public let totalSteps: Int
  /// `warmupEpochs × stepsPerEpoch` (smaller than `totalSteps`).
  public var warmupSteps: Int { kind.warmupEpochs * stepsPerEpoch }

  /// A schedule over `epochs` epochs of `stepsPerEpoch` steps; the warm-up must be shorter
  /// than the run (Sema checks the spec; this guards an epochs override).
  public init(_ kind: Kind, baseLR: Double, stepsPerEpoch: Int, epochs: Int) throws(TrainConfigError) {
    guard stepsPerEpoch >= 1 else { throw .invalid("steps per epoch", "\(stepsPerEpoch)", "at least 1") }
    guard epochs >= 1 else { throw .invalid("epochs", "\(epochs)", "at least 1") }
    if kind.warmupEpochs >= epochs {
      throw .warmupTooLong(kind.warmupEpochs, epochs: epochs)
    }
    let (total, overflow) = stepsPerEpoch.multipliedReportingOverflow(by: epochs)
    guard !overflow else {
      throw .invalid("epochs", "\(epochs)", "at most \(Int.max / stepsPerEpoch) for \(stepsPerEpoch) steps per epoch")
    }
    totalSteps = total
    self.kind = kind
    self.baseLR = baseLR
    self.stepsPerEpoch = stepsPerEpoch
    self.epochs = epochs
  }

  /// The schedule of `config` for a train split of `stepsPerEpoch` batches.
  public init(config: TrainConfig, stepsPerEpoch: Int) throws(TrainConfigError) {
    try self.init(config.schedule, baseLR: config.optimizer.lr, stepsPerEpoch: stepsPerEpoch, epochs: config.epochs)
  }

  /// The learning rate of 0-based optimizer step `step`; steps past the run keep the last
  /// step's rate.
  public func lr(step: Int) -> Double {
    precondition(step >= 0, "negative optimizer step \(step)")
    let s = min(step, totalSteps - 1)
    switch kind {
    case .constant:
      return baseLR * warmupFactor(s)
    case .step(let stepSize, let gamma, _):
      // StepLR: lr · gamma^⌊epoch / step_size⌋, epoch = ⌊step / stepsPerEpoch⌋.
      let epoch = s / stepsPerEpoch
      return baseLR * warmupFactor(s) * pow(gamma, Double(epoch / stepSize))
    case .cosine(let minLR, _):
      if s < warmupSteps { return baseLR * warmupFactor(s) }
      return Self.cosine(t: s - warmupSteps, last: totalSteps - warmupSteps - 1, max: baseLR, min: minLR)
    case .oneCycle(let p):
      return Self.oneCycle(p, step: s, totalSteps: totalSteps)
    }
  }

  /// (step + 1) / W during the warm-up, 1 after it.
  private func warmupFactor(_ step: Int) -> Double {
    step < warmupSteps ? Double(step + 1) / Double(warmupSteps) : 1
  }

  /// CosineAnnealingLR's closed form, η_min + (η_max − η_min)(1 + cos(π t / T)) / 2
  /// (Loshchilov & Hutter 2017, eq. 5; PyTorch docs), with T = `last` so that the last step
  /// of the run is exactly η_min (`T_max` = steps after warm-up − 1). A single step after
  /// warm-up (T = 0) runs at η_max.
  static func cosine(t: Int, last T: Int, max: Double, min: Double) -> Double {
    guard T > 0 else { return max }
    return min + (max - min) * (1 + cos(Double.pi * Double(t) / Double(T))) / 2
  }

  /// `OneCycleLR.get_lr` with `three_phase=False`: initial = max_lr / div_factor, final =
  /// initial / final_div_factor; phase 1 rises from initial to max_lr until step
  /// pct_start · total − 1, phase 2 falls to final until step total − 1 (PyTorch's
  /// `torch/optim/lr_scheduler.py`). A phase of zero length counts as finished.
  static func oneCycle(_ p: OneCycle, step: Int, totalSteps: Int) -> Double {
    let initial = p.maxLR / p.divFactor
    let final = initial / p.finalDivFactor
    let phases: [(end: Double, from: Double, to: Double)] = [
      (p.pctStart * Double(totalSteps) - 1, initial, p.maxLR),
      (Double(totalSteps - 1), p.maxLR, final),
    ]
    let x = Double(step)
    var start = 0.0
    for (i, phase) in phases.enumerated() {
      if x <= phase.end || i == phases.count - 1 {
        let span = phase.end - start
        let pct = span > 0 ? (x - start) / span : 1
        return anneal(p.anneal, from: phase.from, to: phase.to, pct: pct)
      }
      start = phase.end
    }
    return final
  }

  /// `_annealing_cos`: end + (start − end)/2 · (cos(π·pct) + 1);
  /// `_annealing_linear`: (end − start)·pct + start.
  static func anneal(_ shape: OneCycle.Anneal, from start: Double, to end: Double, pct: Double) -> Double {
    switch shape {
    case .cos: return end + (start - end) / 2 * (cos(Double.pi * pct) + 1)
    case .linear: return (end - start) * pct + start
    }
  }
}


extension LearningRateSchedule.Kind: Codable {
  private enum Keys: String, CodingKey {
    case kind, warmupEpochs = "warmup_epochs", stepSize = "step_size", gamma, minLR = "min_lr"
  }

  /// Reads `{kind = "cosine", min_lr = 0.0, warmup_epochs = 2}`: the catalog entry's
  /// parameters, every one given.
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: Keys.self)
    let path = configPath(decoder.codingPath)
    func name(_ key: Keys) -> String { configPath(decoder.codingPath, appending: key) }
    let kind = try c.decode(String.self, forKey: .kind)
    func warmup() throws -> Int {
      let w = try c.decode(Int.self, forKey: .warmupEpochs)
      guard w >= 0 else { throw TrainConfigError.invalid(name(.warmupEpochs), "\(w)", "an integer ≥ 0") }
      return w
    }
    switch kind {
    case "constant":
      self = .constant(warmupEpochs: try warmup())
    case "step":
      let size = try c.decode(Int.self, forKey: .stepSize)
      guard size >= 1 else { throw TrainConfigError.invalid(name(.stepSize), "\(size)", "an integer ≥ 1") }
      self = .step(stepSize: size, gamma: try c.decode(Double.self, forKey: .gamma), warmupEpochs: try warmup())
    case "cosine":
      self = .cosine(minLR: try c.decode(Double.self, forKey: .minLR), warmupEpochs: try warmup())
    case "one_cycle":
      self = .oneCycle(try OneCycleCoding.decode(decoder))
    default:
      throw TrainConfigError.unknown("schedule", kind, in: path.isEmpty ? "kind" : path + ".kind")
    }
  }

  /// Writes what `init(from:)` reads.
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: Keys.self)
    try c.encode(name, forKey: .kind)
    switch self {
    case .constant(let w):
      try c.encode(w, forKey: .warmupEpochs)
    case .step(let size, let gamma, let w):
      try c.encode(size, forKey: .stepSize)
      try c.encode(gamma, forKey: .gamma)
      try c.encode(w, forKey: .warmupEpochs)
    case .cosine(let minLR, let w):
      try c.encode(minLR, forKey: .minLR)
      try c.encode(w, forKey: .warmupEpochs)
    case .oneCycle(let p):
      try p.encode(to: encoder)
    }
  }
}

/// `one_cycle`'s parameters beside the `kind` key, with a known annealing shape.
private enum OneCycleCoding {
  static func decode(_ decoder: any Decoder) throws -> LearningRateSchedule.OneCycle {
    typealias Keys = LearningRateSchedule.OneCycle.CodingKeys
    let c = try decoder.container(keyedBy: Keys.self)
    let shape = try c.decode(String.self, forKey: .anneal)
    guard let anneal = LearningRateSchedule.OneCycle.Anneal(rawValue: shape) else {
      throw TrainConfigError.unknown("annealing shape", shape, in: configPath(decoder.codingPath, appending: Keys.anneal))
    }
    return .init(maxLR: try c.decode(Double.self, forKey: .maxLR), pctStart: try c.decode(Double.self, forKey: .pctStart),
                 divFactor: try c.decode(Double.self, forKey: .divFactor),
                 finalDivFactor: try c.decode(Double.self, forKey: .finalDivFactor), anneal: anneal)
  }
}
