/// `dlc latency` times any batch size: the interpreter plans a program per batch size,
/// so batches above `train.batch_size` run as one pass; a model planned for at most a
/// given batch per call (an emitted one) runs them as several calls, and says so.
import DLCDriver
import DLCRuntime
import DLCTraining
import Foundation
import Testing
import _DLCTestSupport

@Suite(.serialized) struct LatencyTests {
  @Test func batchesLargerThanTheTrainingBatchRun() throws {
    let ws = try TrainingFixture.Workspace("latency")
    defer { ws.remove() }
    try ws.copyExamples(["iris"])  // batch_size: 16
    try #require(ws.train("iris", epochs: 2).status == 0)
    let r = Driver.latency(ws.options("iris"), checkpoint: ws.checkpoint("iris", "best"), batches: "1,16,150", seconds: 0.01)
    try #require(r.status == 0, "\(r.stderr)")
    let lines = r.stdout.split(separator: "\n")
    #expect(lines.count == 3, "\(r.stdout)")
    #expect(lines.last?.hasPrefix("batch   150  median ") == true && lines.last?.contains(" calls") == false, "\(r.stdout)")

    let zero = Driver.latency(ws.options("iris"), checkpoint: ws.checkpoint("iris", "best"), batches: "0", seconds: 0.01)
    #expect(zero.status == 1 && zero.stderr.contains("--batch needs whole numbers ≥ 1"), "\(zero.stderr)")
  }

  /// With a largest call of 16, a batch of 40 is three calls (16, 16, 8) of the same model.
  @Test func aModelPlannedForSmallerBatchesRunsALargeOneInCalls() throws {
    try RepoRoot.enter()
    let ws = try TrainingFixture.Workspace("latency-calls")
    defer { ws.remove() }
    try ws.copyExamples(["iris"])
    try #require(ws.train("iris", epochs: 2).status == 0)
    let (module, diagnostics) = Driver.module(forSpecAt: ws.spec("iris"))
    let checked = try #require(module, "\(diagnostics)")
    let run = try RunDescription(module: checked, specText: "")
    let measured = try Latency.measure(run: run, checkpoint: ws.checkpoint("iris", "best"), batches: [40, 16], seconds: 0.01,
                                       largestCall: 16) { seed in InterpreterBackend(module: checked, seed: seed) }
    #expect(measured.map(\.batch) == [40, 16])
    #expect(measured.map(\.calls) == [3, 1])
    #expect(measured[0].text.hasSuffix("  in 3 calls") && !measured[1].text.contains("calls"), "\(measured[0].text)")
  }
}
