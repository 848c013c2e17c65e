#if canImport(Glibc)
import Glibc
#endif

/// Writes every byte to `fd`, going on after short writes and EINTR. Returns nil, or the
/// errno of the write that failed. The one copy of this loop (the journal, downloads, the
/// transport and the CLI's files and console all use it).
package func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32? {
    guard let base = bytes.baseAddress else { return nil }
    var offset = 0
    while offset < bytes.count {
        let written = write(fd, base + offset, bytes.count - offset)
        if written < 0 {
            if errno == EINTR { continue }
            return errno
        }
        offset += written
    }
    return nil
}

package func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Int32? {
    bytes.withUnsafeBytes { writeAll(fd, $0) }
}
