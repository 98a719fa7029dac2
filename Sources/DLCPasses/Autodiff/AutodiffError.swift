/// Why `autodiff` could not derive `@train_step`.
public struct AutodiffError: Error, Sendable, Hashable, CustomStringConvertible {
  public var message: String

  public init(_ message: String) { self.message = message }

  public var description: String { message }
}
