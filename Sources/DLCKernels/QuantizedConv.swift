import CInt8GEMM

/// Quantized 2-D convolution over a `Conv2DShape` (NCHW, weight [OC, C, KH, KW]): im2row
/// of the uint8 input, then the integer GEMM of `Quantized.denseInt8` with positions as
/// rows and output channels as columns, written straight into y [N, OC, OH, OW].
extension Quantized {
  /// Scratch bytes `conv2dInt8` and `conv2dInt8Requantized` need: the patch matrix,
  /// N·OH·OW rows of C·KH·KW.
  public static func workspaceCount(_ s: Conv2DShape) -> Int { s.batch * s.positions * s.patch }

  /// y = (xScale · wScale[oc]) · acc + bias[oc] (float output), where acc sums
  /// (xq − zx) · wq over each patch; padding reads the zero point (real 0), not 0. wPacked
  /// is the weight [OC, C·KH·KW] packed by `packWeights(_:rows: OC, columns: C·KH·KW, into:)`.
  public static func conv2dInt8(
    xq: UnsafePointer<UInt8>, x: AffineQuantization, wPacked: UnsafePointer<Int8>,
    wScales: UnsafePointer<Float>, wRowSums: UnsafePointer<Int32>, bias: UnsafePointer<Float>?,
    y: UnsafeMutablePointer<Float>, shape s: Conv2DShape, workspace: UnsafeMutablePointer<UInt8>
  ) {
    let finish = Epilogue.make(
      x: x, wScales: wScales, wRowSums: wRowSums, bias: bias, output: .float(y),
      layout: .channelPlanes(positions: s.positions, channels: s.outChannels))
    convolve(xq: xq, zeroPoint: x.zeroPoint, wPacked: wPacked, shape: s, workspace: workspace, finish)
  }

  /// Like `conv2dInt8`, then yq = clamp(round(y / yScale) + yZeroPoint, lo, 255), lo =
  /// yZeroPoint when `relu` else 0.
  public static func conv2dInt8Requantized(
    xq: UnsafePointer<UInt8>, x: AffineQuantization, wPacked: UnsafePointer<Int8>,
    wScales: UnsafePointer<Float>, wRowSums: UnsafePointer<Int32>, bias: UnsafePointer<Float>?,
    shape s: Conv2DShape, output: AffineQuantization, relu: Bool, yq: UnsafeMutablePointer<UInt8>,
    workspace: UnsafeMutablePointer<UInt8>
  ) {
    let finish = Epilogue.make(
      x: x, wScales: wScales, wRowSums: wRowSums, bias: bias, output: .uint8(yq, output, relu: relu),
      layout: .channelPlanes(positions: s.positions, channels: s.outChannels))
    convolve(xq: xq, zeroPoint: x.zeroPoint, wPacked: wPacked, shape: s, workspace: workspace, finish)
  }

  /// im2row into `workspace`, then the GEMM over all N·OH·OW positions.
  static func convolve(
    xq: UnsafePointer<UInt8>, zeroPoint: Int32, wPacked: UnsafePointer<Int8>, shape s: Conv2DShape,
    workspace: UnsafeMutablePointer<UInt8>, _ finish: dlc_u8s8_epilogue
  ) {
    let rows = s.batch * s.positions
    guard rows > 0, s.outChannels > 0 else { return }
    im2row(xq, padding: UInt8(truncatingIfNeeded: zeroPoint), rows: workspace, shape: s)
    IntegerGEMM.run(xq: workspace, wPacked: wPacked, rows: rows, columns: s.outChannels, depth: s.patch, finish)
  }

  /// rows[n·P + oy·OW + ox][(c·KH + i)·KW + j] = x[n, c, oy·sh − ph + i·dh, ox·sw − pw + j·dw],
  /// `padding` outside the image: each output position's patch is one contiguous row, in
  /// the order of the weight's [C, KH, KW], as the GEMM's dot products want. One task is
  /// one output row (oy) of one sample, OW·C·KH·KW bytes that stay in L1 while each patch
  /// entry is written down the OW rows, with the in-image span worked out once per entry.
  static func im2row(_ x: UnsafePointer<UInt8>, padding: UInt8, rows: UnsafeMutablePointer<UInt8>, shape s: Conv2DShape) {
    let (oh, ow, patch) = (s.outHeight, s.outWidth, s.patch)
    let (h, w, c, kh, kw) = (s.height, s.width, s.inChannels, s.kernelH, s.kernelW)
    let (sh, sw, ph, pw, dh, dw) = (s.strideH, s.strideW, s.padH, s.padW, s.dilationH, s.dilationW)
    Parallel.forEach(count: s.batch * oh, minimumPerThread: max(1, 32768 / max(ow * patch, 1))) { tasks in
      for task in tasks {
        let n = task / oh, oy = task % oh
        let block = rows + task * ow * patch
        // Nested loops over (channel, i, j) rather than dividing r: three integer
        // divisions per entry cost more than the copy itself (measured 8×).
        var r = 0
        for ch in 0..<c {
          for i in 0..<kh {
            let iy = oy * sh - ph + i * dh
            for j in 0..<kw {
              let offset = j * dw - pw, dst = block + r
              r += 1
              guard iy >= 0, iy < h else {
                for ox in 0..<ow { dst[ox * patch] = padding }
                continue
              }
              let src = x + ((n * c + ch) * h + iy) * w + offset
              let (lo, hi) = ConvLayout.validRange(offset: offset, stride: sw, width: w, count: ow)
              for ox in 0..<lo { dst[ox * patch] = padding }
              for ox in lo..<hi { dst[ox * patch] = src[ox * sw] }
              for ox in hi..<ow { dst[ox * patch] = padding }
            }
          }
        }
      }
    }
  }
}
