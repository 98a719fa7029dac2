/// Every message of the type checker, sorted by ID.
import DLCSyntax

/// Every diagnostic ID of the type checker, sorted: the module's registry (`allCases`), which
/// the error-case goldens must cover one by one.
public enum SemaDiagnosticID: String, DiagnosticID {
  case activationBeforeLogitsLoss = "sema.activationBeforeLogitsLoss"
  case baseCycle = "sema.baseCycle"
  case baseHasErrors = "sema.baseHasErrors"
  case baseInputMismatch = "sema.baseInputMismatch"
  case classesTooFew = "sema.classesTooFew"
  case cycle = "sema.cycle"
  case dataColumnNotFound = "sema.dataColumnNotFound"
  case dataFileUnreadable = "sema.dataFileUnreadable"
  case dataFormat = "sema.dataFormat"
  case duplicateLayerName = "sema.duplicateLayerName"
  case earlyStoppingNeedsValid = "sema.earlyStoppingNeedsValid"
  case featureCountMismatch = "sema.featureCountMismatch"
  case featureIsTarget = "sema.featureIsTarget"
  case frozenUnknown = "sema.frozenUnknown"
  case frozenWithoutParameters = "sema.frozenWithoutParameters"
  case initializerChannels = "sema.initializerChannels"
  case initializerShape = "sema.initializerShape"
  case inputDTypeMismatch = "sema.inputDTypeMismatch"
  case invalidMetric = "sema.invalidMetric"
  case lossTaskMismatch = "sema.lossTaskMismatch"
  case monitorUnknown = "sema.monitorUnknown"
  case nesterovNeedsMomentum = "sema.nesterovNeedsMomentum"
  case normalizeTargetNeedsRegression = "sema.normalizeTargetNeedsRegression"
  case outOfRange = "sema.outOfRange"
  case outputShapeMismatch = "sema.outputShapeMismatch"
  case passHasNothingToDo = "sema.passHasNothingToDo"
  case passNeedsFrozenLayers = "sema.passNeedsFrozenLayers"
  case passOrder = "sema.passOrder"
  case passRepeated = "sema.passRepeated"
  case probabilityTargetsNormalized = "sema.probabilityTargetsNormalized"
  case quantizeHalfNeedsFloatActivations = "sema.quantizeHalfNeedsFloatActivations"
  case reservedName = "sema.reservedName"
  case scheduleLongerThanRun = "sema.scheduleLongerThanRun"
  case shape = "sema.shape"
  case stratifyNeedsClasses = "sema.stratifyNeedsClasses"
  case targetCount = "sema.targetCount"
  case tooManyElements = "sema.tooManyElements"
  case unknownLayerRef = "sema.unknownLayerRef"
  case unsupportedOption = "sema.unsupportedOption"
  case unusedLayer = "sema.unusedLayer"
}

extension DiagnosticMessage {
  static func activationBeforeLogitsLoss(_ act: String, _ loss: String) -> Self {
    .error(SemaDiagnosticID.activationBeforeLogitsLoss, "'\(loss)' expects logits, but the model ends in '\(act)'")
  }
  static func baseCycle(_ path: String) -> Self { .error(SemaDiagnosticID.baseCycle, "base spec '\(path)' refers back to itself") }
  static func baseHasErrors(_ path: String) -> Self { .error(SemaDiagnosticID.baseHasErrors, "base spec '\(path)' has errors") }
  static func baseInputMismatch(_ base: String, _ this: String) -> Self {
    .error(SemaDiagnosticID.baseInputMismatch, "the base model takes input \(base), but this model's input is \(this)")
  }
  static func classesTooFew(_ n: Int) -> Self {
    .error(SemaDiagnosticID.classesTooFew, "the label column has \(n) class\(n == 1 ? "" : "es"); classification needs at least 2")
  }
  static func cycle(_ path: String) -> Self { .error(SemaDiagnosticID.cycle, "layers form a cycle: \(path)") }
  static func dataColumnNotFound(_ c: String) -> Self { .error(SemaDiagnosticID.dataColumnNotFound, "no column '\(c)' in the data file") }
  static func dataFileUnreadable(_ path: String, _ why: String) -> Self {
    .error(SemaDiagnosticID.dataFileUnreadable, "cannot read '\(path)': \(why)")
  }
  static func dataFormat(_ why: String) -> Self { .error(SemaDiagnosticID.dataFormat, why) }
  static func duplicateLayerName(_ n: String) -> Self { .error(SemaDiagnosticID.duplicateLayerName, "layer name '\(n)' is used twice") }
  static func earlyStoppingNeedsValid() -> Self {
    .error(SemaDiagnosticID.earlyStoppingNeedsValid, "early stopping needs a validation split")
  }
  static func featureCountMismatch(_ shape: String, _ count: Int, _ data: Int) -> Self {
    .error(SemaDiagnosticID.featureCountMismatch, "input shape \(shape) has \(count) elements, but the data has \(data) features")
  }
  static func featureIsTarget(_ c: String) -> Self {
    .error(SemaDiagnosticID.featureIsTarget, "column '\(c)' is the target; it cannot also be a feature")
  }
  static func frozenUnknown(_ n: String) -> Self { .error(SemaDiagnosticID.frozenUnknown, "cannot freeze unknown layer '\(n)'") }
  static func frozenWithoutParameters(_ n: String) -> Self {
    .warning(SemaDiagnosticID.frozenWithoutParameters, "layer '\(n)' has no parameters to freeze")
  }
  static func initializerChannels(_ parameter: String, filters: Int, channels: Int) -> Self {
    .error(SemaDiagnosticID.initializerChannels,
           "initializer 'delta_orthogonal' needs at least as many filters as input channels, but '\(parameter)' has \(filters) filters and \(channels) channels")
  }
  static func initializerShape(_ initializer: String, _ parameter: String, _ shape: String, _ need: String) -> Self {
    .error(SemaDiagnosticID.initializerShape, "initializer '\(initializer)' needs \(need), but '\(parameter)' has shape \(shape)")
  }
  static func inputDTypeMismatch(_ layer: String, _ want: String, _ got: String) -> Self {
    .error(SemaDiagnosticID.inputDTypeMismatch, "'\(layer)' needs \(want) input, but receives \(got)")
  }
  static func invalidMetric(_ m: String, _ task: String) -> Self {
    .error(SemaDiagnosticID.invalidMetric, "metric '\(m)' does not apply to \(task)")
  }
  static func lossTaskMismatch(_ loss: String, _ task: String) -> Self {
    .error(SemaDiagnosticID.lossTaskMismatch, "loss '\(loss)' does not fit a \(task) task")
  }
  static func monitorUnknown(_ m: String) -> Self { .error(SemaDiagnosticID.monitorUnknown, "cannot monitor '\(m)': it is not recorded") }
  static func nesterovNeedsMomentum() -> Self {
    .error(SemaDiagnosticID.nesterovNeedsMomentum, "Nesterov momentum needs momentum > 0 and dampening 0")
  }
  static func normalizeTargetNeedsRegression(_ task: String) -> Self {
    .error(SemaDiagnosticID.normalizeTargetNeedsRegression, "'normalize_target' applies to regression targets, not to a \(task) task")
  }
  static func outOfRange(_ name: String, _ value: String, _ bounds: String) -> Self {
    .error(SemaDiagnosticID.outOfRange, "'\(name)' must be \(bounds), found \(value)")
  }
  static func outputShapeMismatch(_ want: String, _ got: String, _ why: String) -> Self {
    .error(SemaDiagnosticID.outputShapeMismatch, "the model's output is \(got), but \(why) needs \(want)")
  }
  static func passHasNothingToDo(_ pass: String, _ why: String) -> Self {
    .warning(SemaDiagnosticID.passHasNothingToDo, "'\(pass)' has nothing to do: \(why)")
  }
  static func passNeedsFrozenLayers() -> Self {
    .error(SemaDiagnosticID.passNeedsFrozenLayers, "'precompute_frozen' needs frozen layers, and 'train.freeze' lists none")
  }
  static func passOrder(_ pass: String, _ later: String) -> Self {
    .error(SemaDiagnosticID.passOrder, "'\(pass)' must run after '\(later)': it turns weights into integers that '\(later)' cannot rewrite")
  }
  static func passRepeated(_ pass: String) -> Self { .error(SemaDiagnosticID.passRepeated, "pass '\(pass)' is listed twice") }
  static func probabilityTargetsNormalized(_ normalize: String) -> Self {
    .error(SemaDiagnosticID.probabilityTargetsNormalized,
           "'bce_with_logits' reconstructs values in [0, 1], but 'normalize: \(normalize)' maps the data outside that range")
  }
  static func quantizeHalfNeedsFloatActivations(_ act: String) -> Self {
    .error(SemaDiagnosticID.quantizeHalfNeedsFloatActivations, "fp16 weights keep activations in float, but 'activations' is '\(act)'")
  }
  static func reservedName(_ n: String) -> Self { .error(SemaDiagnosticID.reservedName, "'\(n)' is reserved for the model input") }
  static func scheduleLongerThanRun(_ what: String, _ n: Int, _ epochs: Int) -> Self {
    .error(SemaDiagnosticID.scheduleLongerThanRun, "\(what) of \(n) epochs does not fit a run of \(epochs) epochs")
  }
  static func shape(_ layer: String, _ why: String) -> Self { .error(SemaDiagnosticID.shape, "layer '\(layer)': \(why)") }
  static func stratifyNeedsClasses() -> Self {
    .error(SemaDiagnosticID.stratifyNeedsClasses, "stratified splits need class labels; this is not a classification task")
  }
  static func targetCount(_ task: String, _ want: String) -> Self {
    .error(SemaDiagnosticID.targetCount, "a \(task) task needs \(want)")
  }
  static func tooManyElements(_ what: String) -> Self {
    .error(SemaDiagnosticID.tooManyElements, "\(what) has more elements than dlc can count")
  }
  static func unknownLayerRef(_ n: String) -> Self { .error(SemaDiagnosticID.unknownLayerRef, "no layer named '\(n)'") }
  static func unsupportedOption(_ option: String, _ entry: String) -> Self {
    .error(SemaDiagnosticID.unsupportedOption, "'\(option)' of '\(entry)' is not supported")
  }
  static func unusedLayer(_ n: String) -> Self { .warning(SemaDiagnosticID.unusedLayer, "the output of layer '\(n)' is never used") }
}
