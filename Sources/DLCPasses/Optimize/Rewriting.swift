/// Small IR rewriting helpers shared by the optimization passes.
import DLCIR

extension Function {
  /// How often each value is read: once per operand use and once per return.
  func useCounts() -> [String: Int] {
    var counts: [String: Int] = [:]
    for op in body { for case .value(let n) in op.operands { counts[n, default: 0] += 1 } }
    for r in returns { counts[r, default: 0] += 1 }
    return counts
  }

  /// Makes every reader of `old` (ops and returns) read `new` instead.
  mutating func replaceUses(of old: String, with new: String) {
    for i in body.indices {
      body[i].operands = body[i].operands.map { $0 == .value(old) ? .value(new) : $0 }
    }
    returns = returns.map { $0 == old ? new : $0 }
  }

  /// The index of the op defining `value`.
  func definingIndex(of value: String) -> Int? {
    body.firstIndex { op in op.results.contains { $0.name == value } }
  }
}

extension Module {
  /// How many operands in all functions read parameter `name`.
  func parameterUses(_ name: String) -> Int {
    functions.reduce(0) { total, f in total + f.body.reduce(0) { $0 + $1.operands.filter { $0 == .param(name) }.count } }
  }

  /// Drops the parameters no op reads any more, and their weights.
  mutating func removeUnreadParameters(_ names: [String], weights: inout Weights?) {
    let unread = Set(names.filter { parameterUses($0) == 0 })
    parameters.removeAll { unread.contains($0.name) }
    for n in unread { weights?[n] = nil }
  }

  /// The index of `@predict` in a deployed model (no `@train_step`), which the
  /// deployment passes rewrite; `pass` names the pass in the errors, `help` says when to run it.
  func deployedPredictIndex(for pass: String, help: String) throws(PassError) -> Int {
    guard let f = functions.firstIndex(where: { $0.name == "predict" }) else {
      throw PassError("the module has no '@predict' for \(pass)")
    }
    guard function(named: "train_step") == nil else {
      throw PassError("\(pass) runs on the deployed model, but this module has '@train_step'", help: help)
    }
    return f
  }

  /// The index of parameter `name`.
  func parameterIndex(_ name: String) -> Int? { parameters.firstIndex { $0.name == name } }
}
