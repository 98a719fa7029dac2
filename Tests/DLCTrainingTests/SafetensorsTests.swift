/// Safetensors: the exact bytes written, the round trip, and each malformed file rejected.
import Testing
@testable import DLCTraining

@Suite struct SafetensorsTests {
  private let tiny = Checkpoint(
    tensors: ["b": TensorData(int32s: [7], shape: [1]), "a": TensorData(floats: [1, -2], shape: [2])],
    metadata: ["dlc.epoch": "3"])

  /// 8-byte length, the header (141 bytes + 3 spaces of padding), then a's and b's bytes.
  @Test func aTinyCheckpointHasTheseExactBytes() {
    let header = #"{"__metadata__":{"dlc.epoch":"3"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"I32","shape":[1],"data_offsets":[8,12]}}"#
    var expected: [UInt8] = [144, 0, 0, 0, 0, 0, 0, 0] + Array(header.utf8) + [0x20, 0x20, 0x20]
    expected += [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0, 0x07, 0x00, 0x00, 0x00]
    #expect(tiny.encoded() == expected)
  }

  @Test func everyDtypeRoundTrips() throws {
    var tensors: [String: TensorData] = [:]
    for (i, d) in DType.allCases.enumerated() {
      tensors["t\(i)"] = TensorData(dtype: d, shape: [2, 1], bytes: (0..<(2 * d.size)).map { UInt8(($0 * 37 + i) & 0xFF) })
    }
    tensors["empty"] = TensorData(floats: [], shape: [0, 3])
    tensors["scalar"] = TensorData(floats: [2.5], shape: [])
    let c = Checkpoint(tensors: tensors, metadata: ["quote\"\n": "välue\u{1}", "dlc.ir": "module @m {}"])
    #expect(try Checkpoint(decoding: c.encoded()) == c)
  }

  @Test func conversionsReadTheValues() {
    #expect(TensorData(dtype: .F16, shape: [3], bytes: [0x00, 0x3C, 0x00, 0xC0, 0x01, 0x00]).floats() == [1, -2, 0x1p-24])
    #expect(TensorData(dtype: .BF16, shape: [1], bytes: [0x80, 0x3F]).floats() == [1])
    #expect(TensorData(int64s: [-3], shape: [1]).integers() == [-3])
    #expect(TensorData(int32s: [1], shape: [1]).floats() == nil)
  }

  /// Bytes with `header` as the JSON and `data` after it.
  private func file(_ header: String, data: [UInt8] = []) -> [UInt8] {
    TensorData.littleEndianBytes([UInt64(header.utf8.count)]) + Array(header.utf8) + data
  }

  /// The ID of the error decoding `bytes`.
  private func errorID(_ bytes: [UInt8]) -> String? {
    do {
      _ = try Checkpoint(decoding: bytes, path: "c.safetensors")
      return nil
    } catch { return error.id }
  }

  @Test func malformedFilesAreRejected() {
    let f32 = #""dtype":"F32","shape":[1]"#
    #expect(errorID([1, 0, 0]) == "checkpoint.headerLength")
    #expect(errorID(TensorData.littleEndianBytes([UInt64(1000)]) + Array("{}".utf8)) == "checkpoint.headerLength")
    #expect(errorID(TensorData.littleEndianBytes([UInt64.max]) + Array("{}".utf8)) == "checkpoint.headerLength")
    #expect(errorID(file("[1]")) == "checkpoint.header")
    #expect(errorID(file("{\"a\":")) == "checkpoint.header")
    #expect(errorID(file(#"{"a":{"shape":[1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0])) == "checkpoint.header")
    #expect(errorID(file(#"{"a":{"dtype":"F8","shape":[1],"data_offsets":[0,1]}}"#, data: [0])) == "checkpoint.dtype")
    #expect(errorID(file("{\"a\":{\(f32),\"data_offsets\":[0,4]}}", data: [0, 0])) == "checkpoint.truncated")
    #expect(errorID(file("{\"a\":{\(f32),\"data_offsets\":[0,8]}}", data: [UInt8](repeating: 0, count: 8))) == "checkpoint.tensor")
    #expect(errorID(file("{\"a\":{\(f32),\"data_offsets\":[4,0]}}", data: [0, 0, 0, 0])) == "checkpoint.offsets")
    let overlap = "{\"a\":{\(f32),\"data_offsets\":[0,4]},\"b\":{\(f32),\"data_offsets\":[2,6]}}"
    #expect(errorID(file(overlap, data: [UInt8](repeating: 0, count: 6))) == "checkpoint.offsets")
    let gap = "{\"a\":{\(f32),\"data_offsets\":[4,8]}}"
    #expect(errorID(file(gap, data: [UInt8](repeating: 0, count: 8))) == "checkpoint.offsets")
    #expect(errorID(file("{\"a\":{\(f32),\"data_offsets\":[0,4]}}", data: [UInt8](repeating: 0, count: 6))) == "checkpoint.header")
    #expect(errorID(file(#"{"__metadata__":{"n":1}}"#)) == "checkpoint.header")
    #expect(errorID(file(#"{"a":{},"a":{}}"#)) == "checkpoint.header")
    #expect(errorID(file(String(repeating: "[", count: 10_000))) == "checkpoint.header")
  }
}
