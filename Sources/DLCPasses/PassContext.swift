/// What a pass may use beyond the IR: the weights, a log of what it did and skipped, and
/// the runtime services a pass cannot provide itself (running the model over training
/// batches to calibrate, fine-tuning). DLCPasses knows no runtime; the driver fills these in.
import DLCIR

/// A pass's failure, with the op or parameter it concerns when there is one.
public struct PassError: Error, Sendable, CustomStringConvertible {
  public var message: String
  public var location: IRLocation?
  public var help: String?

  public init(_ message: String, at location: IRLocation? = nil, help: String? = nil) {
    self.message = message
    self.location = location
    self.help = help
  }

  public var description: String { message }
}

/// One line of `--pass-statistics`: what a pass did, or skipped and why.
public struct PassRemark: Sendable, Equatable, CustomStringConvertible {
  public var pass: String
  public var message: String
  public var location: IRLocation?

  public init(pass: String, message: String, location: IRLocation? = nil) {
    self.pass = pass
    self.message = message
    self.location = location
  }

  public var description: String { "\(pass): \(message)" }
}

/// The weights and services a `ModelPass` runs with.
public final class PassContext {
  /// The parameter values; nil when only the IR is rewritten (`--emit opt-ir`, `dlc check`).
  public var weights: Weights?
  /// What each pass did and skipped, in order.
  public private(set) var remarks: [PassRemark] = []

  /// Runs `@predict` of a module over `batches` training batches and hands every value
  /// named in `values` to `observe` (value name, the batch's elements); for calibration.
  public var observeActivations: ((_ module: Module, _ weights: Weights, _ values: [String], _ batches: Int,
                                   _ observe: (String, UnsafeBufferPointer<Float>) -> Void) throws -> Void)?

  /// Trains `module` from `weights` for `epochs` epochs at a constant `lr` on the training
  /// split and returns the new weights; `beforeEpoch(e, &weights)` may rewrite weights (masks)
  /// before each epoch `e` in 0..<epochs and once more after the last (`e == epochs`).
  public var fineTune: ((_ module: Module, _ weights: Weights, _ epochs: Int, _ lr: Double,
                         _ beforeEpoch: (Int, inout Weights) throws -> Void) throws -> Weights)?

  public init(weights: Weights? = nil) { self.weights = weights }

  /// Records what `pass` did (or skipped, and why).
  public func remark(_ pass: String, _ message: String, at location: IRLocation? = nil) {
    remarks.append(PassRemark(pass: pass, message: message, location: location))
  }
}

/// A pass that may rewrite weights with the IR and reports what it did. Without weights
/// in the context it rewrites the IR alone, which must come out the same as with them.
public protocol ModelPass: Pass {
  func run(on module: inout Module, context: PassContext) throws
}

extension ModelPass {
  public func run(on module: inout Module) throws { try run(on: &module, context: PassContext()) }
}
