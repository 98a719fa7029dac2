import DLCTraining
import Testing

/// Whether `a` and `b` agree to a relative `tolerance` (so an expected 0 must be exact).
func relativelyClose(_ a: Double, _ b: Double, _ tolerance: Double = 1e-12) -> Bool {
  abs(a - b) <= tolerance * max(abs(a), abs(b))
}

/// Reference values are the PyTorch formulas evaluated by hand (in double precision) for
/// the same parameters; the comments give each computation.
@Suite struct ScheduleTests {
  private func schedule(_ kind: LearningRateSchedule.Kind, lr: Double, steps: Int, epochs: Int) throws -> LearningRateSchedule {
    try LearningRateSchedule(kind, baseLR: lr, stepsPerEpoch: steps, epochs: epochs)
  }

  @Test func aRunWhoseStepsDoNotFitInAnIntIsRefused() {
    // Epochs × steps per epoch overflowed (a trap) when the schedule counted its steps.
    #expect(throws: TrainConfigError.self) {
      try schedule(.constant(warmupEpochs: 0), lr: 0.1, steps: Int.max / 2, epochs: 3)
    }
    #expect((try? schedule(.constant(warmupEpochs: 0), lr: 0.1, steps: Int.max / 4, epochs: 3))?.totalSteps == Int.max / 4 * 3)
  }

  @Test func warmupStartsAtOneStepAndReachesTheLearningRate() throws {
    // W = 1 epoch × 4 steps: lr·(step+1)/4, then lr.
    let s = try schedule(.constant(warmupEpochs: 1), lr: 0.001, steps: 4, epochs: 3)
    #expect(s.warmupSteps == 4 && s.totalSteps == 12)
    let expected = [0.00025, 0.0005, 0.00075, 0.001, 0.001, 0.001]
    for (step, lr) in expected.enumerated() { #expect(relativelyClose(s.lr(step: step), lr), "step \(step)") }
    #expect(s.lr(step: 11) == 0.001)
  }

  @Test func stepDecaysEveryStepSizeEpochs() throws {
    // wine: sgd lr 0.05, step_size 25, gamma 0.5, 80 epochs; 3 steps per epoch.
    let s = try schedule(.step(stepSize: 25, gamma: 0.5, warmupEpochs: 0), lr: 0.05, steps: 3, epochs: 80)
    #expect(s.lr(step: 0) == 0.05)
    #expect(s.lr(step: 74) == 0.05)      // epoch 24
    #expect(s.lr(step: 75) == 0.025)     // epoch 25: 0.05 · 0.5¹
    #expect(s.lr(step: 150) == 0.0125)   // epoch 50: 0.05 · 0.5²
    #expect(s.lr(step: 239) == 0.00625)  // epoch 79: 0.05 · 0.5³
  }

  @Test func stepWithWarmupMultipliesBothFactors() throws {
    // W = 2 steps; epoch = ⌊step / 2⌋; step_size 1, gamma 0.1.
    let s = try schedule(.step(stepSize: 1, gamma: 0.1, warmupEpochs: 1), lr: 1, steps: 2, epochs: 3)
    #expect(relativelyClose(s.lr(step: 0), 0.5))   // (0+1)/2 · 0.1⁰
    #expect(relativelyClose(s.lr(step: 1), 1))     // (1+1)/2 · 0.1⁰
    #expect(relativelyClose(s.lr(step: 2), 0.1))   // epoch 1
    #expect(relativelyClose(s.lr(step: 5), 0.01))  // epoch 2
  }

  @Test func cosineAfterWarmupEndsAtMinLR() throws {
    // digits_mlp: lr 0.001, min_lr 0, warm-up 2 epochs, 30 epochs, 10 steps per epoch:
    // W = 20, T = 300 − 20 − 1 = 279.
    let s = try schedule(.cosine(minLR: 0, warmupEpochs: 2), lr: 0.001, steps: 10, epochs: 30)
    #expect(relativelyClose(s.lr(step: 0), 0.00005))  // 0.001 · 1/20
    #expect(relativelyClose(s.lr(step: 19), 0.001))   // end of warm-up
    #expect(s.lr(step: 20) == 0.001)        // t = 0
    // 0.001 · (1 + cos(π · 80/279)) / 2
    #expect(relativelyClose(s.lr(step: 100), 0.0008104856369019524))
    #expect(s.lr(step: 299) == 0)
  }

  @Test func cosineLastStepEqualsANonZeroMinLR() throws {
    // residual_mlp: lr 0.001, min_lr 1e-5, warm-up 3, 50 epochs, 10 steps: T = 469.
    let s = try schedule(.cosine(minLR: 1e-5, warmupEpochs: 3), lr: 0.001, steps: 10, epochs: 50)
    // 1e-5 + (0.001 − 1e-5)(1 + cos(π · 100/469)) / 2
    #expect(relativelyClose(s.lr(step: 130), 0.0008930380805058201))
    #expect(s.lr(step: 499) == 1e-5)
  }

  @Test func oneStepPerEpoch() throws {
    // 5 epochs of 1 step, warm-up 1: step 0 is warm-up (1/1), then T = 3.
    let s = try schedule(.cosine(minLR: 0, warmupEpochs: 1), lr: 0.1, steps: 1, epochs: 5)
    let expected = [0.1, 0.1, 0.075, 0.025, 0]  // 0.1 · (1 + cos(π t/3)) / 2, t = 0…3
    for (step, lr) in expected.enumerated() { #expect(relativelyClose(s.lr(step: step), lr, 1e-15), "step \(step)") }
  }

  @Test func cosineWithOneStepAfterWarmupRunsAtTheLearningRate() throws {
    let s = try schedule(.cosine(minLR: 0, warmupEpochs: 0), lr: 0.1, steps: 1, epochs: 1)
    #expect(s.lr(step: 0) == 0.1)
  }

  @Test func oneCycleCosMatchesPyTorch() throws {
    // diabetes_regression: max_lr 0.05, pct_start 0.3, div 25, final_div 1e4, 100 epochs
    // × 10 steps: initial 0.002, min 2e-7, phase ends at 299 and 999.
    let p = LearningRateSchedule.OneCycle(maxLR: 0.05)
    let s = try schedule(.oneCycle(p), lr: 0.01, steps: 10, epochs: 100)
    #expect(relativelyClose(s.lr(step: 0), 0.002))                   // initial = max_lr / div_factor
    #expect(relativelyClose(s.lr(step: 150), 0.026126083406127345))  // 0.05 + (0.002 − 0.05)/2 · (cos(π·150/299) + 1)
    #expect(relativelyClose(s.lr(step: 299), 0.05))                  // the peak
    #expect(relativelyClose(s.lr(step: 300), 0.04999974822580724))   // pct = 1/700 of phase 2
    #expect(relativelyClose(s.lr(step: 650), 0.024887901087824307))  // pct = 351/700
    #expect(relativelyClose(s.lr(step: 999), 2e-7))                  // min = initial / final_div_factor
  }

  @Test func oneCycleLinear() throws {
    let p = LearningRateSchedule.OneCycle(maxLR: 0.05, anneal: .linear)
    let s = try schedule(.oneCycle(p), lr: 0.01, steps: 10, epochs: 100)
    #expect(relativelyClose(s.lr(step: 0), 0.002))
    #expect(relativelyClose(s.lr(step: 150), 0.02608026755852843))   // 0.002 + 0.048 · 150/299
    #expect(relativelyClose(s.lr(step: 299), 0.05))
    #expect(relativelyClose(s.lr(step: 650), 0.024928671714285713))  // 0.05 − (0.05 − 2e-7) · 351/700
    #expect(relativelyClose(s.lr(step: 999), 2e-7, 1e-9))
  }

  @Test func oneCycleWithAFractionalPhaseEnd() throws {
    // 21 steps: phase 1 ends at 0.3 · 21 − 1 = 5.3, between steps 5 and 6.
    let s = try schedule(.oneCycle(.init(maxLR: 0.05)), lr: 0.01, steps: 3, epochs: 7)
    #expect(relativelyClose(s.lr(step: 5), 0.04962153387074233))  // phase 1, pct = 5/5.3
    #expect(relativelyClose(s.lr(step: 6), 0.049720771772545594)) // phase 2, pct = 0.7/14.7
    #expect(relativelyClose(s.lr(step: 20), 2e-7))
  }

  @Test func oneCycleOfOneStepIsAtTheEnd() throws {
    // Phase 1 ends at −0.7, so step 0 is the last of phase 2: pct = 0.7/0.7.
    let s = try schedule(.oneCycle(.init(maxLR: 0.05)), lr: 0.01, steps: 1, epochs: 1)
    #expect(relativelyClose(s.lr(step: 0), 2e-7))
  }

  @Test func stepsPastTheRunKeepTheLastRate() throws {
    let s = try schedule(.cosine(minLR: 0.01, warmupEpochs: 0), lr: 0.1, steps: 2, epochs: 2)
    #expect(s.lr(step: 3) == 0.01)
    #expect(s.lr(step: 10) == 0.01)
  }

  @Test func warmupAsLongAsTheRunIsRejected() {
    #expect(throws: TrainConfigError.self) {
      try schedule(.cosine(minLR: 0, warmupEpochs: 3), lr: 0.1, steps: 4, epochs: 3)
    }
    #expect(throws: TrainConfigError.self) {
      try schedule(.constant(warmupEpochs: 0), lr: 0.1, steps: 0, epochs: 3)
    }
  }
}

extension LearningRateSchedule.OneCycle {
  /// One-cycle with the catalog's defaults for what the test leaves out (the runtime type
  /// has none: Sema writes every value).
  fileprivate init(maxLR: Double, anneal: Anneal = .cos) {
    self.init(maxLR: maxLR, pctStart: 0.3, divFactor: 25, finalDivFactor: 1e4, anneal: anneal)
  }
}
