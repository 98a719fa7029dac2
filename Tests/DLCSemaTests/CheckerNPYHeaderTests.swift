/// The checker's NPY header reader: shapes whose sizes do not fit an `Int` are refused
/// at the header, so no size taken from them later can overflow.
import Testing
@testable import DLCSema

@Suite struct CheckerNPYHeaderTests {
  /// The message the checker gives for features `x` and labels `y` with these headers.
  private func firstMessage(x: [UInt8], y: [UInt8]) throws -> String? {
    let f = try SemaFixture(["spec.yaml": DataProbeTests.npySpec])
    try f.write("x.npy", bytes: x)
    try f.write("y.npy", bytes: y)
    let (_, diags) = f.check()
    #expect(diags.first?.id == "sema.dataFormat")
    return diags.first?.message.text
  }

  /// Found by fuzzing: 2⁶² rows of labels trapped while the labels were sized (rows × 4 bytes).
  @Test func labelsWhoseByteSizeOverflowsAreRefused() throws {
    let rows = "(4611686018427387904,)"
    let message = try firstMessage(x: DataProbeTests.npy("<f4", "(4611686018427387904, 2, 2)", data: []),
                                   y: DataProbeTests.npy("<i4", rows, data: []))
    #expect(message?.contains("more data bytes than any file can hold") == true, "\(message ?? "")")
  }

  /// No rows, but 2³² × 2³² features per row: the feature count itself overflowed.
  @Test func featuresWhoseCountOverflowsAreRefused() throws {
    let message = try firstMessage(x: DataProbeTests.npy("<f4", "(0, 4294967296, 4294967296)", data: []),
                                   y: DataProbeTests.npy("<i4", "(0,)", data: []))
    #expect(message?.contains("more data bytes than any file can hold") == true, "\(message ?? "")")
  }
}
