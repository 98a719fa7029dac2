/// Pruning masks: a pruned parameter is multiplied by its 0/1 mask after every optimizer
/// update, so the weights pruning removed stay zero while the others train.

/// The kernel of `apply_mask`.
public enum MaskKernel {
  /// p[i] = p[i] · mask[i] for i in 0..<count.
  public static func apply(parameter p: UnsafeMutablePointer<Float>, mask: UnsafePointer<Float>, count: Int) {
    for i in 0..<count { p[i] *= mask[i] }
  }
}
