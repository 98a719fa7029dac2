/// Every message of the type checker, sorted by ID.
import DLCSyntax

extension DiagnosticMessage {
  static func activationBeforeLogitsLoss(_ act: String, _ loss: String) -> Self {
    .error("sema.activationBeforeLogitsLoss", "'\(loss)' expects logits, but the model ends in '\(act)'")
  }
  static func baseCycle(_ path: String) -> Self { .error("sema.baseCycle", "base spec '\(path)' refers back to itself") }
  static func baseHasErrors(_ path: String) -> Self { .error("sema.baseHasErrors", "base spec '\(path)' has errors") }
  static func baseInputMismatch(_ base: String, _ this: String) -> Self {
    .error("sema.baseInputMismatch", "the base model takes input \(base), but this model's input is \(this)")
  }
  static func classesTooFew(_ n: Int) -> Self {
    .error("sema.classesTooFew", "the label column has \(n) class\(n == 1 ? "" : "es"); classification needs at least 2")
  }
  static func cycle(_ path: String) -> Self { .error("sema.cycle", "layers form a cycle: \(path)") }
  static func dataColumnNotFound(_ c: String) -> Self { .error("sema.dataColumnNotFound", "no column '\(c)' in the data file") }
  static func dataFileUnreadable(_ path: String, _ why: String) -> Self {
    .error("sema.dataFileUnreadable", "cannot read '\(path)': \(why)")
  }
  static func dataFormat(_ why: String) -> Self { .error("sema.dataFormat", why) }
  static func duplicateLayerName(_ n: String) -> Self { .error("sema.duplicateLayerName", "layer name '\(n)' is used twice") }
  static func earlyStoppingNeedsValid() -> Self {
    .error("sema.earlyStoppingNeedsValid", "early stopping needs a validation split")
  }
  static func featureCountMismatch(_ shape: String, _ count: Int, _ data: Int) -> Self {
    .error("sema.featureCountMismatch", "input shape \(shape) has \(count) elements, but the data has \(data) features")
  }
  static func featureIsTarget(_ c: String) -> Self {
    .error("sema.featureIsTarget", "column '\(c)' is the target; it cannot also be a feature")
  }
  static func frozenUnknown(_ n: String) -> Self { .error("sema.frozenUnknown", "cannot freeze unknown layer '\(n)'") }
  static func frozenWithoutParameters(_ n: String) -> Self {
    .warning("sema.frozenWithoutParameters", "layer '\(n)' has no parameters to freeze")
  }
  static func inputDTypeMismatch(_ layer: String, _ want: String, _ got: String) -> Self {
    .error("sema.inputDTypeMismatch", "'\(layer)' needs \(want) input, but receives \(got)")
  }
  static func invalidMetric(_ m: String, _ task: String) -> Self {
    .error("sema.invalidMetric", "metric '\(m)' does not apply to \(task)")
  }
  static func lossTaskMismatch(_ loss: String, _ task: String) -> Self {
    .error("sema.lossTaskMismatch", "loss '\(loss)' does not fit a \(task) task")
  }
  static func monitorUnknown(_ m: String) -> Self { .error("sema.monitorUnknown", "cannot monitor '\(m)': it is not recorded") }
  static func nesterovNeedsMomentum() -> Self {
    .error("sema.nesterovNeedsMomentum", "Nesterov momentum needs momentum > 0 and dampening 0")
  }
  static func normalizeTargetNeedsRegression(_ task: String) -> Self {
    .error("sema.normalizeTargetNeedsRegression", "'normalize_target' applies to regression targets, not to a \(task) task")
  }
  static func outOfRange(_ name: String, _ value: String, _ bounds: String) -> Self {
    .error("sema.outOfRange", "'\(name)' must be \(bounds), found \(value)")
  }
  static func outputShapeMismatch(_ want: String, _ got: String, _ why: String) -> Self {
    .error("sema.outputShapeMismatch", "the model's output is \(got), but \(why) needs \(want)")
  }
  static func passHasNothingToDo(_ pass: String, _ why: String) -> Self {
    .warning("sema.passHasNothingToDo", "'\(pass)' has nothing to do: \(why)")
  }
  static func passNeedsFrozenLayers() -> Self {
    .error("sema.passNeedsFrozenLayers", "'precompute_frozen' needs frozen layers, and 'train.freeze' lists none")
  }
  static func passOrder(_ pass: String, _ later: String) -> Self {
    .error("sema.passOrder", "'\(pass)' must run after '\(later)': it turns weights into integers that '\(later)' cannot rewrite")
  }
  static func passRepeated(_ pass: String) -> Self { .error("sema.passRepeated", "pass '\(pass)' is listed twice") }
  static func probabilityTargetsNormalized(_ normalize: String) -> Self {
    .error("sema.probabilityTargetsNormalized",
           "'bce_with_logits' reconstructs values in [0, 1], but 'normalize: \(normalize)' maps the data outside that range")
  }
  static func quantizeHalfNeedsFloatActivations(_ act: String) -> Self {
    .error("sema.quantizeHalfNeedsFloatActivations", "fp16 weights keep activations in float, but 'activations' is '\(act)'")
  }
  static func reservedName(_ n: String) -> Self { .error("sema.reservedName", "'\(n)' is reserved for the model input") }
  static func scheduleLongerThanRun(_ what: String, _ n: Int, _ epochs: Int) -> Self {
    .error("sema.scheduleLongerThanRun", "\(what) of \(n) epochs does not fit a run of \(epochs) epochs")
  }
  static func shape(_ layer: String, _ why: String) -> Self { .error("sema.shape", "layer '\(layer)': \(why)") }
  static func stratifyNeedsClasses() -> Self {
    .error("sema.stratifyNeedsClasses", "stratified splits need class labels; this is not a classification task")
  }
  static func targetCount(_ task: String, _ want: String) -> Self {
    .error("sema.targetCount", "a \(task) task needs \(want)")
  }
  static func tooManyElements(_ what: String) -> Self {
    .error("sema.tooManyElements", "\(what) has more elements than dlc can count")
  }
  static func unknownLayerRef(_ n: String) -> Self { .error("sema.unknownLayerRef", "no layer named '\(n)'") }
  static func unusedLayer(_ n: String) -> Self { .warning("sema.unusedLayer", "the output of layer '\(n)' is never used") }
}
