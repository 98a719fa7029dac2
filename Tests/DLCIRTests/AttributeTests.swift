import DLCIR
import Testing

@Suite struct AttributeTests {
  @Test func accessors() {
    #expect(Attribute.int(3).intValue == 3)
    #expect(Attribute.int(3).floatValue == 3.0)
    #expect(Attribute.float(0.5).floatValue == 0.5)
    #expect(Attribute.float(0.5).intValue == nil)
    #expect(Attribute.list([.int(1), .int(2)]).intList == [1, 2])
    #expect(Attribute.list([.int(1), .float(2)]).intList == nil)
    #expect(Attribute.list([.int(1), .float(2)]).floatList == [1, 2])
    #expect(Attribute.string("x").stringValue == "x")
    #expect(Attribute.bool(false).boolValue == false)
    #expect(Attribute.dict(["a": .int(1)])["a"] == .int(1))
    #expect(Attribute.int(1)["a"] == nil)
    #expect(Attribute.dict([:]).dictValue == [:])
  }

  @Test func literalsBuildAttributes() {
    let a: Attribute = ["kind": "xavier_uniform", "gain": 1.0, "fan": 3, "on": true, "sizes": [1, 2]]
    #expect(a == .dict([
      "kind": .string("xavier_uniform"), "gain": .float(1), "fan": .int(3), "on": .bool(true), "sizes": .list([.int(1), .int(2)]),
    ]))
  }

  @Test func descriptionIsTheIRText() {
    let a: Attribute = ["b": [1, 2.5, "x"], "a": 1e-5]
    #expect(a.description == "{a = 1e-05, b = [1, 2.5, \"x\"]}")
  }
}
