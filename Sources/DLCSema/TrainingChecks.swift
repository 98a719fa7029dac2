/// Checks between sections: loss against task and output, metrics, early stopping,
/// optimizer and schedule against the run, frozen layers.
import DLCSyntax
import DLCSpec

/// What the model's end looks like, for the loss checks.
struct ModelOutput {
  /// Per-sample output shape.
  var shape: [Int]
  /// The layer that produces the output, and the activation it ends in, if any.
  var layerName: String
  var activation: (name: String, range: SourceRange)?
}

/// The losses the checker accepts for each task: the catalog's `tasks` of each loss; the
/// output widths it accepts with them are `TrainingChecks.checkLoss`'s. Public so that a
/// test can train every accepted combination: a loss added to the catalog is trained by
/// that test before it can ship.
public enum LossRules {
  public static let lossesByTask: [Task: Set<String>] = Dictionary(uniqueKeysWithValues: Task.allCases.map { task in
    (task, Set(Catalog.losses.filter { $0.fits(task) }.map(\.name)))
  })
}

struct TrainingChecks {
  let diags: DiagnosticEngine
  let spec: Spec

  /// The loss against the task, the targets and the model's output.
  func checkLoss(task: Task, facts: DataFacts?, output: ModelOutput?, inputShape: [Int]) {
    guard let loss = spec.loss, let range = loss.nameRange ?? loss.range else { return }
    guard LossRules.lossesByTask[task]!.contains(loss.name) else {
      let help: String
      switch task {
      case .classification: help = "class labels need 'cross_entropy' (or 'bce_with_logits' for two classes)"
      case .regression: help = "regression targets need 'mse' or 'mae'"
      case .reconstruction: help = "reconstruction needs 'mse', 'mae' or 'bce_with_logits'"
      }
      var d = Diagnostic(.lossTaskMismatch(loss.name, task.rawValue), at: range).help(help)
      if let t = spec.data?.task { d = d.note("the task is set here", at: t.range) }
      diags.emit(d)
      return
    }
    if task == .reconstruction, loss.name == "bce_with_logits", let normalize = spec.data?.normalize,
       normalize.value == "standardize" {
      diags.emit(Diagnostic(.probabilityTargetsNormalized(normalize.value), at: normalize.range)
        .note("the loss is chosen here", at: range)
        .help("use 'normalize: minmax', which maps the train split into [0, 1]"))
    }
    if let act = output?.activation, ["cross_entropy", "bce_with_logits"].contains(loss.name),
       (act.name == "softmax" && loss.name == "cross_entropy") || (act.name == "sigmoid" && loss.name == "bce_with_logits")
        || (act.name == "softmax" && loss.name == "bce_with_logits") {
      let fn = loss.name == "cross_entropy" ? "log-softmax" : "the sigmoid"
      diags.emit(Diagnostic(.activationBeforeLogitsLoss(act.name, loss.name), at: act.range)
        .note("the loss is chosen here", at: range)
        .help("remove the '\(act.name)'; '\(loss.name)' applies \(fn) itself, in a numerically stable form"))
    }
    guard let output, let facts else { return }
    let width = output.shape.last ?? 1
    let shapeText = "[" + output.shape.map(String.init).joined(separator: ", ") + "]"
    switch task {
    case .classification:
      guard let classes = facts.classes else { return }
      if loss.name == "bce_with_logits" {
        if classes != 2 || output.shape != [1] {
          diags.emit(Diagnostic(.outputShapeMismatch("[1]", shapeText, "'bce_with_logits' on \(classes) classes"),
                                at: lastLayerRange(output))
            .help(classes == 2 ? "end the model with '- dense: 1'" : "use 'cross_entropy' for more than two classes"))
        }
      } else if output.shape.count != 1 || width != classes {
        diags.emit(Diagnostic(.outputShapeMismatch("[\(classes)]", shapeText, "'cross_entropy' over \(classes) classes"),
                              at: lastLayerRange(output))
          .help(output.shape.count == 1 ? "end the model with '- dense: \(classes)'" : "add '- flatten' and '- dense: \(classes)'"))
      }
      if case .list(let weights)? = loss.value("class_weights"), weights.count != classes {
        diags.emit(Diagnostic(.outOfRange("class_weights", "\(weights.count) weights", "one weight per class (\(classes))"),
                              at: loss.range(of: "class_weights")))
      }
    case .regression:
      if output.shape.count != 1 || width != facts.targets {
        diags.emit(Diagnostic(.outputShapeMismatch("[\(facts.targets)]", shapeText, "a regression on \(facts.targets) target\(facts.targets == 1 ? "" : "s")"),
                              at: lastLayerRange(output))
          .help("end the model with '- dense: \(facts.targets)'"))
      }
    case .reconstruction:
      if output.shape != inputShape {
        let want = "[" + inputShape.map(String.init).joined(separator: ", ") + "]"
        diags.emit(Diagnostic(.outputShapeMismatch(want, shapeText, "reconstructing the input"), at: lastLayerRange(output))
          .help("the output must have the input's shape"))
      }
    }
  }

  private func lastLayerRange(_ o: ModelOutput) -> SourceRange? {
    spec.model?.layers.last?.kindRange ?? spec.model?.range
  }

  /// The data section against the task: targets, stratification.
  func checkData(task: Task, facts: DataFacts?) {
    guard let data = spec.data else { return }
    if data.split.bool("stratify") == true, task != .classification {
      diags.emit(Diagnostic(.stratifyNeedsClasses(), at: data.split.range(of: "stratify")).help("remove 'stratify: true'"))
    }
    if data.normalizeTarget.value != "none", task != .regression {
      diags.emit(Diagnostic(.normalizeTargetNeedsRegression(task.rawValue), at: data.normalizeTarget.range)
        .help("remove 'normalize_target'; \(task == .reconstruction ? "the targets of reconstruction are the normalized inputs" : "class labels are not scaled")"))
    }
    checkTargetNotAFeature(data)
    guard let facts, let source = data.source else { return }
    let at: SourceRange? = {
      if case .csv(let p, let t) = source { return t.first?.range ?? p.range }
      if case .npy(let x, let y) = source { return y?.range ?? x.range }
      return nil
    }()
    switch task {
    case .classification where facts.targets != 1:
      diags.emit(Diagnostic(.targetCount("classification", "exactly one label column"), at: at)
        .help(facts.targets == 0 ? "name it with 'target: COLUMN'" : "name one 'target' column"))
    case .regression where facts.targets < 1:
      diags.emit(Diagnostic(.targetCount("regression", "at least one target column"), at: at).help("add 'target: COLUMN'"))
    case .reconstruction where facts.targets != 0:
      diags.emit(Diagnostic(.targetCount("reconstruction", "no target (the input is the target)"), at: at)
        .help("remove the target"))
    default: break
    }
    if task == .classification, let c = facts.classes, c < 2 {
      diags.emit(Diagnostic(.classesTooFew(c), at: at))
    }
  }

  /// A target column named in `features` would hand the model its own answer.
  private func checkTargetNotAFeature(_ data: DataSpec) {
    guard case .csv(_, let targets)? = data.source, let features = data.features else { return }
    for feature in features {
      guard let target = targets.first(where: { $0.value == feature.value }) else { continue }
      diags.emit(Diagnostic(.featureIsTarget(feature.value), at: feature.range, label: "the model would read its own answer")
        .note("'\(target.value)' is the target here", at: target.range)
        .help("remove '\(feature.value)' from 'features'"))
    }
  }

  /// Metrics against the task, early stopping against the split and the metrics.
  func checkMetrics(task: Task) {
    guard let train = spec.train else { return }
    for m in train.metrics where !m.entry.fits(task) {
      let fitting = Catalog.metrics.filter { $0.tasks != nil && $0.fits(task) }.map { "'\($0.name)'" }
      let list = fitting.count > 1 ? fitting.dropLast().joined(separator: ", ") + " or " + fitting.last! : fitting.joined()
      diags.emit(Diagnostic(.invalidMetric(m.name, "a \(task.rawValue) task"), at: m.range).help("use \(list)"))
    }
    guard let es = train.earlyStopping else { return }
    if (spec.data?.split.double("valid") ?? 0) <= 0 {
      diags.emit(Diagnostic(.earlyStoppingNeedsValid(), at: es.range).help("add 'split: {valid: 0.2}' to 'data'"))
      return
    }
    let monitor = es.string("monitor") ?? "valid_loss"
    let recorded = ["loss"] + train.metrics.map(\.name)
    let names = recorded.flatMap { ["valid_" + $0, "train_" + $0] }
    // A metrics list that failed was reported; what it records is unknown, so no follow-on error.
    if !names.contains(monitor), !train.metricsFailed {
      diags.emit(Diagnostic(.monitorUnknown(monitor), at: es.range(of: "monitor"))
        .help(Suggest.didYouMean(monitor, in: names) ?? "recorded: " + names.joined(separator: ", ")))
    }
  }

  /// Optimizer and schedule parameters that only make sense together or with the run.
  func checkOptimization() {
    guard let train = spec.train else { return }
    if let opt = train.optimizer, opt.name == "sgd", opt.bool("nesterov") == true,
       (opt.double("momentum") ?? 0) <= 0 || (opt.double("dampening") ?? 0) != 0 {
      diags.emit(Diagnostic(.nesterovNeedsMomentum(), at: opt.range(of: "nesterov")).help("set 'momentum: 0.9'"))
    }
    guard let epochs = train.epochs?.value else { return }
    let schedule = train.schedule
    if let warm = schedule.int("warmup_epochs"), warm >= epochs {
      diags.emit(Diagnostic(.scheduleLongerThanRun("a warm-up", warm, epochs), at: schedule.range(of: "warmup_epochs"))
        .note("epochs are set here", at: train.epochs?.range)
        .help("use fewer warm-up epochs than epochs"))
    }
    if schedule.name == "step", let step = schedule.int("step_size"), step >= epochs {
      diags.emit(Diagnostic(.scheduleLongerThanRun("a step size", step, epochs), at: schedule.range(of: "step_size"))
        .note("epochs are set here", at: train.epochs?.range)
        .help("the learning rate would never decay; use a step size below \(epochs)"))
    }
  }
}
