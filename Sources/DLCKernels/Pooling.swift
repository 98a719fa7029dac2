/// The geometry of a 2-D pooling window, PyTorch `nn.MaxPool2d` / `nn.AvgPool2d`
/// (ceil_mode = false): x [N, C, H, W] → y [N, C, OH, OW].
public struct Pool2DShape: Sendable, Hashable {
  public var batch, channels, height, width, windowH, windowW, strideH, strideW, padH, padW: Int

  /// A shape from all its sizes.
  public init(
    batch: Int, channels: Int, height: Int, width: Int, windowH: Int, windowW: Int,
    strideH: Int, strideW: Int, padH: Int, padW: Int
  ) {
    (self.batch, self.channels, self.height, self.width) = (batch, channels, height, width)
    (self.windowH, self.windowW, self.strideH, self.strideW) = (windowH, windowW, strideH, strideW)
    (self.padH, self.padW) = (padH, padW)
  }

  /// ⌊(H + 2·pad − window) / stride⌋ + 1 (PyTorch `nn.MaxPool2d` docs, dilation 1).
  public var outHeight: Int { (height + 2 * padH - windowH) / strideH + 1 }
  /// ⌊(W + 2·pad − window) / stride⌋ + 1.
  public var outWidth: Int { (width + 2 * padW - windowW) / strideW + 1 }

  /// Independent (n, c) planes.
  var planes: Int { batch * channels }
}

/// Max, average and global average pooling, forward and backward. Each (n, c) plane is
/// independent, so large inputs split planes across threads.
public enum PoolKernel {
  /// Below this many input floats pooling stays on one thread.
  static let parallelWork = 32768

  /// y = the maximum of each window; padding counts as −∞.
  public static func maxForward(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, shape s: Pool2DShape) {
    if isPairwise(s) { return maxForwardPairwise(x: x, y: y, shape: s) }
    forEachPlane(s) { plane in
      let src = x + plane * s.height * s.width, dst = y + plane * s.outHeight * s.outWidth
      forEachWindow(s) { o, rows, cols in
        var best = -Float.infinity
        for iy in rows {
          let row = src + iy * s.width
          for ix in cols where row[ix] > best { best = row[ix] }
        }
        dst[o] = best
      }
    }
  }

  /// dx gets dy at the first maximum of each window (row-major scan), summed where
  /// windows overlap.
  public static func maxBackward(
    dy: UnsafePointer<Float>, x: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, shape s: Pool2DShape
  ) {
    if isPairwise(s) { return maxBackwardPairwise(dy: dy, x: x, dx: dx, shape: s) }
    forEachPlane(s) { plane in
      let size = s.height * s.width
      let src = x + plane * size, grad = dx + plane * size, g = dy + plane * s.outHeight * s.outWidth
      grad.update(repeating: 0, count: size)
      forEachWindow(s) { o, rows, cols in
        var best = -Float.infinity, at = -1
        for iy in rows {
          let row = iy * s.width
          for ix in cols where src[row + ix] > best || at < 0 {
            best = src[row + ix]
            at = row + ix
          }
        }
        if at >= 0 { grad[at] += g[o] }
      }
    }
  }

  /// y = Σ window / (windowH · windowW): padding counts in the divisor (PyTorch's
  /// default `count_include_pad = True`).
  public static func avgForward(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, shape s: Pool2DShape) {
    let scale = 1 / Float(s.windowH * s.windowW)
    forEachPlane(s) { plane in
      let src = x + plane * s.height * s.width, dst = y + plane * s.outHeight * s.outWidth
      forEachWindow(s) { o, rows, cols in
        var total: Float = 0
        for iy in rows {
          let row = src + iy * s.width
          for ix in cols { total += row[ix] }
        }
        dst[o] = total * scale
      }
    }
  }

  /// dx[i] = Σ over windows containing i of dy / (windowH · windowW).
  public static func avgBackward(dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, shape s: Pool2DShape) {
    let scale = 1 / Float(s.windowH * s.windowW)
    forEachPlane(s) { plane in
      let size = s.height * s.width
      let grad = dx + plane * size, g = dy + plane * s.outHeight * s.outWidth
      grad.update(repeating: 0, count: size)
      forEachWindow(s) { o, rows, cols in
        let share = g[o] * scale
        for iy in rows {
          let row = grad + iy * s.width
          for ix in cols { row[ix] += share }
        }
      }
    }
  }

  /// [N, C, H*W] → [N, C] when channelsFirst; [N, L, D] → [N, D] (average over L) when !channelsFirst.
  public static func globalAvgForward(
    x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, batch: Int, positions: Int, channels: Int,
    channelsFirst: Bool
  ) {
    let scale = 1 / Float(max(positions, 1))
    for n in 0..<batch {
      let src = x + n * positions * channels, dst = y + n * channels
      if channelsFirst {
        for c in 0..<channels { dst[c] = Reduction.sum(src + c * positions, count: positions) * scale }
      } else {
        Reduction.columnSums(src, into: dst, rows: positions, columns: channels, stride: channels)
        for c in 0..<channels { dst[c] *= scale }
      }
    }
  }

  /// dx = dy / positions, broadcast over the averaged axis.
  public static func globalAvgBackward(
    dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, batch: Int, positions: Int, channels: Int,
    channelsFirst: Bool
  ) {
    let scale = 1 / Float(max(positions, 1))
    for n in 0..<batch {
      let g = dy + n * channels, dst = dx + n * positions * channels
      if channelsFirst {
        for c in 0..<channels { (dst + c * positions).update(repeating: g[c] * scale, count: positions) }
      } else {
        for l in 0..<positions {
          let row = dst + l * channels
          for c in 0..<channels { row[c] = g[c] * scale }
        }
      }
    }
  }

  /// Runs body for every (n, c) plane, splitting planes over threads for large inputs.
  @inline(__always)
  static func forEachPlane(_ s: Pool2DShape, _ body: (Int) -> Void) {
    let work = max(1, s.height * s.width)
    Parallel.forEach(count: s.planes, minimumPerThread: max(1, parallelWork / work)) { planes in
      for plane in planes { body(plane) }
    }
  }

  /// Calls body(flat output index, input rows, input columns) for each window of a
  /// plane, the ranges clipped to the image.
  @inline(__always)
  static func forEachWindow(_ s: Pool2DShape, _ body: (Int, Range<Int>, Range<Int>) -> Void) {
    let (oh, ow) = (s.outHeight, s.outWidth)
    for y in 0..<oh {
      let top = y * s.strideH - s.padH
      let rows = max(top, 0)..<max(min(top + s.windowH, s.height), max(top, 0))
      for x in 0..<ow {
        let left = x * s.strideW - s.padW
        let cols = max(left, 0)..<max(min(left + s.windowW, s.width), max(left, 0))
        body(y * ow + x, rows, cols)
      }
    }
  }

  /// The common 2 × 2, stride 2, unpadded window, on straight loops.
  static func isPairwise(_ s: Pool2DShape) -> Bool {
    s.windowH == 2 && s.windowW == 2 && s.strideH == 2 && s.strideW == 2 && s.padH == 0 && s.padW == 0
  }

  /// maxForward for 2 × 2 windows at stride 2.
  static func maxForwardPairwise(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, shape s: Pool2DShape) {
    let (w, oh, ow) = (s.width, s.outHeight, s.outWidth)
    let (inPlane, outPlane) = (s.height * w, oh * ow)
    forEachPlane(s) { plane in
      for oy in 0..<oh {
        let top = x + plane * inPlane + 2 * oy * w, bottom = top + w
        let out = y + plane * outPlane + oy * ow
        for ox in 0..<ow {
          let a = max(top[2 * ox], top[2 * ox + 1]), b = max(bottom[2 * ox], bottom[2 * ox + 1])
          out[ox] = max(a, b)
        }
      }
    }
  }

  /// maxBackward for 2 × 2 windows at stride 2: windows do not overlap, so each input is
  /// written once, dy at its window's first maximum and 0 elsewhere. The winner is chosen
  /// with vector selects, 8 then 4 windows at a time: branches on real activations
  /// mispredict, and scalar selects ran at a third of the speed of the forward pass.
  static func maxBackwardPairwise(
    dy: UnsafePointer<Float>, x: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, shape s: Pool2DShape
  ) {
    let (h, w, oh, ow) = (s.height, s.width, s.outHeight, s.outWidth)
    let (inPlane, outPlane) = (h * w, oh * ow)
    forEachPlane(s) { plane in
      let grad = dx + plane * inPlane
      for oy in 0..<oh {
        let top = x + plane * inPlane + 2 * oy * w, gradTop = grad + 2 * oy * w
        let gradOut = dy + plane * outPlane + oy * ow
        var ox = 0
        while ox + 8 <= ow {
          routeWindows8(top + 2 * ox, width: w, dy: gradOut + ox, dx: gradTop + 2 * ox)
          ox += 8
        }
        while ox + 4 <= ow {
          routeWindows4(top + 2 * ox, width: w, dy: gradOut + ox, dx: gradTop + 2 * ox)
          ox += 4
        }
        while ox < ow {
          routeWindow(top + 2 * ox, width: w, dy: gradOut[ox], dx: gradTop + 2 * ox)
          ox += 1
        }
        // An odd last column is in no window.
        if w > 2 * ow {
          (gradTop + 2 * ow).update(repeating: 0, count: w - 2 * ow)
          (gradTop + w + 2 * ow).update(repeating: 0, count: w - 2 * ow)
        }
      }
      // Nor is an odd last row.
      (grad + 2 * oh * w).update(repeating: 0, count: (h - 2 * oh) * w)
    }
  }

  /// Routes dy of 8 adjacent 2 × 2 windows (top rows at `top`, bottom rows a `width`
  /// further) to the first maximum of each in row-major order (top-left, top-right,
  /// bottom-left, bottom-right: a later entry wins only when strictly greater), writing 0
  /// to the other entries. Concrete SIMD types: generic ones compare lane by lane.
  @inline(__always)
  static func routeWindows8(
    _ top: UnsafePointer<Float>, width: Int, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>
  ) {
    let upper = UnsafeRawPointer(top).loadUnaligned(as: SIMD16<Float>.self)
    let lower = UnsafeRawPointer(top + width).loadUnaligned(as: SIMD16<Float>.self)
    let (a, b, c, d) = (upper.evenHalf, upper.oddHalf, lower.evenHalf, lower.oddHalf)
    let bWins = b .> a
    let best = a.replacing(with: b, where: bWins)
    let cWins = c .> best
    let dWins = d .> best.replacing(with: c, where: cWins)
    let later = cWins .| dWins
    let g = UnsafeRawPointer(dy).loadUnaligned(as: SIMD8<Float>.self), zero = SIMD8<Float>()
    var routed = SIMD16<Float>()
    routed.evenHalf = zero.replacing(with: g, where: .!(bWins .| later))
    routed.oddHalf = zero.replacing(with: g, where: bWins .& .!later)
    UnsafeMutableRawPointer(dx).storeBytes(of: routed, as: SIMD16<Float>.self)
    routed.evenHalf = zero.replacing(with: g, where: cWins .& .!dWins)
    routed.oddHalf = zero.replacing(with: g, where: dWins)
    UnsafeMutableRawPointer(dx + width).storeBytes(of: routed, as: SIMD16<Float>.self)
  }

  /// routeWindows8 for 4 windows.
  @inline(__always)
  static func routeWindows4(
    _ top: UnsafePointer<Float>, width: Int, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>
  ) {
    let upper = UnsafeRawPointer(top).loadUnaligned(as: SIMD8<Float>.self)
    let lower = UnsafeRawPointer(top + width).loadUnaligned(as: SIMD8<Float>.self)
    let (a, b, c, d) = (upper.evenHalf, upper.oddHalf, lower.evenHalf, lower.oddHalf)
    let bWins = b .> a
    let best = a.replacing(with: b, where: bWins)
    let cWins = c .> best
    let dWins = d .> best.replacing(with: c, where: cWins)
    let later = cWins .| dWins
    let g = UnsafeRawPointer(dy).loadUnaligned(as: SIMD4<Float>.self), zero = SIMD4<Float>()
    var routed = SIMD8<Float>()
    routed.evenHalf = zero.replacing(with: g, where: .!(bWins .| later))
    routed.oddHalf = zero.replacing(with: g, where: bWins .& .!later)
    UnsafeMutableRawPointer(dx).storeBytes(of: routed, as: SIMD8<Float>.self)
    routed.evenHalf = zero.replacing(with: g, where: cWins .& .!dWins)
    routed.oddHalf = zero.replacing(with: g, where: dWins)
    UnsafeMutableRawPointer(dx + width).storeBytes(of: routed, as: SIMD8<Float>.self)
  }
}

/// PoolKernel.routeWindows8 for one window.
@inline(__always)
private func routeWindow(_ top: UnsafePointer<Float>, width: Int, dy g: Float, dx: UnsafeMutablePointer<Float>) {
  let (a, b, c, d) = (top[0], top[1], top[width], top[width + 1])
  let bWins = b > a
  let cWins = c > (bWins ? b : a)
  let dWins = d > (cWins ? c : bWins ? b : a)
  let later = cWins || dWins
  dx[0] = !bWins && !later ? g : 0
  dx[1] = bWins && !later ? g : 0
  dx[width] = cWins && !dWins ? g : 0
  dx[width + 1] = dWins ? g : 0
}
