import Foundation
import _DLCTestSupport

/// `bench/reference/initializers_reference.json`, recorded with PyTorch by
/// `bench/reference/initializers_reference.py`; the tests need no PyTorch.
struct InitializerReference: Decodable {
  struct Erfinv: Decodable { var p: [Double], erfinv: [Double] }
  struct Truncated: Decodable {
    var mean: Double, std: Double, a: Double, b: Double
    var u: [Double], values: [Double]
    var truncated_mean: Double, truncated_std: Double
  }
  struct Orthogonal: Decodable {
    var shape: [Int], gain: Double, rows: Int, cols: Int
    var torch_float32_gram_deviation: Double
    var matrix: [Double]?, factor: [Double]?
  }

  var erfinv: Erfinv
  var truncated_normal: [Truncated]
  var orthogonal: [Orthogonal]

  static let fixture: InitializerReference? = RepoRoot.read("bench/reference/initializers_reference.json")
    .flatMap { try? JSONDecoder().decode(InitializerReference.self, from: Data($0.utf8)) }
}

/// The largest |G − gain²·I| of the Gram matrix of `w` (rows × cols, row-major): WᵀW when
/// rows ≥ cols, WWᵀ when rows < cols.
func gramDeviation(_ w: [Float], rows: Int, cols: Int, gain: Double) -> Double {
  let wide = rows < cols
  let n = wide ? rows : cols
  let inner = wide ? cols : rows
  func at(_ k: Int, _ i: Int) -> Double { Double(wide ? w[i * cols + k] : w[k * cols + i]) }
  var worst = 0.0
  for i in 0..<n {
    for j in 0..<n {
      var dot = 0.0
      for k in 0..<inner { dot += at(k, i) * at(k, j) }
      worst = max(worst, abs(dot - (i == j ? gain * gain : 0)))
    }
  }
  return worst
}
