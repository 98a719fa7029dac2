@testable import DLCTraining
import Testing

/// A clock the test moves by hand, and a sink that keeps every write.
private final class Recorder {
  var now = 0.0
  var writes: [String] = []

  func reporter(epochs: Int = 30, interactive: Bool) -> ProgressReporter {
    ProgressReporter(epochs: epochs, interactive: interactive, clock: { self.now }, write: { self.writes.append($0) })
  }
}

@Suite struct ProgressTests {
  private let metrics = [
    MetricValue(name: "train_loss", value: 0.34214), MetricValue(name: "train_accuracy", value: 0.90118),
    MetricValue(name: "valid_loss", value: 0.361), MetricValue(name: "valid_accuracy", value: .nan),
  ]

  @Test func plainOutputIsOneLinePerEpoch() {
    let r = Recorder()
    var p = r.reporter(interactive: false)
    p.beginEpoch(3, batches: 23)
    for _ in 0..<23 {
      r.now += 0.05
      p.batchDone(samples: 64, loss: 0.3)
    }
    #expect(r.writes.isEmpty)
    r.now = 1.2  // validation took the last 0.05 s
    p.endEpoch(metrics: metrics, lr: 0.00093)
    // 23 · 64 = 1472 samples in 1.15 s of training: 1280 samples/s.
    #expect(r.writes == [
      "epoch 3/30  train_loss 0.3421  train_accuracy 0.9012  valid_loss 0.3610  valid_accuracy nan  lr 0.00093  1.2 s"
        + "  1280 samples/s\n",
    ])
  }

  @Test func terminalLineShowsBarLossRateAndETA() {
    let r = Recorder()
    var p = r.reporter(interactive: true)
    p.beginEpoch(3, batches: 23)
    for i in 0..<14 {
      r.now += 0.25
      p.batchDone(samples: 1024, loss: i < 7 ? 0.4 : 0.2)
    }
    // 14 336 samples in 3.5 s; 9 batches left at 0.25 s; loss (0.4·7 + 0.2·7) / 14.
    #expect(r.writes.last == "\repoch 3/30 [=====>    ] 14/23 batches · loss 0.3000 · 4,096 samples/s · ETA 0:02\u{1B}[K")
  }

  @Test func terminalRedrawsAtMostTenTimesASecond() {
    let r = Recorder()
    var p = r.reporter(interactive: true)
    p.beginEpoch(1, batches: 1000)
    for _ in 0..<100 {
      r.now += 0.01
      p.batchDone(samples: 8, loss: 1)
    }
    // One second of batches: the first draws at once, then one per 0.1 s.
    #expect(r.writes.count <= 11 && r.writes.count >= 9)
    #expect(r.writes.allSatisfy { $0.hasPrefix("\repoch 1/30 [") })
  }

  @Test func epochLineReplacesTheLiveLine() {
    let r = Recorder()
    var p = r.reporter(epochs: 2, interactive: true)
    p.beginEpoch(1, batches: 2)
    r.now = 0.5
    p.batchDone(samples: 10, loss: 1)
    r.now = 1.0
    p.endEpoch(metrics: [MetricValue(name: "train_loss", value: 1)], lr: 0.1)
    #expect(r.writes.last == "\repoch 1/2  train_loss 1.0000  lr 0.1  1.0 s  20 samples/s\u{1B}[K\n")
    p.line("stopped early")
    #expect(r.writes.last == "stopped early\n")
  }

  @Test func noteDuringAnEpochClearsTheLiveLine() {
    let r = Recorder()
    var p = r.reporter(interactive: true)
    p.beginEpoch(1, batches: 4)
    p.batchDone(samples: 10, loss: 1)
    #expect(r.writes == ["\repoch 1/30 [=>        ] 1/4 batches · loss 1.0000\u{1B}[K"])  // no time has passed: no rate
    p.line("note: checkpoint saved")
    #expect(r.writes.last == "\rnote: checkpoint saved\u{1B}[K\n")
  }

  @Test func bar() {
    #expect(ProgressReporter.bar(0, of: 23) == "          ")
    #expect(ProgressReporter.bar(14, of: 23) == "=====>    ")
    #expect(ProgressReporter.bar(22, of: 23) == "========> ")
    #expect(ProgressReporter.bar(23, of: 23) == "==========")
    #expect(ProgressReporter.bar(1, of: 1, width: 3) == "===")
  }

  @Test func numberFormats() {
    #expect(ProgressReporter.grouped(51234) == "51,234")
    #expect(ProgressReporter.grouped(999) == "999")
    #expect(ProgressReporter.grouped(1_234_567) == "1,234,567")
    #expect(ProgressReporter.clockTime(2.4) == "0:02")
    #expect(ProgressReporter.clockTime(125) == "2:05")
    #expect(ProgressReporter.clockTime(3725) == "1:02:05")
    #expect(ProgressReporter.rate(0.00093) == "0.00093")
    #expect(ProgressReporter.rate(1e-5) == "1e-05")
    #expect(ProgressReporter.rate(0.001) == "0.001")
    #expect(ProgressReporter.metric(0.34214) == "0.3421")
    #expect(ProgressReporter.metric(.nan) == "nan")
    #expect(ProgressReporter.metric(12.5) == "12.5000")
  }

  @Test func terminalDetection() {
    // An invalid descriptor is not a terminal (a real terminal cannot be assumed in tests).
    #expect(!ProgressReporter.isTerminal(-1))
  }
}
