/// The kernel bindings no example exercises (embedding, avgpool2d, multiply, concat and
/// its slice gradient, mae) print calls that type-check against the carried kernels.
import DLCDriver
import DLCIR
import Foundation
import Testing
import _DLCTestSupport

@testable import DLCCodegen

@Suite struct BindingEmissionTests {
  /// Specs whose training steps hold the ops the examples lack.
  static let specs: [(name: String, text: String)] = [
    ("merges", """
      dlc: 1
      name: merges
      data:
        source: {csv: DATA/digits.csv, target: label}
        task: regression
      model:
        input: [1, 8, 8]
        layers:
          - conv2d: {filters: 2, kernel: 3, padding: same}
          - avgpool2d: 2
          - flatten:
            name: flat
          - dense: 8
            name: a
          - dense: 8
            from: flat
            name: b
          - multiply: [a, b]
            name: product
          - concat: [product, a]
          - dense: 1
      loss: mae
      train:
        optimizer: {sgd: 0.01}
        batch_size: 16
        epochs: 1
      """),
    ("ids", """
      dlc: 1
      name: ids
      data:
        source: {csv: DATA/digits.csv, target: label}
        task: classification
      model:
        input: [64]
        input_dtype: i32
        layers:
          - embedding: {vocab: 17, dim: 4}
          - flatten
          - dense: 10
      loss: cross_entropy
      train:
        optimizer: {adam: 1e-3}
        batch_size: 32
        epochs: 1
      """),
  ]

  @Test(.enabled(if: EmittedModelCompilesTests.modules != nil && EmittedModelCompilesTests.swiftc != nil,
                 "needs the built DLCKernels/DLCTraining modules and swiftc"))
  func opsWithoutAnExampleEmitCallsThatTypeCheck() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dlc-bindings-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    var files: [String] = [], sources = ""
    for (name, template) in Self.specs {
      let text = template.replacingOccurrences(of: "DATA", with: Golden.root + "/specs/data")
      let spec = dir.appendingPathComponent("\(name).yaml").path
      try text.write(toFile: spec, atomically: true, encoding: .utf8)
      let r = Driver.compile(SpecOptions(path: spec), emit: .trainIR)
      try #require(r.status == 0, "\(r.stderr)")
      let source = try ModelEmitter.emit(try parseModule(r.stdout), specText: text).source
      let path = dir.appendingPathComponent("\(name).swift").path
      try source.write(toFile: path, atomically: true, encoding: .utf8)
      files.append(path)
      sources += source
    }
    for call in ["PoolKernel.avgForward(", "PoolKernel.avgBackward(", "ElementwiseKernel.multiply(", "ElementwiseKernel.concat(",
                 "ElementwiseKernel.slice(", "LossKernel.mae(", "LossKernel.maeGrad(", "EmbeddingKernel.clampIds(",
                 "EmbeddingKernel.forward(", "EmbeddingKernel.backward("] {
      #expect(sources.contains(call), "no \(call) in the emitted models")
    }
    let arguments = ["-typecheck", "-warnings-as-errors", "-I", EmittedModelCompilesTests.modules!, "-I", Golden.root + "/Sources/COpenBLAS",
                     "-I", Golden.root + "/Sources/CInt8GEMM/include"] + files
    let (status, output) = try EmittedModelCompilesTests.run(EmittedModelCompilesTests.swiftc!, arguments)
    #expect(status == 0, "swiftc -typecheck failed:\n\(output)")
  }
}
