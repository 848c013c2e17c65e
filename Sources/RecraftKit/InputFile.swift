#if canImport(Glibc)
import Glibc
#endif

/// A checked input image, held open from the check to the upload: every byte sent is
/// read through this descriptor (with `pread`, so several transfers may share it), never
/// by reopening the path.
final class InputFile: Sendable {
    let fd: Int32
    let path: String
    /// The size when it was checked; that many bytes are sent.
    let size: Int
    /// The type from the file's first bytes.
    let mimeType: String

    /// Takes ownership of `fd`.
    init(fd: Int32, path: String, size: Int) {
        self.fd = fd
        self.path = path
        self.size = size
        self.mimeType = Self.read(fd, count: 512, at: 0).flatMap(InputCheck.sniff)?.rawValue ?? "application/octet-stream"
    }

    deinit { close(fd) }

    /// Opens a regular file for reading; refuses anything else (a FIFO, a device, a folder).
    static func open(_ path: String) throws(RecraftError) -> InputFile {
        // O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused below).
        let fd = Glibc.open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else {
            throw RecraftError(.invalidInput, "cannot read the input \(path): \(String(cString: strerror(errno))); check the path")
        }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw RecraftError(.invalidInput, "the input \(path) is not a regular file; pass an image file")
        }
        return InputFile(fd: fd, path: path, size: Int(info.st_size))
    }

    /// The base name, for the multipart file name.
    /// A memory input (the C API's recraft_submit_memory: a /proc/self/fd path) is `image.<ext>`.
    var fileName: String {
        if path.hasPrefix("/proc/self/fd/") {
            return "image." + OutputName.fileExtension(of: .inline(bytes: [], mimeType: mimeType))
        }
        return path.split(separator: "/").last.map(String.init) ?? "image"
    }

    /// Up to `count` bytes from `offset`; nil on a read error.
    func read(count: Int, at offset: Int = 0) -> [UInt8]? { Self.read(fd, count: count, at: offset) }

    private static func read(_ fd: Int32, count: Int, at offset: Int) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: max(0, count))
        var filled = 0
        while filled < buffer.count {
            let got = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + filled, $0.count - filled, off_t(offset + filled)) }
            if got < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if got == 0 { break }
            filled += got
        }
        return Array(buffer.prefix(filled))
    }
}
