import Glibc

/// The geometry of multi-head self-attention: x [N, L, D], H heads of width D / H.
public struct AttentionShape: Sendable, Hashable {
  public var batch, length, width, heads: Int
  public var causal: Bool

  /// A shape from all its sizes.
  public init(batch: Int, length: Int, width: Int, heads: Int, causal: Bool) {
    (self.batch, self.length, self.width, self.heads, self.causal) = (batch, length, width, heads, causal)
  }

  /// D / H.
  var headWidth: Int { width / heads }
  /// Rows of the projections: N · L.
  var rows: Int { batch * length }
  /// (sample, head) pairs.
  var pairs: Int { batch * heads }
  /// Floats of one score matrix: L · L.
  var square: Int { length * length }
}

/// Multi-head self-attention (Vaswani et al. 2017, "Attention is all you need", §3.2) in
/// PyTorch's `nn.MultiheadAttention` layout with batch_first: qkv = x · W_qkvᵀ + b_qkv
/// split into q, k, v of width D; head h uses columns h·dh..<(h+1)·dh of each;
/// probs = softmax(q·kᵀ / √dh) (future positions masked when causal); dropout on probs;
/// context = probs · v with heads merged; y = context · W_outᵀ + b_out.
///
/// Projections are single GEMMs over all N·L rows; the per-head score and context
/// products are small GEMMs, one (sample, head) pair per task, pairs split over threads.
public enum AttentionKernel {
  public static func workspaceCount(_ s: AttentionShape) -> Int {
    4 * s.rows * s.width + 2 * s.pairs * s.square
  }

  /// y [N,L,D]; saves qkv [N,L,3D] (after bias), probs [N,H,L,L] (softmax, before dropout),
  /// context [N,L,D] (after dropout on probs, heads merged). dropout mask element index = flat index in probs.
  public static func forward(
    x: UnsafePointer<Float>, wQKV: UnsafePointer<Float>, bQKV: UnsafePointer<Float>?,
    wOut: UnsafePointer<Float>, bOut: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>,
    qkv: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>, context: UnsafeMutablePointer<Float>,
    shape s: AttentionShape, dropout: Float, stream: RandomStream, workspace: UnsafeMutablePointer<Float>
  ) {
    let d = s.width
    DenseKernel.forward(x: x, weight: wQKV, bias: bQKV, y: qkv, rows: s.rows, inFeatures: d, outFeatures: 3 * d)
    attend(qkv: qkv, probs: probs, dropped: workspace, context: context, shape: s, dropout: dropout, stream: stream)
    DenseKernel.forward(x: context, weight: wOut, bias: bOut, y: y, rows: s.rows, inFeatures: d, outFeatures: d)
  }

  /// Inference: no dropout, nothing saved except through workspace.
  public static func inference(
    x: UnsafePointer<Float>, wQKV: UnsafePointer<Float>, bQKV: UnsafePointer<Float>?,
    wOut: UnsafePointer<Float>, bOut: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>,
    shape s: AttentionShape, workspace: UnsafeMutablePointer<Float>
  ) {
    let d = s.width
    let qkv = workspace, context = workspace + 3 * s.rows * d, probs = workspace + 4 * s.rows * d
    DenseKernel.forward(x: x, weight: wQKV, bias: bQKV, y: qkv, rows: s.rows, inFeatures: d, outFeatures: 3 * d)
    attend(
      qkv: qkv, probs: probs, dropped: probs, context: context, shape: s, dropout: 0,
      stream: RandomStream(seed: 0, purpose: .dropout))
    DenseKernel.forward(x: context, weight: wOut, bias: bOut, y: y, rows: s.rows, inFeatures: d, outFeatures: d)
  }

  /// The gradients of forward's y with respect to x and the four parameters, from the
  /// tensors forward saved; the dropout mask is drawn again from `stream`.
  public static func backward(
    dy: UnsafePointer<Float>, x: UnsafePointer<Float>, qkv: UnsafePointer<Float>, probs: UnsafePointer<Float>,
    context: UnsafePointer<Float>, wQKV: UnsafePointer<Float>, wOut: UnsafePointer<Float>,
    dx: UnsafeMutablePointer<Float>, dwQKV: UnsafeMutablePointer<Float>, dbQKV: UnsafeMutablePointer<Float>?,
    dwOut: UnsafeMutablePointer<Float>, dbOut: UnsafeMutablePointer<Float>?,
    shape s: AttentionShape, dropout: Float, stream: RandomStream, workspace: UnsafeMutablePointer<Float>
  ) {
    let (d, rows) = (s.width, s.rows)
    let dcontext = workspace, dqkv = workspace + rows * d
    let droppedSlots = workspace + 4 * rows * d, gradSlots = droppedSlots + s.pairs * s.square

    // Output projection.
    DenseKernel.gradWeight(dy: dy, x: context, dweight: dwOut, rows: rows, inFeatures: d, outFeatures: d)
    if let dbOut { DenseKernel.gradBias(dy: dy, dbias: dbOut, rows: rows, outFeatures: d) }
    DenseKernel.gradInput(dy: dy, weight: wOut, dx: dcontext, rows: rows, inFeatures: d, outFeatures: d)

    // Per (sample, head): dV = P̃ᵀ·dC; dP̃ = dC·Vᵀ; dP = dropout⁻¹(dP̃);
    // dS = P ⊙ (dP − rowsum(dP ⊙ P)) (softmax VJP); dQ = dS·K/√dh; dK = dSᵀ·Q/√dh.
    let (l, dh, heads, square) = (s.length, s.headWidth, s.heads, s.square)
    let scale = 1 / Float(dh).squareRoot()
    let keepScale = dropout < 1 ? 1 / (1 - dropout) : 0
    Parallel.forEach(count: s.pairs, minimumPerThread: minimumPairsPerThread(s)) { pairs in
      for t in pairs {
        let n = t / heads, h = t % heads
        let base = qkv + n * l * 3 * d + h * dh, grad = dqkv + n * l * 3 * d + h * dh
        let dc = dcontext + n * l * d + h * dh
        let p = probs + t * square, ds = gradSlots + t * square
        var dropped = p
        if dropout > 0 {
          applyDropout(p, droppedSlots + t * square, count: square, start: t * square, rate: dropout, keepScale: keepScale, stream: stream)
          dropped = UnsafePointer(droppedSlots + t * square)
        }
        BLAS.sgemm(
          transA: true, transB: false, m: l, n: dh, k: l, alpha: 1,
          a: dropped, lda: l, b: dc, ldb: d, beta: 0, c: grad + 2 * d, ldc: 3 * d)
        BLAS.sgemm(
          transA: false, transB: true, m: l, n: l, k: dh, alpha: 1,
          a: dc, lda: d, b: base + 2 * d, ldb: 3 * d, beta: 0, c: ds, ldc: l)
        if dropout > 0 {
          applyDropout(ds, ds, count: square, start: t * square, rate: dropout, keepScale: keepScale, stream: stream)
        }
        softmaxBackwardRows(probs: p, grad: ds, length: l)
        BLAS.sgemm(
          transA: false, transB: false, m: l, n: dh, k: l, alpha: scale,
          a: ds, lda: l, b: base + d, ldb: 3 * d, beta: 0, c: grad, ldc: 3 * d)
        BLAS.sgemm(
          transA: true, transB: false, m: l, n: dh, k: l, alpha: scale,
          a: ds, lda: l, b: base, ldb: 3 * d, beta: 0, c: grad + d, ldc: 3 * d)
      }
    }

    // Input projection.
    DenseKernel.gradWeight(dy: dqkv, x: x, dweight: dwQKV, rows: rows, inFeatures: d, outFeatures: 3 * d)
    if let dbQKV { DenseKernel.gradBias(dy: dqkv, dbias: dbQKV, rows: rows, outFeatures: 3 * d) }
    DenseKernel.gradInput(dy: dqkv, weight: wQKV, dx: dx, rows: rows, inFeatures: d, outFeatures: 3 * d)
  }

  /// Scores, softmax, dropout and context for every (sample, head) pair. `dropped` holds
  /// the dropped-out probabilities ([N, H, L, L]); unused when dropout is 0.
  static func attend(
    qkv: UnsafePointer<Float>, probs: UnsafeMutablePointer<Float>, dropped: UnsafeMutablePointer<Float>,
    context: UnsafeMutablePointer<Float>, shape s: AttentionShape, dropout: Float, stream: RandomStream
  ) {
    let (d, l, dh, heads, square, causal) = (s.width, s.length, s.headWidth, s.heads, s.square, s.causal)
    let scale = 1 / Float(dh).squareRoot()
    let keepScale = dropout < 1 ? 1 / (1 - dropout) : 0
    Parallel.forEach(count: s.pairs, minimumPerThread: minimumPairsPerThread(s)) { pairs in
      for t in pairs {
        let n = t / heads, h = t % heads
        let base = qkv + n * l * 3 * d + h * dh
        let p = probs + t * square
        BLAS.sgemm(
          transA: false, transB: true, m: l, n: l, k: dh, alpha: scale,
          a: base, lda: 3 * d, b: base + d, ldb: 3 * d, beta: 0, c: p, ldc: l)
        softmaxRows(p, length: l, causal: causal)
        var weights = UnsafePointer(p)
        if dropout > 0 {
          applyDropout(p, dropped + t * square, count: square, start: t * square, rate: dropout, keepScale: keepScale, stream: stream)
          weights = UnsafePointer(dropped + t * square)
        }
        BLAS.sgemm(
          transA: false, transB: false, m: l, n: dh, k: l, alpha: 1,
          a: weights, lda: l, b: base + 2 * d, ldb: 3 * d, beta: 0, c: context + n * l * d + h * dh, ldc: d)
      }
    }
  }

  /// Splits pairs over threads once a thread gets ~64k multiply-adds.
  static func minimumPairsPerThread(_ s: AttentionShape) -> Int {
    max(1, 65536 / max(1, s.square * s.headWidth))
  }

  /// Row-wise softmax of an L × L score matrix in place, with max subtraction; when
  /// causal, entries j > i get probability 0.
  static func softmaxRows(_ p: UnsafeMutablePointer<Float>, length l: Int, causal: Bool) {
    for i in 0..<l {
      let row = p + i * l
      let valid = causal ? i + 1 : l
      var top = -Float.infinity
      for j in 0..<valid where row[j] > top { top = row[j] }
      var total: Float = 0
      for j in 0..<valid {
        let e = expf(row[j] - top)
        row[j] = e
        total += e
      }
      let inverse = 1 / total
      for j in 0..<valid { row[j] *= inverse }
      if valid < l { (row + valid).update(repeating: 0, count: l - valid) }
    }
  }

  /// grad ← P ⊙ (grad − rowsum(grad ⊙ P)), the softmax vector-Jacobian product per row.
  static func softmaxBackwardRows(probs p: UnsafePointer<Float>, grad g: UnsafeMutablePointer<Float>, length l: Int) {
    for i in 0..<l {
      let pr = p + i * l, gr = g + i * l
      var dot: Float = 0
      for j in 0..<l { dot += pr[j] * gr[j] }
      for j in 0..<l { gr[j] = pr[j] * (gr[j] - dot) }
    }
  }

  /// dst[i] = src[i] · keepScale when stream.uniform(at: start + i) >= rate, else 0
  /// (inverted dropout, Srivastava et al. 2014; the mask rule of `DropoutKernel`). Each
  /// Philox block serves four consecutive elements. src and dst may be the same.
  static func applyDropout(
    _ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, count: Int, start: Int,
    rate: Float, keepScale: Float, stream: RandomStream
  ) {
    var i = 0
    while i < count {
      let g = start + i
      let w = stream.block(g >> 2)
      let words = (w.0, w.1, w.2, w.3)
      var lane = g & 3
      while lane < 4 && i < count {
        let bits: UInt32
        switch lane {
        case 0: bits = words.0
        case 1: bits = words.1
        case 2: bits = words.2
        default: bits = words.3
        }
        let u = Float(bits >> 8) * 0x1p-24
        dst[i] = u >= rate ? src[i] * keepScale : 0
        lane += 1
        i += 1
      }
    }
  }
}
