/// Checkpoint files: atomic writes, and that numpy reads what dlc writes.
import Foundation
import Testing
@testable import DLCTraining

@Suite struct CheckpointTests {
  private let checkpoint = Checkpoint(
    tensors: [
      "dense_1.weight": TensorData(floats: [0.5, -1.25, 3, 1e-7, 0, 2], shape: [2, 3]),
      "preprocess.mean": TensorData(floats: [1.5], shape: [1]),
      "step": TensorData(int64s: [123_456_789_012], shape: []),
    ],
    metadata: [Checkpoint.Key.epoch: "4", Checkpoint.Key.spec: "name: x\nseed: 1\n"])

  @Test func writeThenReadGivesTheSameCheckpoint() throws {
    let f = try DataFixture()
    let path = f.root + "/runs/x/model.safetensors"
    try checkpoint.write(to: path)
    #expect(try Checkpoint(contentsOf: path) == checkpoint)
    try checkpoint.write(to: path)  // replaces
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: f.root + "/runs/x")
    #expect(leftovers == ["model.safetensors"])
  }

  @Test func writingIntoAMissingPlaceFails() throws {
    let f = try DataFixture()
    try f.write("file", "x")
    #expect(throws: DataError.self) { try checkpoint.write(to: f.root + "/file/model.safetensors") }
  }

  /// numpy reads the file with the format's documented layout (the safetensors package
  /// may not be installed, so the test parses the header itself, as that package does).
  @Test func numpyReadsTheFile() throws {
    guard let python = Self.pythonWithNumpy() else {
      print("skipping numpyReadsTheFile: no python3 with numpy on this machine")
      return
    }
    let f = try DataFixture()
    let path = f.root + "/c.safetensors"
    try checkpoint.write(to: path)
    let script = """
      import json, struct, sys, numpy as np
      b = open(sys.argv[1], 'rb').read()
      n = struct.unpack('<Q', b[:8])[0]
      h = json.loads(b[8:8 + n])
      kinds = {'F32': '<f4', 'I64': '<i8'}
      out = {'meta': h.pop('__metadata__')}
      for k, v in sorted(h.items()):
          s, e = v['data_offsets']
          a = np.frombuffer(b[8 + n + s:8 + n + e], dtype=kinds[v['dtype']]).reshape(v['shape'])
          out[k] = [list(a.shape), a.ravel().tolist()]
      print(json.dumps(out, sort_keys=True))
      """
    let output = try Self.run(python, ["-c", script, path])
    let expected = #"{"dense_1.weight": [[2, 3], [0.5, -1.25, 3.0, 1.0000000116860974e-07, 0.0, 2.0]], "meta": {"dlc.epoch": "4", "dlc.spec": "name: x\nseed: 1\n"}, "preprocess.mean": [[1], [1.5]], "step": [[], [123456789012]]}"#
    #expect(output.trimmingCharacters(in: .whitespacesAndNewlines) == expected)
  }

  /// The first `python3` on the PATH, if it can import numpy.
  static func pythonWithNumpy() -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"
    for dir in path.split(separator: ":") {
      let p = String(dir) + "/python3"
      guard FileManager.default.isExecutableFile(atPath: p) else { continue }
      return (try? run(p, ["-c", "import numpy"])) != nil ? p : nil
    }
    return nil
  }

  /// Runs a program and returns its standard output; throws on a non-zero exit.
  static func run(_ program: String, _ arguments: [String]) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: program)
    p.arguments = arguments
    let out = Pipe()
    p.standardOutput = out
    p.standardError = Pipe()
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    struct Failed: Error {}
    guard p.terminationStatus == 0 else { throw Failed() }
    return String(decoding: data, as: UTF8.self)
  }
}
