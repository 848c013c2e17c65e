import FoundationEssentials
import Testing

@testable import RecraftKit

/// The SHA-256 behind the upload cache and the callback signatures: FIPS 180-4's vectors,
/// fed at once, in uneven pieces and from a file.
@Suite struct SHA256Tests {
    static let vectors: [(String, String)] = [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        )
    ]

    @Test func vectorsAtOnce() {
        for (message, digest) in Self.vectors { #expect(SHA256.hash(Array(message.utf8)).hex == digest, "\(message)") }
    }

    /// A million "a"s in pieces of 1, 63, 64, 65 and 1000 bytes, so that every carry-over
    /// of a partial block is taken.
    @Test func millionAsInPieces() {
        let message = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        var stream = SHA256Stream()
        var offset = 0
        var sizes = [1, 63, 64, 65, 1000].makeIterator()
        while offset < message.count {
            let size = min(sizes.next() ?? 1000, message.count - offset)
            message.withUnsafeBytes { stream.update(UnsafeRawBufferPointer(rebasing: $0[offset..<offset + size])) }
            offset += size
        }
        #expect(stream.finish().hex == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func fileEqualsItsBytes() throws {
        let bytes = (0..<700_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sha256-\(UUID().uuidString).bin").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try InputFile.open(path)
        #expect(SHA256.hash(file) == SHA256.hash(bytes))
    }
}
