/// The per-element formulas of dropout (the activations' are `PointwiseFormula` types).
///
/// `DropoutKernel` and the emitted trainers' fused loops both call these, so a fused loop
/// computes every element with exactly the kernel's arithmetic (same operations in the
/// same order, in Float32) and the results agree to the bit. They are `@inline(__always)`
/// and branch-free, so loops over them vectorize.
public enum Scalar {
  // MARK: dropout

  /// The dropout factors of the four elements a Philox block serves: `scale` (1/(1 − rate))
  /// where the element is kept, 0 where it is dropped. Element i is kept when its word w
  /// gives (w >> 8) · 2⁻²⁴ ≥ rate, the test of `RandomStream.uniform(at:) >= rate`.
  ///
  /// Arithmetic, not a select: ⌊u − rate⌋ + 1 is 1 when u ≥ rate and 0 when u < rate
  /// (u and rate are floats in [0, 1), so u − rate is never rounded across 0 or up to 1).
  /// Selects, even vector ones, were scalarized by the compiler into one branch per
  /// element in fused loops; on a random condition they mispredicted about one element
  /// in five and made the emitted BN MLP's step 15–30% slower than the kernels'.
  @inlinable @inline(__always)
  public static func dropoutFactors(_ block: (UInt32, UInt32, UInt32, UInt32), rate: Float, scale: Float) -> SIMD4<Float> {
    let u = SIMD4<Float>(SIMD4<UInt32>(block.0, block.1, block.2, block.3) &>> 8) * 0x1p-24
    return ((u - rate).rounded(.down) + 1) * scale
  }

  /// x · factor, with a factor from `dropoutFactors` (inverted dropout). As in PyTorch, a
  /// dropped element is x · 0: −0 for a negative x, NaN for a NaN or infinite x.
  @inlinable @inline(__always) public static func dropout(_ x: Float, factor: Float) -> Float { x * factor }
}
