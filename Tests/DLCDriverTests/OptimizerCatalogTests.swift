import DLCIR
import DLCSema
import DLCSpec
import Testing

/// The catalog (DLCSpec) and the update rules (DLCIR) cannot import each other, so this
/// test holds them together: every optimizer the catalog accepts has an update rule that
/// the entry's parameters, as Sema writes them with the catalog's defaults, fully supply;
/// and every rule runs only names the catalog knows.
@Suite struct OptimizerCatalogTests {
  @Test func everyCatalogOptimizerHasARuleItsParametersSupply() throws {
    for entry in Catalog.entries(.optimizer) {
      let rule = try #require(UpdateRule.rule(for: entry.name), "catalog optimizer '\(entry.name)' has no update rule")
      let optimizer = try #require(EntryUse(entry: entry).attribute.dictValue)
      #expect(rule.attributes(for: optimizer) != nil, "'\(entry.name)' does not supply every attribute of '\(rule.schema.name)'")
    }
    for kind in UpdateRule.all.flatMap(\.kinds) {
      #expect(Catalog.entry(.optimizer, kind) != nil, "update rule for '\(kind)', which the catalog does not know")
    }
  }
}
