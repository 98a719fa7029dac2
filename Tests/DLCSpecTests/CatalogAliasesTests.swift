/// Names from Keras and PyTorch: exact ones are accepted as the entry they stand for,
/// ambiguous ones are refused with both candidates.
import DLCSyntax
import Testing
@testable import DLCSpec

@Suite struct CatalogAliasesTests {
  private func initializer(_ text: String) throws -> (EntryUse?, [Diagnostic]) {
    let (spec, diags) = layers("    - dense: {units: 8, init: \(text)}\n")
    return (spec?.model?.layers.first?.use?.entryUse("init"), diags)
  }

  /// Keras's he_normal is a normal truncated at ±2σ with variance 2/fan_in: it becomes
  /// variance_scaling with those parameters, not PyTorch's untruncated kaiming_normal.
  @Test func kerasNamesBecomeTheEntryTheyMean() throws {
    let (he, diags) = try initializer("he_normal")
    #expect(diags.isEmpty, "\(diags.map(\.message.text))")
    #expect(he?.name == "variance_scaling")
    #expect(he?.double("scale") == 2 && he?.string("mode") == "fan_in" && he?.string("distribution") == "truncated_normal")
    let glorot = try initializer("glorot_normal").0
    #expect(glorot?.name == "variance_scaling" && glorot?.double("scale") == 1 && glorot?.string("mode") == "fan_avg")
    #expect(try initializer("glorot_uniform").0?.name == "xavier_uniform")
    let heUniform = try initializer("he_uniform").0
    #expect(heUniform?.name == "kaiming_uniform" && heUniform?.string("nonlinearity") == "relu" && heUniform?.string("mode") == "fan_in")
    #expect(try initializer("eye").0?.name == "identity")
    #expect(try initializer("{trunc_normal: {std: 0.02}}").0?.double("std") == 0.02)
  }

  /// Parameters written beside an alias override the ones it sets.
  @Test func writtenParametersOverrideTheAlias() throws {
    let (he, diags) = try initializer("{he_normal: {mode: fan_out}}")
    #expect(diags.isEmpty, "\(diags.map(\.message.text))")
    #expect(he?.name == "variance_scaling" && he?.string("mode") == "fan_out" && he?.double("scale") == 2)
    let primary = try initializer("{he_normal: 3}").0
    #expect(primary?.double("scale") == 3 && primary?.string("distribution") == "truncated_normal")
  }

  /// `xavier`, `kaiming`, `lecun` … could mean a uniform or a normal: refused, both named.
  @Test func ambiguousNamesNameBothEntries() throws {
    for (name, candidates) in [("xavier", ["xavier_uniform", "xavier_normal"]), ("kaiming", ["kaiming_uniform", "kaiming_normal"]),
                               ("he", ["he_uniform", "he_normal"]), ("lecun", ["lecun_uniform", "lecun_normal"])] {
      let (use, diags) = try initializer(name)
      #expect(use == nil)
      let d = try #require(diags.first, "\(name)")
      #expect(d.id == "spec.unknownEntry" && candidates.allSatisfy { c in d.helps.contains { $0.contains("'\(c)'") } }, "\(d.helps)")
    }
  }

  /// Every alias stands for an entry of its kind whose parameters include the ones it sets,
  /// and no alias or ambiguous name shadows an entry.
  @Test func aliasesAreConsistent() {
    for a in Catalog.aliases {
      let entry = Catalog.entry(a.kind, a.entry)
      #expect(entry != nil && Catalog.entry(a.kind, a.name) == nil, "\(a.name)")
      #expect(a.args.keys.allSatisfy { entry?.param($0) != nil }, "\(a.name)")
    }
    for (kind, names) in Catalog.ambiguousNames {
      for (name, candidates) in names {
        #expect(Catalog.entry(kind, name) == nil && Catalog.alias(kind, name) == nil, "\(name)")
        #expect(candidates.allSatisfy { Catalog.entry(kind, $0) != nil || Catalog.alias(kind, $0) != nil }, "\(name)")
      }
    }
  }
}
