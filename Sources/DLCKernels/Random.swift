import Foundation

/// The one random number generator of dlc: Philox4x32-10, a counter-based generator
/// (Salmon et al. 2011, "Parallel random numbers: as easy as 1, 2, 3", SC'11; constants
/// from the Random123 reference code).
///
/// A counter-based generator has no state to carry: the numbers for (seed, purpose, id,
/// step, index) are a pure function of those values. So initialization, the split,
/// shuffling and dropout draw from separate, reproducible streams, a resumed run draws
/// exactly what the uninterrupted run drew, and the interpreter and an emitted trainer
/// agree to the bit. Any element of a stream can be computed on its own, in any order
/// and on any thread.

/// What a stream is used for; part of the key, so streams of different purposes never
/// overlap even with equal ids.
public enum RandomPurpose: UInt32, Sendable {
  /// Parameter initialization; id = the parameter's index in the module.
  case initialization = 1
  /// The holdout split; id = 0.
  case split = 2
  /// The order of training samples; id = the epoch (0-based).
  case shuffle = 3
  /// Dropout masks; id = the op's `stream` attribute, step = the optimizer step.
  case dropout = 4
  /// Data augmentation; id = the augmentation's index, step = the optimizer step.
  case augmentation = 5
}

/// Philox4x32-10: four 32-bit words of counter, two of key, ten rounds.
public enum Philox4x32 {
  /// The four output words for `counter` under `key`.
  @inlinable @inline(__always)
  public static func block(
    _ counter: (UInt32, UInt32, UInt32, UInt32), key: (UInt32, UInt32)
  ) -> (UInt32, UInt32, UInt32, UInt32) {
    var (c0, c1, c2, c3) = counter
    var (k0, k1) = key
    for round in 0..<10 {
      if round > 0 {
        k0 &+= 0x9E37_79B9  // golden ratio
        k1 &+= 0xBB67_AE85  // √3 − 1
      }
      let p0 = UInt64(0xD251_1F53) &* UInt64(c0)
      let p1 = UInt64(0xCD9E_8D57) &* UInt64(c2)
      let (hi0, lo0) = (UInt32(truncatingIfNeeded: p0 >> 32), UInt32(truncatingIfNeeded: p0))
      let (hi1, lo1) = (UInt32(truncatingIfNeeded: p1 >> 32), UInt32(truncatingIfNeeded: p1))
      (c0, c1, c2, c3) = (hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0)
    }
    return (c0, c1, c2, c3)
  }
}

/// One reproducible stream of random numbers, addressed by element index.
///
/// Key = the seed; counter = (index / 4, purpose ⊕ id, step low, step high) mixed as
/// below. Element i is word i mod 4 of the block at i / 4.
public struct RandomStream: Sendable, Hashable {
  public let seed: UInt64
  public let purpose: RandomPurpose
  public let id: UInt64
  public let step: UInt64

  public init(seed: UInt64, purpose: RandomPurpose, id: UInt64 = 0, step: UInt64 = 0) {
    self.seed = seed
    self.purpose = purpose
    self.id = id
    self.step = step
  }

  @usableFromInline @inline(__always)
  var key: (UInt32, UInt32) { (UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32)) }

  /// The block of four words at block index `b`.
  @inlinable @inline(__always)
  public func block(_ b: Int) -> (UInt32, UInt32, UInt32, UInt32) {
    // Word 1 carries the purpose in its top byte and the id below it; id and step have
    // 56 and 64 bits of room, far beyond any run.
    let tag = (purpose.rawValue << 24) ^ UInt32(truncatingIfNeeded: id) ^ UInt32(truncatingIfNeeded: id >> 32) &* 0x0100_0193
    let counter = (
      UInt32(truncatingIfNeeded: b), tag ^ UInt32(truncatingIfNeeded: UInt64(b) >> 32),
      UInt32(truncatingIfNeeded: step), UInt32(truncatingIfNeeded: step >> 32)
    )
    return Philox4x32.block(counter, key: key)
  }

  /// The 32 random bits at element `index`.
  @inline(__always)
  public func uint32(at index: Int) -> UInt32 {
    let w = block(index >> 2)
    switch index & 3 {
    case 0: return w.0
    case 1: return w.1
    case 2: return w.2
    default: return w.3
    }
  }

  /// A uniform number in [0, 1) at `index`: the top 24 bits, so every value is exact.
  @inline(__always)
  public func uniform(at index: Int) -> Float { Float(uint32(at: index) >> 8) * 0x1p-24 }

  /// A standard normal number at `index` by Box–Muller (Box & Muller 1958) from the
  /// two uniforms of half a block: u1 in (0, 1], so the logarithm is finite.
  @inline(__always)
  public func normal(at index: Int) -> Float {
    let w = block(index >> 1)
    let (a, b) = (index & 1) == 0 ? (w.0, w.1) : (w.2, w.3)
    let u1 = Double((a >> 8) + 1) * 0x1p-24
    let u2 = Double(b >> 8) * 0x1p-24
    return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
  }

  /// A uniform integer in 0..<bound at `index` (Lemire's multiply-shift; the bias is
  /// below 2⁻³² · bound, immaterial for shuffling data sets).
  @inline(__always)
  public func integer(below bound: Int, at index: Int) -> Int {
    let w = block(index >> 1)
    let (a, b) = (index & 1) == 0 ? (w.0, w.1) : (w.2, w.3)
    let x = UInt64(a) << 32 | UInt64(b)
    return Int(x.multipliedFullWidth(by: UInt64(bound)).high)
  }

  /// A permutation of 0..<count (Fisher–Yates, Knuth vol. 2 §3.4.2, drawing element i
  /// for position i).
  public func permutation(_ count: Int) -> [Int] {
    var order = Array(0..<count)
    var i = count - 1
    while i > 0 {
      let j = integer(below: i + 1, at: i)
      order.swapAt(i, j)
      i -= 1
    }
    return order
  }
}

