/// The geometry of one 2-D convolution, PyTorch `nn.Conv2d` (groups = 1): x [N, C, H, W],
/// weight [OC, C, KH, KW], bias [OC], y [N, OC, OH, OW].
public struct Conv2DShape: Sendable, Hashable {
  public var batch, inChannels, height, width, outChannels, kernelH, kernelW: Int
  public var strideH, strideW, padH, padW, dilationH, dilationW: Int

  /// A shape from all its sizes.
  public init(
    batch: Int, inChannels: Int, height: Int, width: Int, outChannels: Int,
    kernelH: Int, kernelW: Int, strideH: Int, strideW: Int, padH: Int, padW: Int,
    dilationH: Int, dilationW: Int
  ) {
    (self.batch, self.inChannels, self.height, self.width) = (batch, inChannels, height, width)
    (self.outChannels, self.kernelH, self.kernelW) = (outChannels, kernelH, kernelW)
    (self.strideH, self.strideW, self.padH, self.padW) = (strideH, strideW, padH, padW)
    (self.dilationH, self.dilationW) = (dilationH, dilationW)
  }

  /// ⌊(H + 2·pad − dilation·(KH − 1) − 1) / stride⌋ + 1 (PyTorch `nn.Conv2d` docs).
  public var outHeight: Int { (height + 2 * padH - dilationH * (kernelH - 1) - 1) / strideH + 1 }
  /// ⌊(W + 2·pad − dilation·(KW − 1) − 1) / stride⌋ + 1 (PyTorch `nn.Conv2d` docs).
  public var outWidth: Int { (width + 2 * padW - dilationW * (kernelW - 1) - 1) / strideW + 1 }

  /// Rows of the column matrix: C · KH · KW.
  var patch: Int { inChannels * kernelH * kernelW }
  /// Output positions per sample: OH · OW.
  var positions: Int { outHeight * outWidth }
}

/// Convolution as GEMM (Chellapilla et al. 2006, "High performance convolutional neural
/// networks for document processing"): im2col lays every input patch out as a column of
/// col [C·KH·KW, OH·OW], so y = W · col is a GEMM.
///
/// OpenBLAS runs on one thread (see `BLAS`), so our threads split the batch: each takes a
/// block of samples and runs, per sample, im2col into its own scratch and one GEMM. A
/// sample's col (e.g. 288 × 196 floats, 225 KB) stays in the core's L2 between im2col and
/// GEMM, where a whole-batch col (14 MB) would not, and y_n = W · col_n lands in y's
/// [N, OC, P] layout with no reorder. When a sample has so few positions that per-sample
/// GEMMs are too small to run at full speed, one batched GEMM over col [C·KH·KW, N·P],
/// split over our threads, runs instead.
public enum Conv2DKernel {
  /// Scratch floats the caller provides to forward/gradInput/gradWeight (may be 0).
  public static func workspaceCount(_ s: Conv2DShape) -> Int {
    (s.patch + s.outChannels) * s.batch * s.positions
  }

  /// y = W ⋆ x + b. Workspace: per thread a col_n (per sample), or col then W · col in
  /// [OC, N·P] order (batched).
  public static func forward(
    x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
    y: UnsafeMutablePointer<Float>, shape s: Conv2DShape, workspace: UnsafeMutablePointer<Float>
  ) {
    let (p, oc, patch) = (s.positions, s.outChannels, s.patch)
    guard s.batch * p > 0, oc > 0 else { return }
    if perSample(s) {
      // y_n = W · col_n + b straight into y.
      forEachSample(s) { chunk, samples in
        let col = workspace + chunk * patch * p
        for n in samples {
          let out = y + n * oc * p
          ConvLayout.im2col(sample: x + n * s.inChannels * s.height * s.width, col: col, shape: s)
          if let bias { for c in 0..<oc { (out + c * p).update(repeating: bias[c], count: p) } }
          BLAS.sgemm(
            transA: false, transB: false, m: oc, n: p, k: patch, alpha: 1, a: weight, lda: patch,
            b: col, ldb: p, beta: bias == nil ? 0 : 1, c: out, ldc: p)
        }
      }
      return
    }
    let np = s.batch * p
    let col = workspace, product = workspace + patch * np
    ConvLayout.im2col(x: x, col: col, shape: s)
    BLAS.sgemmParallel(
      transA: false, transB: false, m: oc, n: np, k: patch, alpha: 1,
      a: weight, lda: patch, b: col, ldb: np, beta: 0, c: product, ldc: np)
    ConvLayout.toBatchMajor(product, y, bias: bias, shape: s)
  }

  /// dx = Wᵀ · dy scattered back onto the input (col2im). Workspace: per thread a dcol_n
  /// (per sample), or dy in [OC, N·P] order then dcol (batched).
  public static func gradInput(
    dy: UnsafePointer<Float>, weight: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
    shape s: Conv2DShape, workspace: UnsafeMutablePointer<Float>
  ) {
    let (p, oc, patch) = (s.positions, s.outChannels, s.patch)
    let np = s.batch * p
    guard np > 0, oc > 0 else {
      dx.update(repeating: 0, count: s.batch * s.inChannels * s.height * s.width)
      return
    }
    if perSample(s) {
      // dcol_n = Wᵀ · dy_n, reading dy in place, then col2im of that one sample.
      forEachSample(s) { chunk, samples in
        let dcol = workspace + chunk * patch * p
        for n in samples {
          BLAS.sgemm(
            transA: true, transB: false, m: patch, n: p, k: oc, alpha: 1, a: weight, lda: patch,
            b: dy + n * oc * p, ldb: p, beta: 0, c: dcol, ldc: p)
          ConvLayout.col2im(sample: dcol, dx: dx + n * s.inChannels * s.height * s.width, shape: s)
        }
      }
      return
    }
    let dyT = workspace, dcol = workspace + oc * np
    ConvLayout.toChannelMajor(dy, dyT, shape: s)
    BLAS.sgemmParallel(
      transA: true, transB: false, m: patch, n: np, k: oc, alpha: 1,
      a: weight, lda: patch, b: dyT, ldb: np, beta: 0, c: dcol, ldc: np)
    ConvLayout.col2im(col: dcol, dx: dx, shape: s)
  }

  /// dW = dy · colᵀ, summed over the batch. Workspace: per thread a col_n, then the
  /// threads' partial sums (per sample), or dy in [OC, N·P] order then col (batched).
  public static func gradWeight(
    dy: UnsafePointer<Float>, x: UnsafePointer<Float>, dweight: UnsafeMutablePointer<Float>,
    shape s: Conv2DShape, workspace: UnsafeMutablePointer<Float>
  ) {
    let (p, oc, patch) = (s.positions, s.outChannels, s.patch)
    let np = s.batch * p
    guard np > 0 else {
      dweight.update(repeating: 0, count: oc * patch)
      return
    }
    if perSample(s) {
      gradWeightPerSample(dy: dy, x: x, dweight: dweight, shape: s, workspace: workspace)
      return
    }
    let dyT = workspace, col = workspace + oc * np
    ConvLayout.im2col(x: x, col: col, shape: s)
    ConvLayout.toChannelMajor(dy, dyT, shape: s)
    BLAS.sgemmParallel(
      transA: false, transB: true, m: oc, n: patch, k: np, alpha: 1,
      a: dyT, lda: np, b: col, ldb: np, beta: 0, c: dweight, ldc: patch)
  }

  /// Fewest output positions per sample for per-sample GEMMs: below it (e.g. 7 × 7) their
  /// n is too short for OpenBLAS's kernels and one batched GEMM wins.
  static let minimumPositions = 64

  /// Whether each thread runs per-sample GEMMs: when a sample has enough positions, every
  /// thread gets a sample (else the batched GEMM splits instead), and the threads' cols
  /// and partial sums fit the workspace (they do unless C·KH·KW far exceeds N·OH·OW).
  static func perSample(_ s: Conv2DShape) -> Bool {
    let chunks = Parallel.chunkCount(count: s.batch, minimumPerThread: 1)
    return s.positions >= minimumPositions && s.batch >= Parallel.threads
      && (chunks - 1) * s.patch <= s.batch * s.positions
  }

  /// Runs body(chunk, samples) over blocks of samples, one block per thread.
  @inline(__always)
  static func forEachSample(_ s: Conv2DShape, _ body: (_ chunk: Int, _ samples: Range<Int>) -> Void) {
    Parallel.forEachChunk(count: s.batch, minimumPerThread: 1, body)
  }

  /// dW as per-sample GEMMs dy_n · col_nᵀ: each thread sums its samples into its own
  /// partial [OC, C·KH·KW] (thread 0 straight into dweight), then the partials are added
  /// in thread order, so the sum's order depends only on the thread count.
  static func gradWeightPerSample(
    dy: UnsafePointer<Float>, x: UnsafePointer<Float>, dweight: UnsafeMutablePointer<Float>,
    shape s: Conv2DShape, workspace: UnsafeMutablePointer<Float>
  ) {
    let (p, oc, patch) = (s.positions, s.outChannels, s.patch)
    let size = oc * patch
    let chunks = Parallel.chunkCount(count: s.batch, minimumPerThread: 1)
    let partials = workspace + chunks * patch * p
    forEachSample(s) { chunk, samples in
      let col = workspace + chunk * patch * p
      let out = chunk == 0 ? dweight : partials + (chunk - 1) * size
      for n in samples {
        ConvLayout.im2col(sample: x + n * s.inChannels * s.height * s.width, col: col, shape: s)
        BLAS.sgemm(
          transA: false, transB: true, m: oc, n: patch, k: p, alpha: 1,
          a: dy + n * oc * p, lda: p, b: col, ldb: p, beta: n == samples.lowerBound ? 0 : 1,
          c: out, ldc: patch)
      }
    }
    for chunk in 1..<max(chunks, 1) {
      let partial = partials + (chunk - 1) * size
      for i in 0..<size { dweight[i] += partial[i] }
    }
  }

  /// db[oc] = Σ over samples and positions of dy[n, oc, :]; channels split over threads,
  /// each summed in sample order.
  public static func gradBias(dy: UnsafePointer<Float>, dbias: UnsafeMutablePointer<Float>, shape s: Conv2DShape) {
    let (p, oc) = (s.positions, s.outChannels)
    let perChannel = max(1, s.batch * p)
    Parallel.forEach(count: oc, minimumPerThread: max(1, ConvLayout.parallelWork / perChannel)) { channels in
      for c in channels {
        var total: Float = 0
        for n in 0..<s.batch { total += Reduction.sum(dy + (n * oc + c) * p, count: p) }
        dbias[c] = total
      }
    }
  }
}

/// The memory reorders around the convolution GEMMs.
enum ConvLayout {
  /// Below this many floats of work a reorder stays on one thread.
  static let parallelWork = 32768

  /// The output columns ow in lo..<hi whose input column ow·stride + offset lies in 0..<width.
  @inline(__always)
  static func validRange(offset: Int, stride: Int, width: Int, count: Int) -> (lo: Int, hi: Int) {
    let lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride
    let hi = width - 1 - offset >= 0 ? min(count, (width - 1 - offset) / stride + 1) : 0
    return (min(lo, count), max(min(lo, count), hi))
  }

  /// col[(c·KH + i)·KW + j, n·P + oh·OW + ow] = x[n, c, oh·sh − ph + i·dh, ow·sw − pw + j·dw],
  /// 0 outside the image: the whole batch, one thread per block of rows.
  static func im2col(x: UnsafePointer<Float>, col: UnsafeMutablePointer<Float>, shape s: Conv2DShape) {
    let (p, chw) = (s.positions, s.inChannels * s.height * s.width)
    let np = s.batch * p
    Parallel.forEach(count: s.patch, minimumPerThread: max(1, parallelWork / max(np, 1))) { rows in
      for r in rows {
        for n in 0..<s.batch { im2colRow(r, plane: x + n * chw, into: col + r * np + n * p, shape: s) }
      }
    }
  }

  /// im2col of one sample x_n [C, H, W] into col_n [C·KH·KW, OH·OW].
  static func im2col(sample x: UnsafePointer<Float>, col: UnsafeMutablePointer<Float>, shape s: Conv2DShape) {
    for r in 0..<s.patch { im2colRow(r, plane: x, into: col + r * s.positions, shape: s) }
  }

  /// Row r = (c, i, j) of one sample's col: the OH·OW inputs that tap (i, j) of channel c
  /// meets. `sample` points at the sample's [C, H, W].
  @inline(__always)
  static func im2colRow(_ r: Int, plane sample: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, shape s: Conv2DShape) {
    let (oh, ow, p, h, w) = (s.outHeight, s.outWidth, s.positions, s.height, s.width)
    let (kh, kw) = (s.kernelH, s.kernelW)
    let ch = r / (kh * kw), i = (r / kw) % kh, j = r % kw
    let plane = sample + ch * h * w
    if let t = ShiftedTap(i: i, j: j, shape: s) {
      // One copy of the shifted plane; then zero what lies off the image.
      dst.update(repeating: 0, count: t.start)
      (dst + t.start).update(from: plane + t.start + t.delta, count: t.end - t.start)
      (dst + t.end).update(repeating: 0, count: p - t.end)
      t.forEachWrapped(width: ow) { dst[$0] = 0 }
      return
    }
    if isShifted(s) {
      dst.update(repeating: 0, count: p)
      return
    }
    let (sh, sw, ph, dh) = (s.strideH, s.strideW, s.padH, s.dilationH)
    let offset = j * s.dilationW - s.padW
    let (lo, hi) = validRange(offset: offset, stride: sw, width: w, count: ow)
    for y in 0..<oh {
      let out = dst + y * ow
      let iy = y * sh - ph + i * dh
      if iy < 0 || iy >= h {
        out.update(repeating: 0, count: ow)
        continue
      }
      let src = plane + iy * w + offset
      if lo > 0 { out.update(repeating: 0, count: lo) }
      if sw == 1 {
        (out + lo).update(from: src + lo, count: hi - lo)
      } else {
        for k in lo..<hi { out[k] = src[k * sw] }
      }
      if hi < ow { (out + hi).update(repeating: 0, count: ow - hi) }
    }
  }

  /// The adjoint of im2col: dx[n, c, ih, iw] = Σ of the col entries that read it, the whole
  /// batch. One thread per block of (n, c) planes, so no two threads write the same float.
  /// Clobbers col (see `col2imRow`).
  static func col2im(col: UnsafeMutablePointer<Float>, dx: UnsafeMutablePointer<Float>, shape s: Conv2DShape) {
    let (p, c, kk, hw) = (s.positions, s.inChannels, s.kernelH * s.kernelW, s.height * s.width)
    let np = s.batch * p
    Parallel.forEach(count: s.batch * c, minimumPerThread: max(1, parallelWork / max(1, kk * p))) { planes in
      for t in planes {
        let n = t / c, ch = t % c
        (dx + t * hw).update(repeating: 0, count: hw)
        for r in ch * kk..<(ch + 1) * kk { col2imRow(r, col: col + r * np + n * p, plane: dx + t * hw, shape: s) }
      }
    }
  }

  /// col2im of one sample's col_n [C·KH·KW, OH·OW] into dx_n [C, H, W]. Clobbers col_n.
  static func col2im(sample col: UnsafeMutablePointer<Float>, dx: UnsafeMutablePointer<Float>, shape s: Conv2DShape) {
    let (p, kk, hw) = (s.positions, s.kernelH * s.kernelW, s.height * s.width)
    dx.update(repeating: 0, count: s.inChannels * hw)
    for r in 0..<s.patch { col2imRow(r, col: col + r * p, plane: dx + (r / kk) * hw, shape: s) }
  }

  /// Adds row r = (c, i, j) of one sample's col onto the plane [H, W] of channel c. In the
  /// shifted case the entries that wrap past the image's edge are zeroed in `src` first, so
  /// the row adds as one contiguous span.
  @inline(__always)
  static func col2imRow(_ r: Int, col src: UnsafeMutablePointer<Float>, plane: UnsafeMutablePointer<Float>, shape s: Conv2DShape) {
    let (oh, ow, h, w) = (s.outHeight, s.outWidth, s.height, s.width)
    let (kh, kw) = (s.kernelH, s.kernelW)
    let i = (r / kw) % kh, j = r % kw
    if let t = ShiftedTap(i: i, j: j, shape: s) {
      t.forEachWrapped(width: ow) { src[$0] = 0 }
      let dst = plane + t.delta
      for k in t.start..<t.end { dst[k] += src[k] }
      return
    }
    if isShifted(s) { return }
    let (sh, sw, ph, dh) = (s.strideH, s.strideW, s.padH, s.dilationH)
    let offset = j * s.dilationW - s.padW
    let (lo, hi) = validRange(offset: offset, stride: sw, width: w, count: ow)
    for y in 0..<oh {
      let iy = y * sh - ph + i * dh
      if iy < 0 || iy >= h { continue }
      let row = src + y * ow, dst = plane + iy * w + offset
      if sw == 1 {
        for k in lo..<hi { dst[k] += row[k] }
      } else {
        for k in lo..<hi { dst[k * sw] += row[k] }
      }
    }
  }

  /// Stride 1 and the output as wide as the input (3 × 3 with padding 1, say): each row of
  /// col is then the input plane shifted by one offset.
  @inline(__always)
  static func isShifted(_ s: Conv2DShape) -> Bool {
    s.strideH == 1 && s.strideW == 1 && s.outWidth == s.width
  }

  /// Where tap (i, j) reads in the shifted case: col entry k (k = oh·OW + ow) reads plane
  /// entry k + delta; the entries in start..<end read inside the image except, in each
  /// output row, the columns outside lo..<hi, which wrap onto the neighbouring row.
  struct ShiftedTap {
    let delta, start, end, lo, hi, firstRow, lastRow: Int

    /// nil unless the shape is shifted and the tap reads at least one input.
    @inline(__always)
    init?(i: Int, j: Int, shape s: Conv2DShape) {
      guard isShifted(s) else { return nil }
      let rowShift = i * s.dilationH - s.padH, offset = j * s.dilationW - s.padW
      let (lo, hi) = validRange(offset: offset, stride: 1, width: s.width, count: s.outWidth)
      let first = max(0, -rowShift), last = min(s.outHeight, s.height - rowShift)
      guard first < last, lo < hi else { return nil }
      (self.lo, self.hi, firstRow, lastRow) = (lo, hi, first, last)
      delta = rowShift * s.width + offset
      (start, end) = (first * s.outWidth + lo, (last - 1) * s.outWidth + hi)
    }

    /// Calls body with each col entry in start..<end that lies off the image.
    @inline(__always)
    func forEachWrapped(width ow: Int, _ body: (Int) -> Void) {
      guard lo > 0 || hi < ow else { return }
      for y in firstRow..<lastRow - 1 {
        for k in y * ow + hi..<(y + 1) * ow + lo { body(k) }
      }
    }
  }

  /// [OC, N·P] → y [N, OC, P], adding bias[oc] on the way.
  static func toBatchMajor(
    _ a: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?,
    shape s: Conv2DShape
  ) {
    let (p, oc) = (s.positions, s.outChannels)
    let np = s.batch * p
    Parallel.forEach(count: s.batch * oc, minimumPerThread: max(1, parallelWork / max(p, 1))) { blocks in
      for t in blocks {
        let sample = t / oc, channel = t % oc
        let src = a + channel * np + sample * p, dst = y + t * p
        if let bias {
          let b = bias[channel]
          for k in 0..<p { dst[k] = src[k] + b }
        } else {
          dst.update(from: src, count: p)
        }
      }
    }
  }

  /// dy [N, OC, P] → [OC, N·P].
  static func toChannelMajor(_ dy: UnsafePointer<Float>, _ a: UnsafeMutablePointer<Float>, shape s: Conv2DShape) {
    let (p, oc) = (s.positions, s.outChannels)
    let np = s.batch * p
    Parallel.forEach(count: s.batch * oc, minimumPerThread: max(1, parallelWork / max(p, 1))) { blocks in
      for t in blocks {
        let sample = t / oc, channel = t % oc
        (a + channel * np + sample * p).update(from: dy + t * p, count: p)
      }
    }
  }
}
