/// Passes: transformations of the IR, run in order by a `PassManager`.
///
/// In: a verified module. Out: the module rewritten in place, still verified. Each pass
/// is one file and one type named by its action, with a kebab-case `name`.
import DLCIR

/// One IR transformation.
public protocol Pass {
  /// The kebab-case name used by `--print-ir-after=<name>` and in errors (`fold-batchnorm`).
  var name: String { get }
  /// One line saying what the pass does.
  var summary: String { get }
  /// Rewrites `module` in place; throws when the pass cannot apply.
  func run(on module: inout Module) throws
}
