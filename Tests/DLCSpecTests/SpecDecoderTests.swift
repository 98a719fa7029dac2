/// Decoding: the three forms of an entry, the long form of a layer, sections and errors.
import DLCSyntax
import Foundation
import Testing
@testable import DLCSpec

/// Decodes a spec text; returns the spec and the diagnostics.
func decode(_ text: String) -> (Spec?, [Diagnostic]) {
  let diags = DiagnosticEngine()
  let file = SourceFile(path: "t.yaml", text: text)
  guard let root = YAMLReader.parse(file, diagnostics: diags) else { return (nil, diags.diagnostics) }
  return (SpecDecoder.decode(root, file: file, diagnostics: diags), diags.diagnostics)
}

let header = """
  dlc: 1
  name: t
  data:
    source: {csv: d.csv, target: y}
    task: classification
  loss: cross_entropy
  train:
    optimizer: adam
    batch_size: 8
    epochs: 2

  """

func layers(_ body: String) -> (Spec?, [Diagnostic]) {
  decode(header + "model:\n  input: [4]\n  layers:\n" + body)
}

@Suite struct SpecDecoderTests {
  @Test func threeFormsOfAnEntry() throws {
    let (spec, diags) = layers("""
        - relu
        - dense: 16
        - dense: {units: 8, bias: false}
        - dense: 4
          name: out
          init: {normal: {std: 0.02}}

      """)
    #expect(diags.isEmpty, "\(diags.map(\.message.text))")
    let l = try #require(spec?.model?.layers)
    #expect(l.map { $0.use?.name } == ["relu", "dense", "dense", "dense"])
    #expect(l[1].use?.int("units") == 16)
    #expect(l[2].use?.bool("bias") == false)
    #expect(l[3].name?.value == "out")
    let initializer = try #require(l[3].use?.entryUse("init"))
    #expect(initializer.name == "normal")
    #expect(initializer.double("std") == 0.02)
    #expect(initializer.double("mean") == 0)
    #expect(l[1].use?.entryUse("init")?.name == "xavier_uniform")
  }

  @Test func mergeLayersTakeTheirInputsAsPrimaryValue() throws {
    let (spec, diags) = layers("""
        - dense: 4
          name: a
        - dense: 4
          name: b
        - add: [a, b]
        - concat: {from: [a, b], axis: -1}

      """)
    #expect(diags.isEmpty, "\(diags.map(\.message.text))")
    let l = try #require(spec?.model?.layers)
    #expect(l[2].from?.map(\.value) == ["a", "b"])
    #expect(l[3].from?.map(\.value) == ["a", "b"])
    #expect(l[3].use?.int("axis") == -1)
  }

  @Test func pairsAndPaddingNormalize() throws {
    let (spec, _) = decode(header + "model:\n  input: [1, 8, 8]\n  layers:\n    - conv2d: {filters: 4, kernel: [3, 1], padding: same}\n    - maxpool2d\n")
    let l = try #require(spec?.model?.layers)
    #expect(l[0].use?.ints("kernel") == [3, 1])
    #expect(l[0].use?.ints("stride") == [1, 1])
    #expect(l[0].use?.string("padding") == "same")
    #expect(l[1].use?.ints("size") == [2, 2])
    #expect(l[1].use?.value("stride") == nil)
  }

  @Test func defaultsFillTheSections() throws {
    let (spec, _) = layers("    - dense: 2\n")
    let s = try #require(spec)
    #expect(s.seed == 0)
    #expect(s.data?.split.double("valid") == 0.2)
    #expect(s.data?.normalize.value == "none")
    #expect(s.train?.schedule.name == "constant")
  }

  @Test(arguments: [
    ("    - dense2d: 3\n", "spec.unknownEntry", 14, "did you mean 'dense'?"),
    ("    - lstm: 3\n", "spec.notSupportedYet", 14, "supported layers: dense"),
    ("    - dense: {unit: 3}\n", "spec.unknownParameter", 14, "did you mean 'units'?"),
    ("    - dense\n", "spec.missingParameter", 14, "write 'dense: VALUE'"),
    ("    - flatten: 3\n", "spec.noPrimaryParameter", 14, "write it as just 'flatten'"),
    ("    - dropout: 1\n", "spec.outOfRange", 14, nil),
    ("    - dense: 2.5\n", "spec.expectedType", 14, nil),
    ("    - dropout: .inf\n", "spec.nonFiniteNumber", 14, nil),
    ("    - name: x\n", "spec.expectedLayer", 14, nil),
    ("    - add: [a]\n", "spec.tooFewItems", 14, nil),
    ("    - gelu: {approximate: tan}\n", "spec.unknownChoice", 14, "did you mean 'tanh'?"),
    ("    - dense: {units: 2}\n      units: 3\n", "spec.duplicateParameter", 15, nil),
    ("    - dense: 2\n      name: 3x\n", "spec.invalidName", 15, nil),
  ] as [(String, String, Int, String?)])
  func layerErrors(_ body: String, _ id: String, _ line: Int, _ help: String?) {
    let (_, diags) = layers(body)
    let d = diags.first { $0.id == id }
    #expect(d != nil, "expected \(id), got \(diags.map(\.id))")
    #expect(d?.range?.start.line == line)
    if let help { #expect(d?.helps.contains { $0.contains(help) } == true, "\(d?.helps ?? [])") }
  }

  @Test func sectionErrorsPointAtTheirKey() {
    let (_, diags) = decode("""
      dlc: 1
      name: t
      data:
        source: {csv: d.csv, target: y}
        task: classification
        normalise: standardize
      model:
        input: [4]
        layers: [relu]
      loss: cross_entropy
      train:
        optimizer: adam
        batch_size: 8

      """)
    let unknown = diags.first { $0.id == "spec.unknownKey" }
    #expect(unknown?.range?.start.line == 6)
    #expect(unknown?.helps == ["did you mean 'normalize'?"])
    let missing = diags.first { $0.id == "spec.missingKey" }
    #expect(missing?.message.text == "missing key 'epochs' in 'train'")
    #expect(missing?.range?.start.line == 11)
  }

  @Test func emptyAndNonMappingDocuments() {
    #expect(decode("").1.first?.id == "spec.emptyDocument")
    #expect(decode("# nothing\n").1.first?.id == "spec.emptyDocument")
    #expect(decode("- a\n- b\n").1.first?.id == "spec.expectedMapping")
  }

  @Test func independentErrorsAreAllReported() {
    let (_, diags) = decode(header.replacingOccurrences(of: "adam", with: "adamm") + "model:\n  input: [4]\n  layers:\n    - dense2d: 3\n    - dropout: 2\n")
    #expect(Set(diags.map(\.id)) == ["spec.unknownEntry", "spec.outOfRange"])
    #expect(diags.count == 3)
  }
}

/// `quantize: fp16`, the documented short form: unwritten `activations` follow the
/// weights (float for fp16, int8 for int8); a written value stays as written.
@Suite struct QuantizeShortFormTests {
  func quantize(_ entry: String) throws -> EntryUse {
    let (spec, diags) = decode(header + "model:\n  input: [4]\n  layers:\n    - dense: 2\noptimize: [\(entry)]\n")
    #expect(diags.isEmpty, "\(diags)")
    return try #require(spec?.optimize.first)
  }

  @Test func activationsFollowTheWeights() throws {
    #expect(try quantize("quantize: fp16").string("activations") == "float")
    #expect(try quantize("quantize: int8").string("activations") == "int8")
    #expect(try quantize("quantize").string("activations") == "int8")
    #expect(try quantize("{quantize: {weights: fp16, activations: dynamic}}").string("activations") == "dynamic")
    #expect(try quantize("{quantize: {activations: dynamic}}").string("activations") == "dynamic")
  }
}

