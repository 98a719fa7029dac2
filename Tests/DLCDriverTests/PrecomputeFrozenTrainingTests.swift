/// `precompute_frozen` in `dlc train`, on the transfer example: the head trains on cached
/// codes to the same weights as without the pass, and the disk cache is reused when
/// valid and recomputed when not.
import DLCDriver
import DLCTraining
import Foundation
import Testing
import _DLCTestSupport

@Suite(.serialized) struct PrecomputeFrozenTrainingTests {
  /// digits_transfer with its base trained for 2 epochs, and a copy without the pass.
  func workspace(cache: String = "memory") throws -> TrainingFixture.Workspace {
    let ws = try TrainingFixture.Workspace("precompute")
    try ws.copyExamples(["digits_autoencoder", "digits_transfer"]) {
      $0.replacingOccurrences(of: "optimize: [precompute_frozen]", with: "optimize: [{precompute_frozen: {cache: \(cache)}}]")
    }
    let plain = try String(contentsOfFile: ws.spec("digits_transfer"), encoding: .utf8)
      .replacingOccurrences(of: "optimize: [{precompute_frozen: {cache: \(cache)}}]", with: "")
      .replacingOccurrences(of: "name: digits_transfer\n", with: "name: digits_transfer_plain\n")
    try ws.writeSpec("digits_transfer_plain", plain)
    try #require(ws.train("digits_autoencoder", epochs: 2).status == 0)
    return ws
  }

  /// Every tensor of two checkpoints: frozen ones bit for bit, trained ones to within
  /// `relative` of their largest magnitude (0: bit for bit).
  func compare(_ a: String, _ b: String, relative: Float) throws {
    let x = try Checkpoint(contentsOf: a), y = try Checkpoint(contentsOf: b)
    #expect(Set(x.tensors.keys) == Set(y.tensors.keys))
    for (name, t) in x.tensors {
      let u = try #require(y.tensors[name]?.floats()), v = try #require(t.floats())
      if name.hasPrefix("enc1.") || name.hasPrefix("code.") || name.hasPrefix("preprocess.") || relative == 0 {
        #expect(u == v, "'\(name)' differs")
        continue
      }
      let scale = v.map(abs).max() ?? 1
      let worst = zip(u, v).map { abs($0 - $1) }.max() ?? 0
      #expect(worst <= relative * max(scale, 1e-6), "'\(name)': \(worst) against \(scale)")
    }
  }

  /// With and without the pass, from one seed. Not bit for bit: OpenBLAS's SGEMM rounds a
  /// row differently depending on its place in the batch (Haswell kernel: every sixth row
  /// and the tail), so without the pass a sample's frozen code changes in its last bits
  /// from epoch to epoch as shuffling moves it, while the pass computes it once. The
  /// weights differ by a few ulp (measured 4e-7 relative after 25 epochs). With the
  /// SkylakeX kernels the benchmark uses, the two runs come out bit-identical.
  @Test func theHeadTrainsToTheSameWeights() throws {
    let ws = try workspace()
    defer { ws.remove() }
    let with = ws.train("digits_transfer", epochs: 4)
    try #require(with.status == 0, "\(with.stderr)")
    let without = ws.train("digits_transfer_plain", epochs: 4)
    try #require(without.status == 0, "\(without.stderr)")
    try compare(ws.checkpoint("digits_transfer", "last"), ws.checkpoint("digits_transfer_plain", "last"), relative: 1e-5)
    // Evaluation runs the whole model from the checkpoint, frozen layers included.
    let eval = Driver.eval(ws.options("digits_transfer"), checkpoint: ws.checkpoint("digits_transfer", "last"), split: "test", json: true)
    #expect(eval.status == 0, "\(eval.stderr)")
  }

  @Test func theDiskCacheIsReusedAndACorruptOneRecomputed() throws {
    let ws = try workspace(cache: "disk")
    defer { ws.remove() }
    var lines = ""
    func train() throws {
      lines = ""
      let r = Driver.train(TrainOptions(spec: ws.options("digits_transfer"), epochs: 2, outputDirectory: ws.runs, overwrite: true)) { lines += $0 }
      try #require(r.status == 0, "\(r.stderr)")
    }
    try train()  // the cache folder is <runs>/cache: runs into one folder share it
    #expect(lines.contains("; cached in "), "\(lines)")
    let cacheFolder = ws.runs + "/cache"
    let files = try FileManager.default.contentsOfDirectory(atPath: cacheFolder)
    try #require(files.count == 1 && files[0].hasSuffix(".bin"), "\(files)")
    let first = ws.checkpoint("digits_transfer", "last")
    let firstBytes = try Data(contentsOf: URL(fileURLWithPath: first))

    try train()
    #expect(lines.contains("; read from "), "\(lines)")
    #expect(try Data(contentsOf: URL(fileURLWithPath: first)) == firstBytes, "a cached run trains the same")

    // Flip a byte of the payload: the file is refused, recomputed and rewritten.
    let file = cacheFolder + "/" + files[0]
    var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
    bytes[bytes.count - 3] ^= 1
    try Data(bytes).write(to: URL(fileURLWithPath: file))
    try train()
    #expect(lines.contains("was not usable (its contents do not match their checksum); recomputed"), "\(lines)")
    #expect(try Data(contentsOf: URL(fileURLWithPath: first)) == firstBytes)
    try train()
    #expect(lines.contains("; read from "), "\(lines)")
  }
}
