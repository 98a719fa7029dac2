/// The golden-file helper: a comparison fails with a diff, and re-recording
/// (`DLC_BLESS=1`) writes the file but still fails, naming it, so that a blessed run
/// cannot pass.
import Foundation
import Testing
import _DLCTestSupport

@Suite struct GoldenTests {
  /// A fresh folder to play the repository root, with `name` holding `text` if given.
  func scratch(_ name: String, _ text: String?) throws -> String {
    let folder = try ScratchFolder("golden")
    if let text { try folder.write(text, to: name) }
    return folder.path
  }

  func contents(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

  @Test func aMatchingGoldenPassesWithOrWithoutBlessing() throws {
    let root = try scratch("golden/a.ir", "same\n")
    defer { try? FileManager.default.removeItem(atPath: root) }
    #expect(Golden.check("same\n", against: "golden/a.ir", blessing: false, root: root) == nil)
    #expect(Golden.check("same\n", against: "golden/a.ir", blessing: true, root: root) == nil)
  }

  @Test func aMismatchFailsWithADiffAndLeavesTheGolden() throws {
    let root = try scratch("golden/a.ir", "old\n")
    defer { try? FileManager.default.removeItem(atPath: root) }
    let failure = try #require(Golden.check("new\n", against: "golden/a.ir", blessing: false, root: root))
    #expect(failure.contains("- old") && failure.contains("+ new"))
    #expect(contents(root + "/golden/a.ir") == "old\n")
    #expect(contents(root + "/golden/a.ir.actual") == "new\n")
  }

  @Test func blessingAMismatchWritesTheFileAndFailsNamingIt() throws {
    let root = try scratch("golden/a.ir", "old\n")
    defer { try? FileManager.default.removeItem(atPath: root) }
    let failure = try #require(Golden.check("new\n", against: "golden/a.ir", blessing: true, root: root))
    #expect(failure.contains("re-recorded golden/a.ir"))
    #expect(failure.contains("without DLC_BLESS"))
    #expect(contents(root + "/golden/a.ir") == "new\n")
    // The next, unblessed run passes on the recorded file.
    #expect(Golden.check("new\n", against: "golden/a.ir", blessing: false, root: root) == nil)
  }

  @Test func blessingAMissingGoldenRecordsItAndFails() throws {
    let root = try scratch("golden/a.ir", nil)
    defer { try? FileManager.default.removeItem(atPath: root) }
    #expect(Golden.check("x\n", against: "golden/b.ir", blessing: false, root: root)?.contains("missing golden file golden/b.ir") == true)
    #expect(Golden.check("x\n", against: "golden/b.ir", blessing: true, root: root)?.contains("re-recorded golden/b.ir") == true)
    #expect(contents(root + "/golden/b.ir") == "x\n")
  }
}
