/// The SHA-256 of an upload's file, taken from the bytes libcurl reads to send, so that a
/// file the upload cache cannot hold yet is read once, not hashed first and then read
/// again, and on a real link is hashed while the network is the bottleneck (on loopback
/// the hash's CPU costs the same either way: bench/ANALYSIS.md, uploads). It is the
/// digest of what was sent: a file changed while it was being read gives the digest of
/// the bytes the URL serves, never of others.
///
/// Only with OpenSSL (`make()` is nil without it): the Swift hash is too slow for the
/// transport's thread, which every transfer shares. Touched by that thread during the
/// transfer, read by the caller once the transfer has ended.
final class UploadDigest: @unchecked Sendable {
    private var digest: OpenSSLSHA256
    /// The offset the next read must start at for the digest to stay whole.
    private var next = 0
    private var whole = true

    private init(_ digest: OpenSSLSHA256) { self.digest = digest }

    static func make() -> UploadDigest? { OpenSSLSHA256.make().map(UploadDigest.init) }

    /// `bytes` were read from `offset` of the file.
    func consume(_ bytes: UnsafeRawBufferPointer, at offset: Int) {
        guard whole, offset == next else {
            whole = false
            return
        }
        digest.update(bytes)
        next += bytes.count
    }

    /// libcurl rewinds to send the body again (a redirect, a rewound attempt): a rewind to
    /// the start begins a new digest; any other seek leaves it unknown.
    func seek(to offset: Int) {
        guard offset != next else { return }
        if offset == 0, let fresh = OpenSSLSHA256.make() {
            (digest, next, whole) = (fresh, 0, true)
        } else {
            whole = false
        }
    }

    /// The hex digest of the file's `size` bytes, if they were all read in order once.
    func finish(size: Int) -> String? {
        guard whole, next == size else { return nil }
        return digest.finish()?.hex
    }
}
