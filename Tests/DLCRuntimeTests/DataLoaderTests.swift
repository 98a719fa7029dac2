/// The example data sets load from the modules' own `data` attributes.
import DLCIR
import Testing
import _DLCTestSupport
@testable import DLCRuntime
@testable import DLCTraining

@Suite struct DataLoaderTests {
  /// The `data` attribute of a golden IR file, parsed by the IR parser.
  private func config(_ spec: String) throws -> DataConfig {
    let text = try #require(RepoRoot.read("golden/specs/\(spec).ir"))
    let module = try parseModule(text)
    return try DataConfig(module: module)
  }

  @Test(arguments: [
    ("digits_mlp", 1797, [64], 10), ("digits_cnn", 1797, [1, 8, 8], 10), ("iris", 150, [4], 3),
    ("wine", 178, [13], 3), ("breast_cancer", 569, [30], 2),
  ])
  func classificationSetsLoad(spec: String, count: Int, shape: [Int], classes: Int) throws {
    let c = try config(spec)
    let d = try DataLoader.load(c, relativeTo: Golden.root, sampleShape: shape)
    #expect(d.count == count)
    #expect(d.sampleShape == shape)
    let labels = try #require(d.classIndices)
    #expect(Set(labels) == Set((0..<Int32(classes))))
  }

  @Test func regressionAndReconstructionLoad() throws {
    let r = try DataLoader.load(try config("diabetes_regression"), relativeTo: Golden.root)
    #expect((r.count, r.sampleShape, r.targetWidth) == (442, [10], 1))
    let a = try DataLoader.load(try config("digits_autoencoder"), relativeTo: Golden.root)
    #expect((a.count, a.sampleShape, a.y) == (1797, [64], .reconstruction))
  }

  @Test func theCSVAndNPYDigitsAgree() throws {
    let csv = try DataLoader.load(try config("digits_mlp"), relativeTo: Golden.root)
    let npy = try DataLoader.load(try config("digits_cnn"), relativeTo: Golden.root)
    #expect(csv.x == npy.x)
    #expect(csv.y == npy.y)
  }

  @Test func theConfigReadsEveryField() throws {
    let c = try config("wine")
    #expect(c.task == .classification)
    #expect(c.classes == 3)
    #expect(c.features == 13)
    #expect(c.normalize == .standardize)
    #expect(c.split == SplitFractions(valid: 0.2, test: 0.2, stratify: true))
    guard case .csv(let path, let target, let features) = c.source else { Issue.record("not csv"); return }
    #expect(path == "specs/data/wine.csv")
    #expect(target == ["label"])
    #expect(features?.count == 13)
  }

  @Test func aMalformedAttributeIsAnError() {
    #expect(throws: DataError.self) { try DataConfig(attribute: ["task": "classification"]) }
    #expect(throws: DataError.self) { try DataConfig(attribute: ["source": ["kind": "parquet"], "task": "classification"]) }
  }
}
