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

/// The file hash goes through OpenSSL when libcurl brought libcrypto in (it does on the
/// machines the tests run on); both ways must give the standard digests.
@Suite struct OpenSSLSHA256Tests {
    @Test func isFoundThroughLibcurlsLibcrypto() throws {
        let digest = try #require(OpenSSLSHA256.make(), "libcurl's libcrypto should be in the process")
        "abc".utf8.withContiguousStorageIfAvailable { digest.update(UnsafeRawBufferPointer($0)) }
        #expect(digest.finish()?.hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func agreesWithTheSwiftStreamInPieces() throws {
        let message = (0..<300_001).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 3) }
        let openSSL = try #require(OpenSSLSHA256.make())
        var stream = SHA256Stream()
        let sizes = [0, 1, 63, 64, 65, 100_000]
        var (offset, turn) = (0, 0)
        while offset < message.count {
            let end = min(offset + sizes[turn % sizes.count], message.count)
            message.withUnsafeBytes {
                let piece = UnsafeRawBufferPointer(rebasing: $0[offset..<end])
                openSSL.update(piece)
                stream.update(piece)
            }
            (offset, turn) = (end, turn + 1)
        }
        #expect(openSSL.finish() == stream.finish())
    }

    /// The upload's digest, from the pieces libcurl reads: whole only when every byte was
    /// read once and in order; a rewind to the start begins again.
    @Test func theUploadDigestIsTheFilesOnlyWhenReadInOrder() throws {
        let message = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) }
        let expected = SHA256.hash(message).hex
        func feed(_ digest: UploadDigest, _ range: Range<Int>) {
            message.withUnsafeBytes { digest.consume(UnsafeRawBufferPointer(rebasing: $0[range]), at: range.lowerBound) }
        }
        let inOrder = try #require(UploadDigest.make())
        for start in stride(from: 0, to: message.count, by: 65_536) { feed(inOrder, start..<min(start + 65_536, message.count)) }
        #expect(inOrder.finish(size: message.count) == expected)

        let rewound = try #require(UploadDigest.make())
        feed(rewound, 0..<1000)
        rewound.seek(to: 0)
        feed(rewound, 0..<message.count)
        #expect(rewound.finish(size: message.count) == expected)

        let skipped = try #require(UploadDigest.make())
        feed(skipped, 0..<1000)
        skipped.seek(to: 2000)
        feed(skipped, 2000..<message.count)
        #expect(skipped.finish(size: message.count) == nil)

        let short = try #require(UploadDigest.make())
        feed(short, 0..<1000)
        #expect(short.finish(size: message.count) == nil)
    }
}
