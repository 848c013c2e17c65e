import FoundationEssentials

#if canImport(Glibc)
import Glibc
#endif

/// Checks a local input file before anything is sent or spent.
enum InputCheck {
    enum ImageType: String {
        case png = "image/png", jpeg = "image/jpeg", webp = "image/webp", svg = "image/svg+xml"
    }

    /// The file exists, is a regular file, is not empty and is an image we know.
    static func readable(_ path: String) throws(RecraftError) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw RecraftError(.invalidInput, "cannot read the input \(path): \(String(cString: strerror(errno))); check the path")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw RecraftError(.invalidInput, "the input \(path) is not a regular file; pass an image file")
        }
        guard info.st_size > 0 else {
            throw RecraftError(.invalidInput, "the input \(path) is empty")
        }
        guard let head = readHead(path) else {
            throw RecraftError(.invalidInput, "cannot read the input \(path): \(String(cString: strerror(errno)))")
        }
        guard sniff(head) != nil else {
            throw RecraftError(.invalidInput, "the input \(path) is not a PNG, JPEG or WebP image (judged by its first bytes)")
        }
    }

    /// The MIME type from the file's first bytes; `application/octet-stream` if unknown.
    static func mimeType(ofFile path: String) -> String {
        readHead(path).flatMap(sniff)?.rawValue ?? "application/octet-stream"
    }

    static func sniff(_ head: [UInt8]) -> ImageType? {
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if head.count >= 12, head.starts(with: Array("RIFF".utf8)), Array(head[8..<12]) == Array("WEBP".utf8) { return .webp }
        let text = String(decoding: head.prefix(256), as: UTF8.self)
        if text.contains("<svg") || (text.hasPrefix("<?xml") && text.contains("svg")) { return .svg }
        return nil
    }

    /// The first bytes of a file, or nil when it cannot be read.
    static func readHead(_ path: String, count: Int = 512) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: count)
        let read = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, count) }
        guard read >= 0 else { return nil }
        return Array(buffer.prefix(read))
    }
}
