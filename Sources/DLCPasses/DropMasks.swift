import DLCIR

/// Removes the pruning masks from a deployed model: the last pass of every deployment
/// pipeline that prunes (`PassPipeline.deployment`).
///
/// Unstructured pruning keeps a 0/1 mask `@w_mask` beside each pruned weight so that
/// fine-tuning (`apply_mask` after each update) holds the pruned weights at zero. The
/// deployed `@predict` never reads a mask, and the weights are zero already, so the masks
/// would only double the stored model (and, after int8 quantization, make it five times
/// larger). They stay through the listed passes, so a later pass that fine-tunes still
/// has them, and go at the end; the checkpoint then stores the zeroed weights compactly.
///
/// Before:
/// ```
/// param @dense_1.weight : tensor<256x64xf32> {layer = "dense_1", …}
/// param @dense_1.weight_mask : tensor<256x64xf32> {…, role = "mask", trainable = false}
/// ```
/// After:
/// ```
/// param @dense_1.weight : tensor<256x64xf32> {layer = "dense_1", …}
/// ```
public struct DropMasks: ModelPass {
  public let name = "drop-masks"
  public let summary = "remove the pruning masks, which the deployed model never reads"

  public init() {}

  public func run(on module: inout Module, context: PassContext) throws {
    let masks = module.parameters.filter { $0.attributes["role"]?.stringValue == "mask" }.map(\.name)
    guard !masks.isEmpty else { return }
    var weights = context.weights
    module.removeUnreadParameters(masks, weights: &weights)
    context.weights = weights
    let dropped = masks.filter { module.parameter(named: $0) == nil }
    guard !dropped.isEmpty else { return }
    context.remark(name, "dropped \(dropped.count) pruning mask\(dropped.count == 1 ? "" : "s") ("
                   + dropped.map { "'@\($0)'" }.joined(separator: ", ") + "): the deployed model does not read "
                   + (dropped.count == 1 ? "it" : "them"))
  }
}
