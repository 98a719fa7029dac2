import Foundation
import Testing
import _DLCTestSupport

@testable import DLCKernels

/// `GroupNormKernel` (group norm, and instance norm as one channel per group) and
/// `BatchNormKernel` without an affine part (γ = 1, β = 0, what the batchnorm binding
/// passes for `affine: false`) against PyTorch: `nn.GroupNorm` with 1, 2, 3 and 6 groups
/// of 6 channels, affine on and off, on (N, C, H, W), (N, C) and (N, L, D) inputs;
/// `nn.InstanceNorm2d`/`InstanceNorm1d`; `nn.BatchNorm2d`/`BatchNorm1d(affine=False)` with
/// their running statistics after one step and the eval output with them. The fixture
/// `bench/reference/normalization_reference.json` was recorded by
/// `bench/reference/normalization_reference.py`; the test needs no PyTorch.
@Suite struct GroupNormTests {
  /// One recorded case: the op, its options, inputs, and what PyTorch computed.
  struct Case: Decodable, Sendable, CustomTestStringConvertible {
    var name: String, op: String, shape: [Int], affine: Bool, eps: Double
    var groups: Int?, momentum: Double?
    var gamma: [Float]?, beta: [Float]?
    var x: [Float], dy: [Float], y: [Float], dx: [Float]
    var dgamma: [Float]?, dbeta: [Float]?
    var running_mean: [Float]?, running_var: [Float]?, eval_y: [Float]?
    var testDescription: String { name }

    var batch: Int { shape[0] }
    var channels: Int { shape[1] }
    var spatial: Int { shape.dropFirst(2).reduce(1, *) }
  }

  struct Fixture: Decodable { var cases: [Case] }

  static let fixture: Fixture? = RepoRoot.read("bench/reference/normalization_reference.json")
    .flatMap { try? JSONDecoder().decode(Fixture.self, from: Data($0.utf8)) }

  @Test func theFixtureCoversEveryVariant() throws {
    let f = try #require(Self.fixture, "bench/reference/normalization_reference.json is missing or malformed")
    let groupnorm = f.cases.filter { $0.op == "groupnorm" }
    #expect(Set(groupnorm.compactMap(\.groups)) == [1, 2, 3, 6])
    #expect(Set(groupnorm.map(\.affine)) == [true, false])
    #expect(Set(groupnorm.map(\.shape.count)) == [2, 3, 4])
    #expect(Set(f.cases.filter { $0.op == "instancenorm" }.map(\.affine)) == [true, false])
    #expect(f.cases.contains { $0.op == "batchnorm" && !$0.affine && $0.shape.count == 2 })
    #expect(f.cases.contains { $0.op == "batchnorm" && !$0.affine && $0.shape.count == 4 })
  }

  /// How far from PyTorch an entry may be, relative to the largest entry of its tensor.
  /// Both compute in Float32 from the same inputs; the sums differ in order (PyTorch's
  /// vectorized reductions, ours left to right), which moves a mean or variance by a few
  /// ULP over these 2–144-element groups, and every output inherits that relative
  /// error. The worst entry measured is 2.7e-7 of its scale (1.9e-6 in the cancelling
  /// case below); 1e-5 leaves a margin over both and still catches a wrong variance (biased vs unbiased is 1/n ≥ 0.7%),
  /// a missing eps, a wrong grouping or a wrong gradient term. The scale is at least 1:
  /// dx is a difference of terms of the size of dy·γ·rstd (O(1) here), and where they
  /// cancel (groups of two elements, whose output is ±1 whatever the input) its error
  /// follows the terms, not the tiny result (1.9e-6 on entries below 1e-3 there).
  static let tolerance: Float = 1e-5

  static func expectClose(_ ours: [Float], _ theirs: [Float], _ what: String, _ c: Case) {
    #expect(ours.count == theirs.count, "\(c.name): \(what) has \(ours.count) entries, PyTorch \(theirs.count)")
    let scale = max(theirs.map(abs).max() ?? 0, 1)
    let worst = zip(ours, theirs).map { abs($0 - $1) }.max() ?? 0
    #expect(worst <= tolerance * scale, "\(c.name): \(what) is off by \(worst) (scale \(scale))")
  }

  @Test(arguments: fixture?.cases.filter { $0.op != "batchnorm" } ?? [])
  func groupNormMatchesPyTorch(_ c: Case) throws {
    let groups = try #require(c.groups)
    let n = c.x.count
    var y = [Float](repeating: .nan, count: n), dx = y
    var dgamma = [Float](repeating: .nan, count: c.channels), dbeta = dgamma
    var statistics = [Float](repeating: .nan, count: 2 * c.batch * groups)
    GroupNormKernel.forward(x: c.x, gamma: c.gamma, beta: c.beta, y: &y, batch: c.batch, channels: c.channels,
                            spatial: c.spatial, groups: groups, eps: Float(c.eps))
    dgamma.withUnsafeMutableBufferPointer { dg in
      dbeta.withUnsafeMutableBufferPointer { db in
        GroupNormKernel.backward(dy: c.dy, x: c.x, gamma: c.gamma, dx: &dx, dgamma: c.affine ? dg.baseAddress : nil,
                                 dbeta: c.affine ? db.baseAddress : nil, statistics: &statistics,
                                 batch: c.batch, channels: c.channels, spatial: c.spatial, groups: groups, eps: Float(c.eps))
      }
    }
    Self.expectClose(y, c.y, "y", c)
    Self.expectClose(dx, c.dx, "dx", c)
    if c.affine {
      Self.expectClose(dgamma, try #require(c.dgamma), "dgamma", c)
      Self.expectClose(dbeta, try #require(c.dbeta), "dbeta", c)
    } else {
      // Without an affine part nothing is written there.
      #expect(dgamma.allSatisfy(\.isNaN) && dbeta.allSatisfy(\.isNaN))
    }
  }

  @Test(arguments: fixture?.cases.filter { $0.op == "batchnorm" } ?? [])
  func batchNormWithoutAffineMatchesPyTorch(_ c: Case) throws {
    let (batch, channels, spatial) = (c.batch, c.channels, c.spatial)
    let ones = [Float](repeating: 1, count: channels), zeros = [Float](repeating: 0, count: channels)
    var runningMean = zeros, runningVar = ones
    var y = [Float](repeating: .nan, count: c.x.count), dx = y, evalY = y
    var mean = zeros, invstd = zeros, dgamma = zeros, dbeta = zeros
    BatchNormKernel.trainForward(x: c.x, gamma: ones, beta: zeros, runningMean: &runningMean, runningVar: &runningVar,
                                 y: &y, mean: &mean, invstd: &invstd, batch: batch, channels: channels, spatial: spatial,
                                 momentum: Float(try #require(c.momentum)), eps: Float(c.eps))
    BatchNormKernel.backward(dy: c.dy, x: c.x, gamma: ones, mean: mean, invstd: invstd, dx: &dx, dgamma: &dgamma, dbeta: &dbeta,
                             batch: batch, channels: channels, spatial: spatial)
    BatchNormKernel.inferenceForward(x: c.x, gamma: ones, beta: zeros, runningMean: runningMean, runningVar: runningVar,
                                     y: &evalY, batch: batch, channels: channels, spatial: spatial, eps: Float(c.eps))
    Self.expectClose(y, c.y, "y", c)
    Self.expectClose(dx, c.dx, "dx", c)
    Self.expectClose(runningMean, try #require(c.running_mean), "running_mean", c)
    Self.expectClose(runningVar, try #require(c.running_var), "running_var", c)
    Self.expectClose(evalY, try #require(c.eval_y), "eval y", c)
  }

  /// Rows go to threads whole and channel sums add samples in order: a tensor large
  /// enough to be split gives the result of the same groups computed one sample at a time.
  @Test func splittingTheWorkDoesNotChangeTheResult() {
    let (batch, channels, spatial, groups) = (8, 12, 1024, 4)
    var rng = SplitMix64(seed: 5)
    let x = (0..<batch * channels * spatial).map { _ in Float.random(in: -1..<3, using: &rng) }
    let dy = (0..<x.count).map { _ in Float.random(in: -0.5..<0.5, using: &rng) }
    let gamma = (0..<channels).map { Float($0) * 0.1 + 0.5 }, beta = (0..<channels).map { Float($0) * -0.05 }
    var y = [Float](repeating: 0, count: x.count), dx = y
    var dgamma = [Float](repeating: 0, count: channels), dbeta = dgamma
    var statistics = [Float](repeating: 0, count: 2 * batch * groups)
    GroupNormKernel.forward(x: x, gamma: gamma, beta: beta, y: &y, batch: batch, channels: channels, spatial: spatial,
                            groups: groups, eps: 1e-5)
    GroupNormKernel.backward(dy: dy, x: x, gamma: gamma, dx: &dx, dgamma: &dgamma, dbeta: &dbeta, statistics: &statistics,
                             batch: batch, channels: channels, spatial: spatial, groups: groups, eps: 1e-5)
    let size = channels * spatial
    var (sumGamma, sumBeta) = ([Double](repeating: 0, count: channels), [Double](repeating: 0, count: channels))
    for n in 0..<batch {
      let (xs, dys) = (Array(x[n * size..<(n + 1) * size]), Array(dy[n * size..<(n + 1) * size]))
      var (y1, dx1) = ([Float](repeating: 0, count: size), [Float](repeating: 0, count: size))
      var (dg1, db1) = ([Float](repeating: 0, count: channels), [Float](repeating: 0, count: channels))
      var s1 = [Float](repeating: 0, count: 2 * groups)
      GroupNormKernel.forward(x: xs, gamma: gamma, beta: beta, y: &y1, batch: 1, channels: channels, spatial: spatial,
                              groups: groups, eps: 1e-5)
      GroupNormKernel.backward(dy: dys, x: xs, gamma: gamma, dx: &dx1, dgamma: &dg1, dbeta: &db1, statistics: &s1,
                               batch: 1, channels: channels, spatial: spatial, groups: groups, eps: 1e-5)
      #expect(y1 == Array(y[n * size..<(n + 1) * size]), "sample \(n): y")
      #expect(dx1 == Array(dx[n * size..<(n + 1) * size]), "sample \(n): dx")
      for c in 0..<channels { sumGamma[c] += Double(dg1[c]); sumBeta[c] += Double(db1[c]) }
    }
    #expect(dgamma == sumGamma.map(Float.init))
    #expect(dbeta == sumBeta.map(Float.init))
  }
}
