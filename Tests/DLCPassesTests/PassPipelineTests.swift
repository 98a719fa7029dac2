/// The pipelines are listed once: which passes make the training module and the deployed
/// model, in order, and the registry of pass names.
import DLCIR
import DLCPasses
import Testing

@Suite struct PassPipelineTests {
  let frozen = OptimizePipeline.Entry(kind: "precompute_frozen")
  let fold = OptimizePipeline.Entry(kind: "fold_batchnorm")
  let prune = OptimizePipeline.Entry(kind: "prune", options: ["sparsity": .float(0.5)])
  let quantize = OptimizePipeline.Entry(kind: "quantize")

  @Test func trainingRunsTheTrainingTimePassesThenAutodiff() throws {
    #expect(try PassPipeline.training([]).map(\.name) == ["autodiff"])
    #expect(try PassPipeline.training([fold, frozen, prune]).map(\.name) == ["precompute-frozen", "autodiff"])
  }

  @Test func deploymentRunsTheListedPassesInOrderAndDropsMasksAfterPruning() throws {
    #expect(try PassPipeline.deployment([frozen, fold]).map(\.name) == ["fold-batchnorm"])
    #expect(try PassPipeline.deployment([fold, prune, quantize]).map(\.name) == ["fold-batchnorm", "prune", "quantize", "drop-masks"])
  }

  @Test func everyPassIsRegisteredOnceByItsKebabCaseName() {
    let names = PassPipeline.all.map(\.name)
    #expect(Set(names).count == names.count)
    for p in PassPipeline.all {
      #expect(p.name.allSatisfy { $0.isLowercase || $0 == "-" }, "\(p.name) must be kebab-case")
      #expect(!p.summary.isEmpty)
      #expect(PassPipeline.pass(named: p.name)?.name == p.name)
    }
    #expect(PassPipeline.pass(named: "fold-everything") == nil)
    // Every pass a pipeline can run is in the registry, so '--print-ir-after' accepts its name.
    let pipelines = (try? PassPipeline.training([frozen]) + PassPipeline.deployment([fold, prune, quantize])) ?? []
    #expect(Set(pipelines.map(\.name)).isSubset(of: names))
  }
}
