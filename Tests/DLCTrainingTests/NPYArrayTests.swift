/// NPY arrays: a shape is refused as too large when any product of its dimensions overflows, even
/// when a zero dimension makes the total size zero.
import Testing
@testable import DLCTraining

@Suite struct NPYArrayTests {
  private func loadError(_ shape: [Int]) throws -> DataError? {
    let f = try DataFixture()
    let path = try f.write("x.npy", DataFixture.npy(header: DataFixture.npyHeader("<f4", shape), data: []))
    do {
      _ = try NPYLoader.load(x: path, y: nil, task: .reconstruction, classes: nil, sampleShape: nil)
      return nil
    } catch { return error }
  }

  /// Found by fuzzing the checker's reader; the runtime's reader had the same gap: no rows
  /// of 2³² × 2³² values passed the size check (0 bytes) and trapped in the per-sample size.
  @Test func aZeroDimensionDoesNotHideAnOverflowingProduct() throws {
    let e = try #require(try loadError([0, 1 << 32, 1 << 32]))
    #expect(e.id == "data.npyTooLarge")
    #expect(e.message.contains("more data bytes than any file can hold"), "\(e.message)")
  }

  @Test func aTotalSizeThatOverflowsIsRefusedAsTooLarge() throws {
    let e = try #require(try loadError([1 << 62, 2]))
    #expect(e.id == "data.npyTooLarge")
    #expect(e.message.contains("more data bytes than any file can hold"), "\(e.message)")
  }

  @Test func anEmptyArrayWithSmallDimensionsIsAValidArray() throws {
    let bytes = DataFixture.npy(header: DataFixture.npyHeader("<f4", [0, 3]), data: [])
    let a = try NPYArray(path: "x.npy", bytes: bytes)
    #expect(a.shape == [0, 3])
    #expect(a.count == 0)
  }
}
