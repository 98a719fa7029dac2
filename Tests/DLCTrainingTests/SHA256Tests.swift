import DLCBasics
import Testing

/// SHA-256 against the FIPS 180-4 examples (NIST's "SHA256.pdf" worked examples) and the
/// long-message vector; piecewise updates give the digest of the whole.
@Suite struct SHA256Tests {
  func hex(_ text: String) -> String { SHA256.hex(SHA256.hash(Array(text.utf8))) }

  @Test func nistVectors() {
    #expect(hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    #expect(hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    #expect(hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
      == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    #expect(hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu")
      == "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
  }

  @Test func oneMillionAs() {
    #expect(SHA256.hex(SHA256.hash([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)))
      == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
  }

  @Test func piecesHashLikeTheWhole() {
    let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
    let whole = SHA256.hash(bytes)
    for cut in [1, 55, 56, 63, 64, 65, 127, 500] {
      var h = SHA256()
      var at = 0
      while at < bytes.count {
        h.update(Array(bytes[at..<min(at + cut, bytes.count)]))
        at += cut
      }
      #expect(h.finalize() == whole, "pieces of \(cut)")
    }
  }
}
