import Foundation
import Testing

@testable import DLCKernels

private typealias Tensor = KernelTesting.Tensor

/// One attention configuration under test.
struct AttentionCase: Sendable, CustomStringConvertible {
  var shape: AttentionShape
  var bias: Bool
  var dropout: Float
  var description: String { "\(shape) bias \(bias) dropout \(dropout)" }
}

private let stream = RandomStream(seed: 5, purpose: .dropout, id: 2, step: 3)

/// Multi-head self-attention in Double (Vaswani et al. 2017 §3.2.2, PyTorch
/// `nn.MultiheadAttention` layout): returns y, qkv, probs (before dropout), context.
private func attentionReference(
  _ x: [Double], _ wq: [Double], _ bq: [Double]?, _ wo: [Double], _ bo: [Double]?, _ c: AttentionCase
) -> (y: [Double], qkv: [Double], probs: [Double], context: [Double]) {
  let s = c.shape
  let (n, l, d, heads) = (s.batch, s.length, s.width, s.heads)
  let dh = d / heads
  func linear(_ a: [Double], _ w: [Double], _ b: [Double]?, inF: Int, outF: Int) -> [Double] {
    var y = [Double](repeating: 0, count: n * l * outF)
    for r in 0..<n * l {
      for o in 0..<outF {
        var total = b?[o] ?? 0
        for i in 0..<inF { total += a[r * inF + i] * w[o * inF + i] }
        y[r * outF + o] = total
      }
    }
    return y
  }
  let qkv = linear(x, wq, bq, inF: d, outF: 3 * d)
  var probs = [Double](repeating: 0, count: n * heads * l * l)
  var context = [Double](repeating: 0, count: n * l * d)
  let keep = 1 / (1 - Double(c.dropout))
  for b in 0..<n {
    for h in 0..<heads {
      for i in 0..<l {
        let valid = s.causal ? i + 1 : l
        var scores = [Double](repeating: 0, count: valid)
        for j in 0..<valid {
          for e in 0..<dh { scores[j] += qkv[(b * l + i) * 3 * d + h * dh + e] * qkv[(b * l + j) * 3 * d + d + h * dh + e] }
          scores[j] /= Double(dh).squareRoot()
        }
        let top = scores.max()!
        scores = scores.map { exp($0 - top) }
        let total = scores.reduce(0, +)
        for j in 0..<valid {
          let flat = ((b * heads + h) * l + i) * l + j
          probs[flat] = scores[j] / total
          let weight = stream.uniform(at: flat) >= c.dropout ? probs[flat] * keep : 0
          for e in 0..<dh { context[(b * l + i) * d + h * dh + e] += weight * qkv[(b * l + j) * 3 * d + 2 * d + h * dh + e] }
        }
      }
    }
  }
  return (linear(context, wo, bo, inF: d, outF: d), qkv, probs, context)
}

private func attention(_ n: Int, _ l: Int, _ d: Int, _ h: Int, causal: Bool, bias: Bool = true, dropout: Float = 0) -> AttentionCase {
  AttentionCase(shape: AttentionShape(batch: n, length: l, width: d, heads: h, causal: causal), bias: bias, dropout: dropout)
}

private let cases: [AttentionCase] = [
  attention(1, 1, 4, 1, causal: false),
  attention(1, 1, 3, 3, causal: true, dropout: 0.5),
  attention(2, 3, 6, 3, causal: true),
  attention(2, 5, 4, 1, causal: false, bias: false),
  attention(2, 4, 6, 3, causal: false, dropout: 0.3),
  attention(1, 5, 6, 2, causal: true, bias: false, dropout: 0.4),
]

/// 64 (sample, head) pairs: the pairs split over threads.
private let largeCase = attention(16, 16, 32, 4, causal: true, dropout: 0.2)

/// Seeded inputs of a case: x, w_qkv, b_qkv, w_out, b_out and the loss weights r.
private func data(_ c: AttentionCase) -> [[Float]] {
  let (rows, d) = (c.shape.batch * c.shape.length, c.shape.width)
  return [rows * d, 3 * d * d, 3 * d, d * d, d, rows * d].enumerated().map { KernelTesting.random($1, seed: 50 + UInt64($0)) }
}

@Suite struct AttentionTests {
  @Test(arguments: cases + [largeCase])
  func forwardMatchesReference(c: AttentionCase) {
    let s = c.shape
    let v = data(c)
    let t = v.map { Tensor($0) }
    let rows = s.batch * s.length
    let y = Tensor(count: rows * s.width), qkv = Tensor(count: 3 * rows * s.width)
    let probs = Tensor(count: s.batch * s.heads * s.length * s.length), context = Tensor(count: rows * s.width)
    let workspace = Tensor(count: AttentionKernel.workspaceCount(s))
    AttentionKernel.forward(
      x: t[0].p, wQKV: t[1].p, bQKV: c.bias ? t[2].p : nil, wOut: t[3].p, bOut: c.bias ? t[4].p : nil, y: y.m,
      qkv: qkv.m, probs: probs.m, context: context.m, shape: s, dropout: c.dropout, stream: stream, workspace: workspace.m)
    let d = v.map { $0.map(Double.init) }
    let expected = attentionReference(d[0], d[1], c.bias ? d[2] : nil, d[3], c.bias ? d[4] : nil, c)
    KernelTesting.expectClose(y.array, expected.y, "y \(c)")
    KernelTesting.expectClose(qkv.array, expected.qkv, "qkv \(c)")
    KernelTesting.expectClose(probs.array, expected.probs, "probs \(c)")
    KernelTesting.expectClose(context.array, expected.context, "context \(c)")

    let inferred = Tensor(count: rows * s.width)
    AttentionKernel.inference(
      x: t[0].p, wQKV: t[1].p, bQKV: c.bias ? t[2].p : nil, wOut: t[3].p, bOut: c.bias ? t[4].p : nil,
      y: inferred.m, shape: s, workspace: workspace.m)
    let noDropout = attentionReference(d[0], d[1], c.bias ? d[2] : nil, d[3], c.bias ? d[4] : nil, AttentionCase(shape: s, bias: c.bias, dropout: 0))
    KernelTesting.expectClose(inferred.array, noDropout.y, "inference \(c)")
  }

  @Test(arguments: cases + [largeCase])
  func backwardMatchesFiniteDifferences(c: AttentionCase) {
    let s = c.shape
    let v = data(c), r = v[5]
    let t = v.map { Tensor($0) }
    let rows = s.batch * s.length, d = s.width
    let y = Tensor(count: rows * d), qkv = Tensor(count: 3 * rows * d)
    let probs = Tensor(count: s.batch * s.heads * s.length * s.length), context = Tensor(count: rows * d)
    let workspace = Tensor(count: AttentionKernel.workspaceCount(s))
    let bq: UnsafePointer<Float>? = c.bias ? t[2].p : nil, bo: UnsafePointer<Float>? = c.bias ? t[4].p : nil
    AttentionKernel.forward(
      x: t[0].p, wQKV: t[1].p, bQKV: bq, wOut: t[3].p, bOut: bo, y: y.m, qkv: qkv.m, probs: probs.m,
      context: context.m, shape: s, dropout: c.dropout, stream: stream, workspace: workspace.m)
    let grads = [rows * d, 3 * d * d, 3 * d, d * d, d].map { Tensor(count: $0) }
    AttentionKernel.backward(
      dy: t[5].p, x: t[0].p, qkv: qkv.p, probs: probs.p, context: context.p, wQKV: t[1].p, wOut: t[3].p,
      dx: grads[0].m, dwQKV: grads[1].m, dbQKV: c.bias ? grads[2].m : nil, dwOut: grads[3].m,
      dbOut: c.bias ? grads[4].m : nil, shape: s, dropout: c.dropout, stream: stream, workspace: workspace.m)

    let point = v.map { $0.map(Double.init) }
    let large = rows * d > 256
    for input in 0..<5 where c.bias || (input != 2 && input != 4) {
      KernelTesting.expectGradient(grads[input].array, at: v[input], samples: large ? 6 : 64, "input \(input) of \(c)") { changed in
        var p = point
        p[input] = changed
        return KernelTesting.dot(r, attentionReference(p[0], p[1], c.bias ? p[2] : nil, p[3], c.bias ? p[4] : nil, c).y)
      }
    }
  }
}
