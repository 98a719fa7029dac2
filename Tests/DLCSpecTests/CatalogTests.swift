/// The catalog is consistent with itself and with the generated reference tables.
import Testing
import _DLCTestSupport
@testable import DLCSpec

@Suite struct CatalogTests {
  @Test func namesAreUniquePerKind() {
    for kind in EntryKind.allCases {
      let names = Catalog.entries(kind).map(\.name)
      #expect(Set(names).count == names.count, "duplicate \(kind) names")
    }
  }

  @Test func primaryParametersExist() {
    for e in Catalog.all {
      if let p = e.primary { #expect(e.param(p) != nil, "\(e.name): primary '\(p)' is not a parameter") }
    }
  }

  @Test func plannedNamesAreNotImplemented() {
    for (kind, names) in Catalog.planned {
      for n in names { #expect(Catalog.entry(kind, n) == nil, "\(kind) '\(n)' is both planned and implemented") }
    }
  }

  @Test func defaultsSatisfyTheirOwnBounds() {
    for e in Catalog.all {
      for p in e.params {
        guard case .value(let v) = p.default else { continue }
        switch (p.type, v) {
        case (.int(let b), .int(let i)): #expect(b.contains(Double(i)), "\(e.name).\(p.name)")
        case (.float(let b), .float(let f)): #expect(b.contains(f), "\(e.name).\(p.name)")
        case (.choice(let words), .string(let s)): #expect(words.contains(s), "\(e.name).\(p.name)")
        default: break
        }
      }
    }
  }

  @Test func boundsPrintTheWayTheDocsShowThem() {
    #expect(Bounds.unitOpen.description == "[0, 1)")
    #expect(Bounds.atLeast(1).description == "≥ 1")
    #expect(Bounds.above(0).description == "> 0")
    #expect(Bounds.unitOpen.contains(0) && !Bounds.unitOpen.contains(1))
  }

  /// docs/spec-language.md holds the generated tables between two markers.
  @Test func referenceTablesAreFresh() throws {
    let path = "docs/spec-language.md"
    let doc = try #require(RepoRoot.read(path))
    let begin = "<!-- BEGIN CATALOG -->\n", end = "<!-- END CATALOG -->"
    let tables = CatalogDocs.markdown()
    guard let b = doc.range(of: begin), let e = doc.range(of: end) else {
      Issue.record("\(path) has no \(begin) … \(end) markers")
      return
    }
    let regenerated = String(doc[..<b.upperBound]) + tables + String(doc[e.lowerBound...])
    if let failure = Golden.check(regenerated, against: path) { Issue.record(Comment(rawValue: failure)) }
  }
}
