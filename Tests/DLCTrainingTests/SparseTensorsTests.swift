/// Mostly-zero tensors stored as a bitmap and their non-zero values: smaller files that
/// read back bit for bit, only when that is smaller, and parts that disagree refused.
import Testing

@testable import DLCTraining

@Suite struct SparseTensorsTests {
  /// 1000 float32 weights of which every fifth is non-zero (80% pruned), a -0.0 among them.
  static let pruned: TensorData = {
    var v = [Float](repeating: 0, count: 1000)
    for i in stride(from: 0, to: 1000, by: 5) { v[i] = Float(i + 1) / 7 - 20 }
    v[3] = -0.0
    return TensorData(floats: v, shape: [40, 25])
  }()

  static func checkpoint() -> Checkpoint {
    // The bias is mostly zero too, but too small to gain from the two extra header entries.
    Checkpoint(tensors: ["d.weight": pruned, "d.bias": TensorData(floats: [1, 0, 0, 0, 0, 0, 0, 0], shape: [8]),
                         "preprocess.mean": TensorData(floats: [0, 0], shape: [2])],
               metadata: [Checkpoint.Key.passes: "prune"])
  }

  @Test func compactTensorsReadBackBitForBit() throws {
    var c = Self.checkpoint()
    let dense = c.encoded().count
    #expect(SparseTensors.compact(&c, names: ["d.weight", "d.bias"]) == ["d.weight"])
    #expect(c.tensors["d.weight"] == nil && c.tensors["d.bias"] != nil)
    #expect(c.tensors["d.weight.nonzero_bitmap"]?.shape == [125] && c.tensors["d.weight.nonzero_bitmap"]?.dtype == .U8)
    // 200 non-zero values plus the −0.0, whose bits are not zero.
    #expect(c.tensors["d.weight.nonzero_values"]?.shape == [201] && c.tensors["d.weight.nonzero_values"]?.dtype == .F32)
    #expect(c.metadata[Checkpoint.Key.sparse] == "{\"d.weight\":[40,25]}")
    let bytes = c.encoded()
    // 4000 bytes of weights become 125 + 804 (and a longer header).
    #expect(bytes.count < dense - 2900, "\(bytes.count) bytes against \(dense)")
    let read = try Checkpoint(decoding: bytes, path: "c.safetensors")
    #expect(read == Self.checkpoint())
    #expect(read.tensors["d.weight"]?.bytes == Self.pruned.bytes)
  }

  /// Dense weights, and int8 weights with too few zeros, stay as they are: the parts plus
  /// their two header entries (counted as 128 bytes) must be smaller than the tensor.
  @Test func onlySmallerEncodingsAreUsed() {
    var c = Checkpoint(tensors: [
      "dense": TensorData(floats: (0..<1024).map { Float($0) + 1 }, shape: [1024]),
      // int8 with 7 of 8 zero: 128 bitmap bytes + 128 values + 128 < 1024 bytes.
      "i8.sparse": TensorData(dtype: .I8, shape: [1024], bytes: (0..<1024).map { $0 % 8 == 0 ? 3 : 0 }),
      // int8 with half zero: 128 + 512 + 128 < 1024, still smaller.
      "i8.half": TensorData(dtype: .I8, shape: [1024], bytes: (0..<1024).map { $0 % 2 == 0 ? 3 : 0 }),
      // int8 with 1 in 16 zero: 128 + 960 ≥ 1024.
      "i8.dense": TensorData(dtype: .I8, shape: [1024], bytes: (0..<1024).map { $0 % 16 == 0 ? 0 : 5 }),
    ])
    #expect(SparseTensors.compact(&c, names: ["dense", "i8.sparse", "i8.half", "i8.dense"]) == ["i8.half", "i8.sparse"])
  }

  /// Parts that disagree with each other or with the listed shape are refused with the
  /// tensor's name, never expanded into something else.
  @Test func inconsistentPartsAreRefused() throws {
    var good = Self.checkpoint()
    SparseTensors.compact(&good, names: ["d.weight"])
    func refused(_ edit: (inout Checkpoint) -> Void, _ message: String, naming name: String = "d.weight") {
      var c = good
      edit(&c)
      let bytes = c.encoded()
      #expect(throws: DataError.self, "\(message)") { try Checkpoint(decoding: bytes, path: "c.safetensors") }
      do { _ = try Checkpoint(decoding: bytes, path: "c.safetensors") } catch {
        #expect(error.path == "c.safetensors" && error.message.contains(name), "\(error)")
      }
    }
    refused({ $0.tensors["d.weight.nonzero_values"] = TensorData(floats: [1, 2], shape: [2]) }, "too few values")
    refused({ $0.tensors["d.weight.nonzero_bitmap"] = nil }, "no bitmap")
    refused({ $0.metadata[Checkpoint.Key.sparse] = "{\"d.weight\":[40,26]}" }, "shape of another size")
    refused({ $0.metadata[Checkpoint.Key.sparse] = "{\"d.weight\":[40,\"x\"]}" }, "shape not of sizes")
    refused({ $0.tensors["d.weight"] = Self.pruned }, "both dense and sparse")
    refused({ c in
      var bitmap = c.tensors["d.weight.nonzero_bitmap"]!
      bitmap.bytes[0] ^= 0b10  // one more element marked, one value short
      c.tensors["d.weight.nonzero_bitmap"] = bitmap
    }, "bitmap and values disagree")
    // A shape whose element count overflows is refused, not trapped on.
    refused({ $0.metadata[Checkpoint.Key.sparse] = "{\"d.weight\":[4611686018427387904,4]}" }, "overflowing shape")
    refused({ $0.metadata[Checkpoint.Key.sparse] = "[1]" }, "not an object", naming: "dlc.sparse")
  }

  /// A bitmap with bits past the element count is refused (61 elements use 5 bits of the
  /// 8th byte; the top bit marks a 64th element that does not exist).
  @Test func bitsPastTheEndAreRefused() throws {
    var c = Checkpoint(tensors: ["w": TensorData(floats: [1] + [Float](repeating: 0, count: 60), shape: [61])])
    #expect(SparseTensors.compact(&c, names: ["w"]) == ["w"])
    c.tensors["w.nonzero_bitmap"]!.bytes[7] = 0b1000_0000
    c.tensors["w.nonzero_values"] = TensorData(floats: [1, 2], shape: [2])
    #expect(throws: DataError.self) { try Checkpoint(decoding: c.encoded(), path: "w.safetensors") }
  }
}
