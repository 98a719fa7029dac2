/// The holdout split: which samples train, which validate, which test.
///
/// Sizes: `test = round(N · test)`, `valid = round(N · valid)` (halves away from zero),
/// train takes the rest and must not be empty. Order: one permutation of `0..<N` from
/// `RandomStream(seed:, purpose: .split)`. Without stratification the first `test`
/// samples of the permutation test, the next `valid` validate, the rest train.
///
/// Stratified (largest-remainder rule, Hamilton's method): each class `c` with `n_c`
/// samples gets `⌊n_c · test⌋` test samples; the leftover of the total goes one each to
/// the classes with the largest fractional parts (ties: the lower class index), never
/// more than a class has. Valid seats are allocated the same way from what each class has
/// left. So the totals equal the unstratified sizes exactly and every class is split by
/// the fractions to within one sample. Within a class, samples are taken in permutation
/// order. Each part is returned sorted ascending.
import DLCKernels

/// Sample indices of the train, valid and test parts.
public struct HoldoutSplit: Sendable, Equatable {
  public var train: [Int]
  public var valid: [Int]
  public var test: [Int]

  public init(train: [Int], valid: [Int], test: [Int]) {
    self.train = train
    self.valid = valid
    self.test = test
  }

  /// Splits `count` samples by `fractions`; `classes` (one label per sample) is needed to
  /// stratify and ignored otherwise. `path` names the data in the error.
  public init(count: Int, fractions: SplitFractions, classes: [Int32]?, seed: UInt64, path: String = "") throws(DataError) {
    let nTest = Int((Double(count) * fractions.test).rounded())
    let nValid = Int((Double(count) * fractions.valid).rounded())
    guard nTest + nValid < count else { throw .noTrainSamples(path, count) }
    let order = RandomStream(seed: seed, purpose: .split).permutation(count)
    if fractions.stratify, let classes {
      self = Self.stratified(order: order, classes: classes, nTest: nTest, nValid: nValid, fractions: fractions)
    } else {
      self.init(train: Array(order[(nTest + nValid)...]).sorted(), valid: Array(order[nTest..<nTest + nValid]).sorted(),
                test: Array(order[..<nTest]).sorted())
    }
  }

  /// Each class split by the same fractions (see the file's comment for the rule).
  private static func stratified(order: [Int], classes: [Int32], nTest: Int, nValid: Int, fractions: SplitFractions) -> Self {
    let classCount = Int(classes.max() ?? 0) + 1
    var members = [[Int]](repeating: [], count: classCount)
    for i in order { members[Int(classes[i])].append(i) }
    let sizes = members.map(\.count)
    let testSeats = allocate(nTest, shares: sizes.map { Double($0) * fractions.test }, caps: sizes)
    let left = zip(sizes, testSeats).map { $0 - $1 }
    let validSeats = allocate(nValid, shares: sizes.map { Double($0) * fractions.valid }, caps: left)
    var split = Self(train: [], valid: [], test: [])
    for c in 0..<classCount {
      let m = members[c]
      split.test += m[..<testSeats[c]]
      split.valid += m[testSeats[c]..<testSeats[c] + validSeats[c]]
      split.train += m[(testSeats[c] + validSeats[c])...]
    }
    split.train.sort()
    split.valid.sort()
    split.test.sort()
    return split
  }

  /// `total` seats over classes by the largest-remainder rule, each at most its cap.
  /// Precondition: `total ≤ Σ caps`.
  static func allocate(_ total: Int, shares: [Double], caps: [Int]) -> [Int] {
    var seats = zip(shares, caps).map { min(Int($0.rounded(.down)), $1) }
    var remaining = total - seats.reduce(0, +)
    let byRemainder = shares.indices.sorted { a, b in
      let (ra, rb) = (shares[a] - shares[a].rounded(.down), shares[b] - shares[b].rounded(.down))
      return ra != rb ? ra > rb : a < b
    }
    while remaining > 0 {
      var gave = false
      for c in byRemainder where remaining > 0 && seats[c] < caps[c] {
        seats[c] += 1
        remaining -= 1
        gave = true
      }
      if !gave { break }
    }
    return seats
  }
}
