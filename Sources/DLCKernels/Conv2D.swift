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

/// Convolution as GEMM over the whole batch (Chellapilla et al. 2006, "High performance
/// convolutional neural networks for document processing"): im2col lays every input
/// patch out as a column of col [C·KH·KW, N·OH·OW], so y = W · col is one large GEMM
/// that OpenBLAS spreads over all cores; one GEMM beats N per-sample GEMMs when the
/// per-sample matrices (e.g. 64 × 121 × 288) are too small to run at full speed. When
/// they are so small that OpenBLAS would not thread them anyway (e.g. 32 × 676 × 9),
/// per-sample GEMMs split over our threads are faster: they skip the reorders and the
/// long-K shape of the batched weight gradient that OpenBLAS cannot split.
public enum Conv2DKernel {
  /// Scratch floats the caller provides to forward/gradInput/gradWeight (may be 0).
  public static func workspaceCount(_ s: Conv2DShape) -> Int {
    (s.patch + s.outChannels) * s.batch * s.positions
  }

  /// y = W ⋆ x + b. Workspace: col, then W · col in [OC, N·P] order.
  public static func forward(
    x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
    y: UnsafeMutablePointer<Float>, shape s: Conv2DShape, workspace: UnsafeMutablePointer<Float>
  ) {
    let np = s.batch * s.positions
    guard np > 0, s.outChannels > 0 else { return }
    let col = workspace, product = workspace + s.patch * np
    ConvLayout.im2col(x: x, col: col, shape: s)
    if perSample(s) {
      // y_n = W · col_n straight into y (col_n is a column block of col): no reorder.
      let (p, oc, patch) = (s.positions, s.outChannels, s.patch)
      Parallel.forEach(count: s.batch, minimumPerThread: 1) { samples in
        for n in samples {
          let out = y + n * oc * p
          if let bias { for c in 0..<oc { (out + c * p).update(repeating: bias[c], count: p) } }
          BLAS.sgemm(
            transA: false, transB: false, m: oc, n: p, k: patch, alpha: 1, a: weight, lda: patch,
            b: col + n * p, ldb: np, beta: bias == nil ? 0 : 1, c: out, ldc: p)
        }
      }
      return
    }
    BLAS.sgemm(
      transA: false, transB: false, m: s.outChannels, n: np, k: s.patch, alpha: 1,
      a: weight, lda: s.patch, b: col, ldb: np, beta: 0, c: product, ldc: np)
    ConvLayout.toBatchMajor(product, y, bias: bias, shape: s)
  }

  /// dx = Wᵀ · dy scattered back onto the input (col2im). Workspace: dy in [OC, N·P]
  /// order, then dcol.
  public static func gradInput(
    dy: UnsafePointer<Float>, weight: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
    shape s: Conv2DShape, workspace: UnsafeMutablePointer<Float>
  ) {
    let np = s.batch * s.positions
    guard np > 0, s.outChannels > 0 else {
      dx.update(repeating: 0, count: s.batch * s.inChannels * s.height * s.width)
      return
    }
    let dyT = workspace, dcol = workspace + s.outChannels * np
    if perSample(s) {
      // dcol_n = Wᵀ · dy_n, reading dy in place.
      let (p, oc, patch) = (s.positions, s.outChannels, s.patch)
      Parallel.forEach(count: s.batch, minimumPerThread: 1) { samples in
        for n in samples {
          BLAS.sgemm(
            transA: true, transB: false, m: patch, n: p, k: oc, alpha: 1, a: weight, lda: patch,
            b: dy + n * oc * p, ldb: p, beta: 0, c: dcol + n * p, ldc: np)
        }
      }
    } else {
      ConvLayout.toChannelMajor(dy, dyT, shape: s)
      BLAS.sgemm(
        transA: true, transB: false, m: s.patch, n: np, k: s.outChannels, alpha: 1,
        a: weight, lda: s.patch, b: dyT, ldb: np, beta: 0, c: dcol, ldc: np)
    }
    ConvLayout.col2im(col: dcol, dx: dx, shape: s)
  }

  /// dW = dy · colᵀ, summed over the batch. Workspace: dy in [OC, N·P] order, then col.
  public static func gradWeight(
    dy: UnsafePointer<Float>, x: UnsafePointer<Float>, dweight: UnsafeMutablePointer<Float>,
    shape s: Conv2DShape, workspace: UnsafeMutablePointer<Float>
  ) {
    let np = s.batch * s.positions
    guard np > 0 else {
      dweight.update(repeating: 0, count: s.outChannels * s.patch)
      return
    }
    let dyT = workspace, col = workspace + s.outChannels * np
    ConvLayout.im2col(x: x, col: col, shape: s)
    if perSample(s) {
      gradWeightPerSample(dy: dy, col: col, dweight: dweight, shape: s, partials: dyT)
      return
    }
    ConvLayout.toChannelMajor(dy, dyT, shape: s)
    BLAS.sgemm(
      transA: false, transB: true, m: s.outChannels, n: s.patch, k: np, alpha: 1,
      a: dyT, lda: np, b: col, ldb: np, beta: 0, c: dweight, ldc: s.patch)
  }

  /// OpenBLAS runs a GEMM with m·n·k at most this on the calling thread (0.3.21:
  /// SMP_THRESHOLD_MIN 65536 × GEMM_MULTITHREAD_THRESHOLD 4), so such GEMMs may run
  /// side by side on our own threads.
  static let singleThreadGEMM = 262_144

  /// Whether per-sample GEMMs split over our threads beat one batched GEMM: when each
  /// is small enough to run on its calling thread, and `partials` fits in the workspace.
  static func perSample(_ s: Conv2DShape) -> Bool {
    let chunks = Parallel.chunkCount(count: s.batch, minimumPerThread: 1)
    return chunks > 1 && s.outChannels * s.patch * s.positions <= singleThreadGEMM
      && (chunks - 1) * s.patch <= s.batch * s.positions
  }

  /// dW for a small weight with a long reduction (e.g. 32 × 9 over 64 × 676 positions),
  /// a shape OpenBLAS cannot split over threads: each thread sums per-sample GEMMs over
  /// its samples into its own partial [OC, C·KH·KW] (no reorder of dy needed), then the
  /// partials are added. `partials` needs threads · OC · C·KH·KW floats.
  static func gradWeightPerSample(
    dy: UnsafePointer<Float>, col: UnsafePointer<Float>, dweight: UnsafeMutablePointer<Float>,
    shape s: Conv2DShape, partials: UnsafeMutablePointer<Float>
  ) {
    let (p, oc, patch) = (s.positions, s.outChannels, s.patch)
    let np = s.batch * p
    let size = oc * patch
    let chunks = Parallel.chunkCount(count: s.batch, minimumPerThread: 1)
    Parallel.forEachChunk(count: s.batch, minimumPerThread: 1) { chunk, samples in
      let out = chunk == 0 ? dweight : partials + (chunk - 1) * size
      for n in samples {
        BLAS.sgemm(
          transA: false, transB: true, m: oc, n: patch, k: p, alpha: 1,
          a: dy + n * oc * p, lda: p, b: col + n * p, ldb: np, beta: n == samples.lowerBound ? 0 : 1,
          c: out, ldc: patch)
      }
    }
    for chunk in 1..<max(chunks, 1) {
      let partial = partials + (chunk - 1) * size
      for i in 0..<size { dweight[i] += partial[i] }
    }
  }

  /// db[oc] = Σ over samples and positions of dy[n, oc, :].
  public static func gradBias(dy: UnsafePointer<Float>, dbias: UnsafeMutablePointer<Float>, shape s: Conv2DShape) {
    let p = s.positions
    for oc in 0..<s.outChannels {
      var total: Float = 0
      for n in 0..<s.batch { total += Reduction.sum(dy + (n * s.outChannels + oc) * p, count: p) }
      dbias[oc] = total
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
  /// 0 outside the image. One thread per block of rows; each row is written contiguously.
  static func im2col(x: UnsafePointer<Float>, col: UnsafeMutablePointer<Float>, shape s: Conv2DShape) {
    let (oh, ow, p) = (s.outHeight, s.outWidth, s.positions)
    let np = s.batch * p
    let (h, w, c, kh, kw) = (s.height, s.width, s.inChannels, s.kernelH, s.kernelW)
    let (sh, sw, ph, pw, dh, dw) = (s.strideH, s.strideW, s.padH, s.padW, s.dilationH, s.dilationW)
    let n = s.batch
    Parallel.forEach(count: s.patch, minimumPerThread: max(1, parallelWork / max(np, 1))) { rows in
      for r in rows {
        let ch = r / (kh * kw), i = (r / kw) % kh, j = r % kw
        let offset = j * dw - pw
        let (lo, hi) = validRange(offset: offset, stride: sw, width: w, count: ow)
        for sample in 0..<n {
          let plane = x + (sample * c + ch) * h * w
          for y in 0..<oh {
            let dst = col + r * np + sample * p + y * ow
            let iy = y * sh - ph + i * dh
            if iy < 0 || iy >= h {
              dst.update(repeating: 0, count: ow)
              continue
            }
            let src = plane + iy * w + offset
            if lo > 0 { dst.update(repeating: 0, count: lo) }
            if sw == 1 {
              (dst + lo).update(from: src + lo, count: hi - lo)
            } else {
              for k in lo..<hi { dst[k] = src[k * sw] }
            }
            if hi < ow { (dst + hi).update(repeating: 0, count: ow - hi) }
          }
        }
      }
    }
  }

  /// The adjoint of im2col: dx[n, c, ih, iw] = Σ of the col entries that read it. One
  /// thread per block of (n, c) planes, so no two threads write the same float.
  static func col2im(col: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, shape s: Conv2DShape) {
    let (oh, ow, p) = (s.outHeight, s.outWidth, s.positions)
    let np = s.batch * p
    let (h, w, c, kh, kw) = (s.height, s.width, s.inChannels, s.kernelH, s.kernelW)
    let (sh, sw, ph, pw, dh, dw) = (s.strideH, s.strideW, s.padH, s.padW, s.dilationH, s.dilationW)
    let planeWork = max(1, kh * kw * p)
    Parallel.forEach(count: s.batch * c, minimumPerThread: max(1, parallelWork / planeWork)) { planes in
      for t in planes {
        let sample = t / c, ch = t % c
        let plane = dx + t * h * w
        plane.update(repeating: 0, count: h * w)
        for i in 0..<kh {
          for j in 0..<kw {
            let r = (ch * kh + i) * kw + j
            let offset = j * dw - pw
            let (lo, hi) = validRange(offset: offset, stride: sw, width: w, count: ow)
            for y in 0..<oh {
              let iy = y * sh - ph + i * dh
              if iy < 0 || iy >= h { continue }
              let src = col + r * np + sample * p + y * ow
              let dst = plane + iy * w + offset
              if sw == 1 {
                for k in lo..<hi { dst[k] += src[k] }
              } else {
                for k in lo..<hi { dst[k * sw] += src[k] }
              }
            }
          }
        }
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
