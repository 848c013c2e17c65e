#if canImport(Glibc)
import Glibc
#endif

/// SHA-256 fed in pieces, over raw bytes, without copying the message: for the upload
/// cache's content hash of an input file, read in chunks, so that hashing a 10 MB input
/// costs 256 KB of memory, not two copies of the file (bench/ANALYSIS.md, uploads).
struct SHA256Stream {
    private var state: [UInt32] = [0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19]
    private var schedule = [UInt32](repeating: 0, count: 64)
    /// A partial block carried over between `update` calls.
    private var pending: [UInt8] = []
    private var length: UInt64 = 0

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        length &+= UInt64(bytes.count)
        var offset = 0
        if !pending.isEmpty {
            let take = min(64 - pending.count, bytes.count)
            pending.append(contentsOf: bytes[0..<take])
            offset = take
            guard pending.count == 64 else { return }
            let carried = pending
            carried.withUnsafeBytes { blocks($0) }
            pending.removeAll(keepingCapacity: true)
        }
        let whole = (bytes.count - offset) / 64 * 64
        if whole > 0 { blocks(UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + whole])) }
        pending.append(contentsOf: bytes[(offset + whole)...])
    }

    /// The digest; the stream is spent.
    mutating func finish() -> [UInt8] {
        let bits = length &* 8
        var tail: [UInt8] = [0x80]
        while (pending.count + tail.count) % 64 != 56 { tail.append(0) }
        for shift in stride(from: 56, through: 0, by: -8) { tail.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
        let total = length
        tail.withUnsafeBytes { update($0) }
        length = total
        return state.flatMap { word in [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: word >> UInt32($0)) } }
    }

    private static let k: [UInt32] = SHA256.roundConstants

    /// Whole 64-byte blocks (FIPS 180-4 § 6.2.2), the state and the schedule taken as
    /// pointers once for all of them. About 4,500 instructions a block (callgrind): what
    /// plain scalar code costs; hence `OpenSSLSHA256` first for files.
    private mutating func blocks(_ bytes: UnsafeRawBufferPointer) {
        Self.k.withUnsafeBufferPointer { k in
            schedule.withUnsafeMutableBufferPointer { w in
                state.withUnsafeMutableBufferPointer { h in
                    for start in stride(from: 0, to: bytes.count, by: 64) {
                        Self.compress(bytes.baseAddress! + start, h.baseAddress!, w.baseAddress!, k.baseAddress!)
                    }
                }
            }
        }
    }

    @inline(__always)
    private static func compress(
        _ block: UnsafeRawPointer, _ h: UnsafeMutablePointer<UInt32>, _ w: UnsafeMutablePointer<UInt32>, _ k: UnsafePointer<UInt32>
    ) {
        // Masking shifts: every amount here is a constant below 32.
        @inline(__always) func rotate(_ x: UInt32, _ n: UInt32) -> UInt32 { x &>> n | x &<< (32 &- n) }
        for i in 0..<16 { w[i] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)) }
        for i in 16..<64 {
            let s0 = rotate(w[i - 15], 7) ^ rotate(w[i - 15], 18) ^ (w[i - 15] &>> 3)
            let s1 = rotate(w[i - 2], 17) ^ rotate(w[i - 2], 19) ^ (w[i - 2] &>> 10)
            w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
        }
        var (a, b, c, d, e, f, g, hh) = (h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7])
        for i in 0..<64 {
            let t1 = hh &+ (rotate(e, 6) ^ rotate(e, 11) ^ rotate(e, 25)) &+ ((e & f) ^ (~e & g)) &+ k[i] &+ w[i]
            let t2 = (rotate(a, 2) ^ rotate(a, 13) ^ rotate(a, 22)) &+ ((a & b) ^ (a & c) ^ (b & c))
            (hh, g, f, e, d, c, b, a) = (g, f, e, d &+ t1, c, b, a, t1 &+ t2)
        }
        h[0] &+= a
        h[1] &+= b
        h[2] &+= c
        h[3] &+= d
        h[4] &+= e
        h[5] &+= f
        h[6] &+= g
        h[7] &+= hh
    }
}

extension SHA256 {
    /// The digest of a checked input's `size` bytes, read through its descriptor in 256 KB
    /// chunks; nil when a read fails or the file is shorter than checked. OpenSSL hashes
    /// when the process has it (`OpenSSLSHA256`), else `SHA256Stream`.
    static func hash(_ file: InputFile) -> [UInt8]? {
        if let openSSL = OpenSSLSHA256.make() {
            guard read(file, into: openSSL.update) else { return nil }
            if let digest = openSSL.finish() { return digest }
        }
        var stream = SHA256Stream()
        guard read(file, into: { stream.update($0) }) else { return nil }
        return stream.finish()
    }

    /// Hands `consume` the file's bytes in order; false when a read fails or comes short.
    private static func read(_ file: InputFile, into consume: (UnsafeRawBufferPointer) -> Void) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 256 * 1024)
        var offset = 0
        while offset < file.size {
            let want = min(buffer.count, file.size - offset)
            let got = buffer.withUnsafeMutableBytes { pread(file.fd, $0.baseAddress, want, off_t(offset)) }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { return false }
            buffer.withUnsafeBytes { consume(UnsafeRawBufferPointer(rebasing: $0[0..<got])) }
            offset += got
        }
        return true
    }
}
