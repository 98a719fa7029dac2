import DLCTraining
import Testing

@Suite struct EarlyStoppingTests {
  /// The decisions for `values` at epochs 1, 2, ….
  private func decisions(_ es: inout EarlyStopping, _ values: [Double], from first: Int = 1) -> [EarlyStopping.Decision] {
    values.enumerated().map { es.update(epoch: first + $0.offset, value: $0.element) }
  }

  @Test func lossStopsAfterPatienceEpochsWithoutImprovement() throws {
    var es = try EarlyStopping(.init(monitor: "valid_loss", patience: 2))
    #expect(es.direction == .minimize)
    let d = decisions(&es, [1.0, 0.8, 0.8, 0.9, 0.7, 0.75, 0.71])
    // 0.8 does not beat 0.8 (strictly better is needed): wait 1, then 0.9: wait 2 = patience.
    #expect(Array(d.prefix(4)) == [.improved, .improved, .wait, .stop])
    #expect(es.state.bestValue == 0.8 && es.state.bestEpoch == 2 && es.state.stoppedEpoch == 4)
    // Once stopped, it stays stopped.
    #expect(d[4...].allSatisfy { $0 == .stop })
  }

  @Test func accuracyMaximizesWithMinDelta() throws {
    // breast_cancer: valid_accuracy, min_delta 0.001; patience 3 here.
    var es = try EarlyStopping(.init(monitor: "valid_accuracy", patience: 3, minDelta: 0.001))
    #expect(es.direction == .maximize)
    let d = decisions(&es, [0.90, 0.9005, 0.95, 0.9508, 0.9511, 0.94, 0.95, 0.951])
    // 0.9005 − 0.001 ≤ 0.90: wait. 0.95: improved. 0.9508: wait (0.0008 < min_delta).
    // 0.9511 − 0.001 = 0.9501 > 0.95: improved. Then 3 epochs without: stop.
    #expect(d == [.improved, .wait, .improved, .wait, .improved, .wait, .wait, .stop])
    #expect(es.state.bestValue == 0.9511 && es.state.bestEpoch == 5)
  }

  @Test func lossWithMinDelta() throws {
    var es = try EarlyStopping(.init(monitor: "valid_mae", patience: 1, minDelta: 0.1))
    // 4.95 + 0.1 ≥ 5.0: no improvement, and patience 1 is used up; 4.8 comes too late.
    #expect(decisions(&es, [5.0, 4.95, 4.8]) == [.improved, .stop, .stop])
    #expect(es.state.bestValue == 5.0 && es.state.wait == 1)
  }

  @Test func patienceZeroStopsAtTheFirstEpochWithoutImprovement() throws {
    var es = try EarlyStopping(.init(monitor: "train_loss", patience: 0))
    #expect(decisions(&es, [1, 0.5, 0.6]) == [.improved, .improved, .stop])
  }

  @Test func nanNeverImproves() throws {
    var es = try EarlyStopping(.init(monitor: "valid_loss", patience: 2))
    #expect(decisions(&es, [.nan, 1.0, .nan, .nan]) == [.wait, .improved, .wait, .stop])
    #expect(es.state.bestValue == 1.0)
  }

  @Test func resumedRunDecidesAsAnUninterruptedOne() throws {
    let config = EarlyStopping.Config(monitor: "valid_loss", patience: 3, minDelta: 0.01)
    let values = [0.9, 0.7, 0.6951, 0.65, 0.66, 0.645, 0.7, 0.8]
    var whole = try EarlyStopping(config)
    let expected = decisions(&whole, values)

    var first = try EarlyStopping(config)
    let before = decisions(&first, Array(values[..<5]))  // ends one epoch into a wait
    let text = first.serialized()
    var resumed = try EarlyStopping(config, restoring: text)
    #expect(resumed == first)
    #expect(resumed.state.wait == 1)
    let after = decisions(&resumed, Array(values[5...]), from: 6)
    #expect(before + after == expected)
    #expect(resumed.state == whole.state)
  }

  @Test func serializationIsExactAndReadable() throws {
    var es = try EarlyStopping(.init(monitor: "valid_loss", patience: 5))
    #expect(es.serialized() == #"{"monitor":"valid_loss","wait":0}"#)
    _ = es.update(epoch: 3, value: 0.1 + 0.2)  // 0.30000000000000004 must survive the round trip
    _ = es.update(epoch: 4, value: 0.5)
    #expect(es.serialized() == #"{"bestEpoch":3,"bestValue":0.30000000000000004,"monitor":"valid_loss","wait":1}"#)
    let back = try EarlyStopping(es.config, restoring: es.serialized())
    #expect(back.state.bestValue == 0.1 + 0.2)
    #expect(back == es)
  }

  @Test func infiniteBestValueRoundTrips() throws {
    var es = try EarlyStopping(.init(monitor: "valid_loss", patience: 5))
    #expect(es.update(epoch: 1, value: -.infinity) == .improved)
    let back = try EarlyStopping(es.config, restoring: es.serialized())
    #expect(back.state.bestValue == -.infinity)
  }

  @Test func restoringRejectsAnotherMonitorOrBadText() throws {
    let es = try EarlyStopping(.init(monitor: "valid_loss"))
    let other = EarlyStopping.Config(monitor: "valid_accuracy")
    let e = #expect(throws: TrainConfigError.self) { try EarlyStopping(other, restoring: es.serialized()) }
    #expect(e?.message == "the checkpoint's early stopping monitors 'valid_loss', the spec 'valid_accuracy'")
    #expect(throws: TrainConfigError.self) { try EarlyStopping(es.config, restoring: "best=1") }
  }

  @Test func monitorMustNameAMetric() {
    #expect(EarlyStopping.Config(monitor: "valid_accuracy").metric == .accuracy)
    #expect(EarlyStopping.Config(monitor: "train_rmse").metric == .rmse)
    #expect(EarlyStopping.Config(monitor: "test_loss").metric == nil)
    #expect(throws: TrainConfigError.self) { try EarlyStopping(.init(monitor: "valid_f1")) }
  }
}

extension EarlyStopping.Config {
  /// A config with the catalog's defaults for what the test leaves out (the runtime type
  /// has none: Sema writes every value).
  fileprivate init(monitor: String, patience: Int = 5, minDelta: Double = 0) {
    self.init(monitor: monitor, patience: patience, minDelta: minDelta, restoreBest: true)
  }
}
