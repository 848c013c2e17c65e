import CCurl

#if canImport(Glibc)
import Glibc
#endif

/// An anonymous in-memory file (memfd) holding a copy of a caller's bytes, reachable by
/// path (`/proc/self/fd/N`) while this object lives: the C API's input from memory goes
/// through `submit` like a file, checked and read through a descriptor, never on disk.
package final class MemoryFile: Sendable {
    package let fd: Int32
    package var path: String { "/proc/self/fd/\(fd)" }

    package init(copying bytes: UnsafeRawBufferPointer) throws(RecraftError) {
        fd = rk_memfd_create("recraft-input")
        guard fd >= 0 else { throw RecraftError(.io, "cannot make a memory file for the input: \(String(cString: strerror(errno)))") }
        if let error = writeAll(fd, bytes) {
            close(fd)
            throw RecraftError(.io, "cannot copy the input into memory: \(String(cString: strerror(error)))")
        }
    }

    deinit { close(fd) }
}

/// A non-blocking, close-on-exec eventfd (for the C API's client event descriptor); -1 on failure.
package func makeEventDescriptor() -> Int32 { rk_eventfd_nonblocking() }
