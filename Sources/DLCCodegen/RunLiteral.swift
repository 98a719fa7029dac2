import DLCIR
import DLCTraining

/// A `RunDescription` as Swift source: the emitted trainer's configuration is a literal,
/// so hyperparameters, the schedule and the data layout are constants in its code.
enum RunLiteral {
  /// `RunDescription(name: …, train: TrainConfig(…), data: DataConfig(…), …)`.
  static func render(_ run: RunDescription) -> String {
    """
    RunDescription(
      name: \(string(run.name)),
      train: \(train(run.train)),
      data: \(data(run.data)),
      inputShape: \(run.inputShape),
      loss: \(string(run.loss)),
      specText: specText,
      irText: "",
      base: \(run.base.map { "BaseWeights(checkpoint: \(string($0.checkpoint)), layers: \(strings($0.layers)), spec: \(string($0.spec)))" } ?? "nil"),
      lossClassWeights: \(classWeights(run.lossClassWeights)))
    """
  }

  /// `.given([2, 1])`, `.balanced` or `nil`.
  static func classWeights(_ weights: LossClassWeights?) -> String {
    switch weights {
    case .given(let w)?: return ".given([" + w.map { SwiftName.float($0) }.joined(separator: ", ") + "])"
    case .balanced?: return ".balanced"
    case nil: return "nil"
    }
  }

  static func train(_ c: TrainConfig) -> String {
    var args = [
      "seed: \(c.seed)", "task: .\(c.task.rawValue)", "classes: \(c.classes.map(String.init) ?? "nil")",
      "batchSize: \(c.batchSize)", "epochs: \(c.epochs)", "metrics: [\(c.metrics.map { ".\($0.rawValue)" }.joined(separator: ", "))]",
      "optimizer: \(optimizer(c.optimizer))", "schedule: \(schedule(c.schedule))",
    ]
    if let es = c.earlyStopping {
      args.append("earlyStopping: EarlyStopping.Config(monitor: \(string(es.monitor)), patience: \(es.patience), "
        + "minDelta: \(number(es.minDelta)), restoreBest: \(es.restoreBest))")
    }
    args.append("freeze: \(strings(c.freeze))")
    return "TrainConfig(\n    " + args.joined(separator: ",\n    ") + ")"
  }

  static func optimizer(_ o: TrainConfig.Optimizer) -> String {
    switch o {
    case .sgd(let lr, let momentum, let dampening, let nesterov, let decay):
      return ".sgd(lr: \(number(lr)), momentum: \(number(momentum)), dampening: \(number(dampening)), nesterov: \(nesterov), "
        + "weightDecay: \(number(decay)))"
    case .adam(let p), .adamw(let p):
      let kind = { if case .adam = o { return "adam" } else { return "adamw" } }()
      return ".\(kind)(.init(lr: \(number(p.lr)), beta1: \(number(p.beta1)), beta2: \(number(p.beta2)), eps: \(number(p.eps)), "
        + "amsgrad: \(p.amsgrad), weightDecay: \(number(p.weightDecay))))"
    }
  }

  static func schedule(_ k: LearningRateSchedule.Kind) -> String {
    switch k {
    case .constant(let w): return ".constant(warmupEpochs: \(w))"
    case .step(let size, let gamma, let w): return ".step(stepSize: \(size), gamma: \(number(gamma)), warmupEpochs: \(w))"
    case .cosine(let minLR, let w): return ".cosine(minLR: \(number(minLR)), warmupEpochs: \(w))"
    case .oneCycle(let p):
      return ".oneCycle(.init(maxLR: \(number(p.maxLR)), pctStart: \(number(p.pctStart)), divFactor: \(number(p.divFactor)), "
        + "finalDivFactor: \(number(p.finalDivFactor)), anneal: .\(p.anneal.rawValue)))"
    }
  }

  static func data(_ d: DataConfig) -> String {
    let source: String
    switch d.source {
    case .csv(let path, let target, let features):
      source = ".csv(path: \(string(path)), target: \(strings(target)), features: \(features.map(strings) ?? "nil"))"
    case .npy(let x, let y):
      source = ".npy(x: \(string(x)), y: \(y.map(string) ?? "nil"))"
    }
    return """
      DataConfig(
          source: \(source), task: .\(d.task.rawValue), classes: \(d.classes.map(String.init) ?? "nil"),
          features: \(d.features), split: SplitFractions(valid: \(number(d.split.valid)), test: \(number(d.split.test)), \
      stratify: \(d.split.stratify)),
          normalize: .\(d.normalize.rawValue), standardizeTargets: \(d.standardizeTargets))
      """
  }

  /// A Swift string literal: the IR's quoting (`\"`, `\\`, `\n`, `\t`, `\r`, `\u{…}`) is
  /// Swift's own.
  static func string(_ s: String) -> String { IRFormat.quote(s) }

  static func strings(_ list: [String]) -> String { "[" + list.map(string).joined(separator: ", ") + "]" }

  /// A Double literal that reads back to the same value.
  static func number(_ v: Double) -> String { v.isFinite ? "\(v)" : "0" }
}
