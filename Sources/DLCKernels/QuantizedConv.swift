import CInt8GEMM

/// Quantized 2-D convolution over a `Conv2DShape` (NCHW, weight [OC, C, KH, KW]): im2row
/// of the uint8 input, then the integer GEMM of `Quantized.denseInt8` with positions as
/// rows and output channels as columns, written straight into y [N, OC, OH, OW].
extension Quantized {
  /// Scratch bytes `conv2dInt8` and `conv2dInt8Requantized` need: the patch matrix,
  /// N·OH·OW rows of C·KH·KW, and for `im2rowBySegments` the padded input and 8 bytes of
  /// slack for its word-wide reads.
  public static func workspaceCount(_ s: Conv2DShape) -> Int {
    s.batch * s.positions * s.patch + (PaddedInput(s).map { $0.count + 8 } ?? 0)
  }

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
    let padding = UInt8(truncatingIfNeeded: zeroPoint)
    if let padded = PaddedInput(s) {
      let copy = workspace + rows * s.patch
      padded.fill(copy, from: xq, padding: padding, shape: s)
      im2rowBySegments(copy, padded, rows: workspace, shape: s)
    } else {
      im2row(xq, padding: padding, rows: workspace, shape: s)
    }
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

  /// The input with its padding written out (the zero point), for `im2rowBySegments`:
  /// each (n, c) plane becomes hp × wp bytes, exactly the rows and columns the windows
  /// read. Used when a window row is contiguous in x (dilationW = 1) and at most 8 bytes.
  struct PaddedInput {
    let hp: Int, wp: Int, planes: Int
    var count: Int { planes * hp * wp }

    init?(_ s: Conv2DShape) {
      guard s.dilationW == 1, (1...8).contains(s.kernelW), s.padH >= 0, s.padW >= 0, s.outHeight > 0, s.outWidth > 0
      else { return nil }
      hp = (s.outHeight - 1) * s.strideH + (s.kernelH - 1) * s.dilationH + 1
      wp = (s.outWidth - 1) * s.strideW + s.kernelW
      planes = s.batch * s.inChannels
    }

    /// padded[plane][py][px] = x[plane][py − padH][px − padW], `padding` outside the image.
    func fill(_ padded: UnsafeMutablePointer<UInt8>, from x: UnsafePointer<UInt8>, padding: UInt8, shape s: Conv2DShape) {
      let (h, w, ph, pw) = (s.height, s.width, s.padH, s.padW)
      let left = min(pw, wp), inside = max(0, min(w, wp - pw))
      Parallel.forEach(count: planes, minimumPerThread: max(1, 32768 / max(hp * wp, 1))) { range in
        for plane in range {
          for py in 0..<hp {
            let row = padded + (plane * hp + py) * wp, iy = py - ph
            guard iy >= 0, iy < h else {
              row.update(repeating: padding, count: wp)
              continue
            }
            row.update(repeating: padding, count: left)
            (row + left).update(from: x + (plane * h + iy) * w, count: inside)
            (row + left + inside).update(repeating: padding, count: wp - left - inside)
          }
        }
      }
    }
  }

  /// im2row from the padded input: each patch row is C·KH segments of KW contiguous bytes,
  /// one 8-byte load and store each (the store runs past the segment into the next ones,
  /// which overwrite it; the segments too close to the row's end for a word are copied
  /// byte by byte, so no store leaves the row). `im2row` writes one byte at a time down
  /// the columns: on the digits CNN at batch 64 it took 45% of the int8 forward pass.
  static func im2rowBySegments(
    _ padded: UnsafePointer<UInt8>, _ g: PaddedInput, rows: UnsafeMutablePointer<UInt8>, shape s: Conv2DShape
  ) {
    let (oh, ow, patch, kw) = (s.outHeight, s.outWidth, s.patch, s.kernelW)
    let segments = s.inChannels * s.kernelH
    // The first `wordSegments` segments of a row start at least 8 bytes before the row's
    // end (s·KW + 8 ≤ patch); the rest are copied byte by byte.
    let wordSegments = patch >= 8 ? (patch - 8) / kw + 1 : 0
    let (hp, wp, sh, sw) = (g.hp, g.wp, s.strideH, s.strideW)
    withUnsafeTemporaryAllocation(of: Int.self, capacity: segments) { offsets in
      // Segment (c, i) starts (c·hp + i·dh)·wp bytes after the window's corner.
      for ch in 0..<s.inChannels {
        for i in 0..<s.kernelH { offsets[ch * s.kernelH + i] = (ch * hp + i * s.dilationH) * wp }
      }
      let offsets = UnsafePointer(offsets.baseAddress!)
      Parallel.forEach(count: s.batch * oh, minimumPerThread: max(1, 32768 / max(ow * patch, 1))) { tasks in
        for task in tasks {
          let n = task / oh, oy = task % oh
          let top = UnsafeRawPointer(padded + n * s.inChannels * hp * wp + oy * sh * wp)
          for ox in 0..<ow {
            let row = UnsafeMutableRawPointer(rows + (task * ow + ox) * patch)
            let corner = top + ox * sw
            for segment in 0..<wordSegments {
              let word = (corner + offsets[segment]).loadUnaligned(as: UInt64.self)
              (row + segment &* kw).storeBytes(of: word, as: UInt64.self)
            }
            for segment in wordSegments..<segments {
              let (src, dst) = (corner + offsets[segment], row + segment &* kw)
              for j in 0..<kw { dst.storeBytes(of: src.load(fromByteOffset: j, as: UInt8.self), toByteOffset: j, as: UInt8.self) }
            }
          }
        }
      }
    }
  }
}
