import DLCIR
import DLCKernels
import Foundation
import Testing
import _DLCTestSupport

/// Every activation against PyTorch: forward values and autograd's derivative at fixed
/// points (the kinks, points 1e-3 either side, small and large |x|) for one or two
/// parameter settings each, and log_softmax on rows that would overflow without the max.
/// The fixture `bench/reference/activations_reference.json` was recorded with PyTorch by
/// `bench/reference/activations_reference.py`; the test needs no PyTorch. Each case runs
/// through its row: the parameter pack comes from the row's `parameterValues`, so a row
/// whose attribute order disagrees with its formula fails here too.
@Suite struct ActivationReferenceTests {
  struct Case: Decodable, Sendable, CustomTestStringConvertible {
    var name: String
    var parameters: [String: Parameter]
    var y: [Double]
    var dx: [Double]
    var testDescription: String {
      name + (parameters.isEmpty ? "" : " " + parameters.keys.sorted().map { "\($0) \(parameters[$0]!)" }.joined(separator: ", "))
    }
  }

  /// A number or a choice.
  enum Parameter: Decodable, Sendable, CustomStringConvertible {
    case number(Double), word(String)
    init(from decoder: Decoder) throws {
      let c = try decoder.singleValueContainer()
      if let d = try? c.decode(Double.self) { self = .number(d) } else { self = .word(try c.decode(String.self)) }
    }
    var attribute: Attribute {
      switch self {
      case .number(let d): return .float(d)
      case .word(let w): return .string(w)
      }
    }
    var description: String {
      switch self {
      case .number(let d): return "\(d)"
      case .word(let w): return w
      }
    }
  }

  struct Rows: Decodable, Sendable {
    var x: [[Double]], dy: [[Double]], y: [[Double]], dx: [[Double]]
  }

  struct Fixture: Decodable, Sendable {
    var points: [Double]
    var cases: [Case]
    var log_softmax: Rows
  }

  static let fixture: Fixture? = RepoRoot.read("bench/reference/activations_reference.json")
    .flatMap { try? JSONDecoder().decode(Fixture.self, from: Data($0.utf8)) }

  /// How far from PyTorch a value may be: |ours − torch| ≤ tolerance·(1 + |torch|). 2e-7,
  /// under 2 ulp of a result near 1: the formulas use VectorMath's exp, log, log1p and tanh
  /// (within 2–4 ulp of libm, where PyTorch's are within 1) and a few steps on top, some in
  /// another order than PyTorch's (mish's tanh(softplus) as n/(n + 2), log-sigmoid's
  /// derivative with one division); the worst measured is 9.6e-8 (selu's derivative), the
  /// piecewise-linear ones are exact. GELU's exact form gets 1e-6: its erf is a rational
  /// approximation good to 1e-7 before rounding, 7.1e-7 measured. A wrong term, sign,
  /// constant or choice at a kink is off by 1e-3 or more.
  static func tolerance(_ c: Case) -> Double {
    c.name == "gelu" && c.parameters["approximate"]?.description == "none" ? 1e-6 : 2e-7
  }

  /// Every pointwise row has a case (so a row added later needs a reference too).
  @Test func everyRowHasAReference() throws {
    let f = try #require(Self.fixture, "bench/reference/activations_reference.json is missing or malformed")
    let covered = Set(f.cases.map(\.name))
    for row in PointwiseOps.all { #expect(covered.contains(row.name), "no PyTorch reference for '\(row.name)'") }
  }

  @Test(arguments: fixture?.cases ?? [])
  func matchesPyTorch(_ c: Case) throws {
    let f = try #require(Self.fixture)
    let (row, _) = try #require(PointwiseOps.lookup(c.name))
    let kernels = try #require(PointwiseKernels.named(c.name))
    let p = PointwiseParameters(row.parameterValues(c.parameters.mapValues(\.attribute)))
    let x = f.points.map(Float.init), n = x.count
    var y = [Float](repeating: 0, count: n), dx = [Float](repeating: 0, count: n)
    let dy = [Float](repeating: 1, count: n)
    kernels.forward(x, &y, n, p, true)
    let saved = row.saved == .output ? y : x
    kernels.backward(dy, saved, &dx, n, p, true)
    let tolerance = Self.tolerance(c)
    for i in 0..<n {
      #expect(close(y[i], c.y[i], tolerance), "\(c) at x = \(x[i]): y \(y[i]), PyTorch \(c.y[i])")
      #expect(close(dx[i], c.dx[i], tolerance), "\(c) at x = \(x[i]): dx \(dx[i]), PyTorch \(c.dx[i])")
    }
  }

  @Test func logSoftmaxMatchesPyTorch() throws {
    let r = try #require(Self.fixture).log_softmax
    let (rows, width) = (r.x.count, r.x[0].count)
    let x = r.x.flatMap { $0.map(Float.init) }, dy = r.dy.flatMap { $0.map(Float.init) }
    var y = [Float](repeating: 0, count: x.count), dx = y
    LogSoftmaxKernel.forward(x: x, y: &y, outer: rows, axis: width, inner: 1)
    LogSoftmaxKernel.backward(dy: dy, y: y, dx: &dx, outer: rows, axis: width, inner: 1)
    for (i, (ours, torch)) in zip(y, r.y.flatMap { $0 }).enumerated() { #expect(close(ours, torch, 2e-7), "y[\(i)] \(ours), PyTorch \(torch)") }
    for (i, (ours, torch)) in zip(dx, r.dx.flatMap { $0 }).enumerated() { #expect(close(ours, torch, 2e-7), "dx[\(i)] \(ours), PyTorch \(torch)") }
  }

  private func close(_ ours: Float, _ torch: Double, _ tolerance: Double) -> Bool { abs(Double(ours) - torch) <= tolerance * (1 + abs(torch)) }
}
