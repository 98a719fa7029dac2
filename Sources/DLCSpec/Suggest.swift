/// "Did you mean" suggestions by edit distance.

public enum Suggest {
  /// The closest candidate to `name`, if it is close enough to be a plausible typo:
  /// Damerau-Levenshtein distance at most max(1, len/3), or one is a prefix of the other.
  public static func closest(to name: String, in candidates: some Sequence<String>) -> String? {
    let lowered = name.lowercased()
    var best: (String, Int)?
    for c in candidates {
      let d = distance(lowered, c.lowercased())
      let limit = max(1, min(lowered.count, c.count) / 3)
      let prefix = lowered.count >= 3 && (c.hasPrefix(lowered) || lowered.hasPrefix(c))
      guard d <= limit || prefix else { continue }
      if best == nil || d < best!.1 { best = (c, d) }
    }
    return best?.0
  }

  /// `help: did you mean 'x'?` text, or nil.
  public static func didYouMean(_ name: String, in candidates: some Sequence<String>) -> String? {
    closest(to: name, in: candidates).map { "did you mean '\($0)'?" }
  }

  /// Optimal string alignment distance (Damerau-Levenshtein with adjacent transpositions).
  static func distance(_ a: String, _ b: String) -> Int {
    let a = Array(a.unicodeScalars)
    let b = Array(b.unicodeScalars)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    if abs(a.count - b.count) > 8 { return abs(a.count - b.count) }
    var prev2 = [Int](repeating: 0, count: b.count + 1)
    var prev = Array(0...b.count)
    var cur = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
      cur[0] = i
      for j in 1...b.count {
        let cost = a[i - 1] == b[j - 1] ? 0 : 1
        cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
        if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
          cur[j] = min(cur[j], prev2[j - 2] + 1)
        }
      }
      (prev2, prev, cur) = (prev, cur, prev2)
    }
    return prev[b.count]
  }
}
