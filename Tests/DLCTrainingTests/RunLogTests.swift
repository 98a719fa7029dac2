/// The run log: one JSON line per epoch, keys in a fixed order, numbers that read back exactly.
import Foundation
import Testing
@testable import DLCTraining

@Suite struct RunLogTests {
  private let record = EpochRecord(
    epoch: 1, lr: 0.003, trainLoss: 0.1, validLoss: 1e-5, metrics: [.init("valid_accuracy", 0.9), .init("train_f1", 1)],
    seconds: 0.25, samplesPerSecond: 12345.678)

  @Test func aRecordIsOneLineInAFixedOrder() {
    #expect(record.jsonLine == #"{"epoch":1,"lr":0.003,"train_loss":0.1,"valid_loss":1e-05,"valid_accuracy":0.9,"train_f1":1.0,"seconds":0.25,"samples_per_s":12345.678}"#)
  }

  @Test func floatsReadBackToTheSameBits() throws {
    let values: [Float] = [0.1, 1 / 3, .leastNonzeroMagnitude, .greatestFiniteMagnitude, -2.5e-12, 16_777_215, 0x1.fffffep-1]
    for v in values {
      let line = EpochRecord(epoch: 1, lr: v, trainLoss: v, validLoss: nil, seconds: 0, samplesPerSecond: 0).jsonLine
      let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
      let read = try #require(object?["lr"] as? NSNumber)
      #expect(Float(read.doubleValue) == v)
    }
  }

  @Test func nonFiniteValuesAreNull() {
    let line = EpochRecord(epoch: 2, lr: 1, trainLoss: .nan, validLoss: .infinity, seconds: 1, samplesPerSecond: 1).jsonLine
    #expect(line.contains(#""train_loss":null,"valid_loss":null"#))
  }

  @Test func theLogIsWrittenLineByLineAndCanBeResumed() throws {
    let f = try DataFixture()
    let dir = RunLog.directory(name: "mlp", root: f.root + "/runs")
    let log = try RunLog(directory: dir)
    try log.append(record)
    // Readable before the log is closed: each line is written as it comes.
    #expect(try String(contentsOfFile: dir + "/log.jsonl", encoding: .utf8) == record.jsonLine + "\n")
    log.finish()
    let resumed = try RunLog(directory: dir, append: true)
    try resumed.append(record)
    resumed.finish()
    #expect(try String(contentsOfFile: dir + "/log.jsonl", encoding: .utf8).split(separator: "\n").count == 2)
    _ = try RunLog(directory: dir)
    #expect(try String(contentsOfFile: dir + "/log.jsonl", encoding: .utf8).isEmpty)
  }
}
