/// The verifier's check of the target buffer: what the runtime writes each batch of
/// targets into, and what the loss reads.
///
/// The targets are the second argument of `@loss` and of `@train_step`. The runtime
/// writes a batch once, in the type `@loss` declares, so both must declare the same
/// type; the loss op itself checks that type against its rule (`cross_entropy` reads
/// `i32` class indices, the others floats of the output's shape). The type must also be
/// one the data of the module's task can be written as: class indices (`tensor<Nxi32>`)
/// or one 0/1 float per sample for classification, floats for regression and
/// reconstruction. An op reading `f32` is thereby never handed `i32` bits.

/// Every problem with the target arguments of `m` (empty when they are consistent).
func verifyTargets(_ m: Module) -> [VerifierError] {
  guard let loss = m.function(named: "loss"), loss.arguments.count > 1 else { return [] }
  let target = loss.arguments[1]
  var errors: [VerifierError] = []
  func fail(_ function: String, _ message: String) { errors.append(VerifierError(function: function, message: message)) }

  if let step = m.function(named: "train_step"), step.arguments.count > 1, step.arguments[1].type != target.type {
    fail("train_step", "the target %\(step.arguments[1].name) is \(step.arguments[1].type), but @loss reads its target as \(target.type)")
  }
  let type = target.type
  guard type.dims.first == .batch else {
    fail("loss", "the target %\(target.name) is \(type): a batch of targets needs the batch dimension first")
    return errors
  }
  let classIndices = type.element == .i32 && type.dims == [.batch]
  let binary = type.element == .f32 && type.elementCountPerSample == 1
  guard classIndices || type.element == .f32 else {
    fail("loss", "the target %\(target.name) is \(type): targets are class indices tensor<Nxi32> or f32 values")
    return errors
  }
  switch m.attributes["data"]?["task"]?.stringValue {
  case "classification" where !classIndices && !binary:
    fail("loss", "a classification target is tensor<Nxi32> (class indices) or one f32 0/1 per sample, found \(type)")
  case "regression", "reconstruction":
    if classIndices { fail("loss", "a \(m.attributes["data"]!["task"]!.stringValue!) target is f32 values, found \(type)") }
  default: break
  }
  return errors
}
