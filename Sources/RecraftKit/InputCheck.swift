import FoundationEssentials

#if canImport(Glibc)
import Glibc
#endif

/// Checks a local input file before anything is sent or spent.
enum InputCheck {
    enum ImageType: String, Sendable {
        case png = "image/png", jpeg = "image/jpeg", webp = "image/webp", svg = "image/svg+xml"

        var name: String {
            switch self {
            case .png: "PNG"
            case .jpeg: "JPEG"
            case .webp: "WebP"
            case .svg: "SVG"
            }
        }
    }

    /// Checks a local file against a preset's documented limits before anything is sent:
    /// it exists, is a regular file, its type (from its first bytes), its byte size and its
    /// pixel size (from its header). Errors name the limit and the actual value.
    @discardableResult
    static func check(_ path: String, against limits: InputLimits, preset: Preset, operation: Operation) throws(RecraftError) -> ImageInfo {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw RecraftError(.invalidInput, "cannot read the input \(path): \(String(cString: strerror(errno))); check the path")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw RecraftError(.invalidInput, "the input \(path) is not a regular file; pass an image file")
        }
        let size = Int(info.st_size)
        let what = "\(preset.rawValue) \(operation.rawValue)"
        guard size > 0 else { throw RecraftError(.invalidInput, "the input \(path) is empty") }
        guard size <= limits.maxBytes else {
            throw RecraftError(.invalidInput,
                "the input \(path) is \(size) bytes; \(what) takes at most \(limits.maxBytes) bytes (\(limits.maxBytes / Catalog.megabyte) MB): shrink or recompress it")
        }
        // JPEG headers can sit after large metadata; read the whole (size-capped) file then.
        guard var head = readHead(path, count: 256 << 10) else {
            throw RecraftError(.invalidInput, "cannot read the input \(path): \(String(cString: strerror(errno)))")
        }
        var image = ImageInfo.read(head)
        if image?.type == .jpeg, image?.width == nil, size > head.count, let whole = readHead(path, count: size) {
            head = whole
            image = ImageInfo.read(head)
        }
        let accepted = limits.types.map(\.name).sorted().joined(separator: ", ")
        guard let image else {
            throw RecraftError(.invalidInput, "the input \(path) is not an image \(what) takes (\(accepted)), judged by its first bytes")
        }
        guard limits.types.contains(image.type) else {
            throw RecraftError(.invalidInput, "the input \(path) is \(image.type.name); \(what) takes \(accepted)")
        }
        guard image.type != .svg else { return image }
        guard let width = image.width, let height = image.height, width > 0, height > 0 else {
            throw RecraftError(.invalidInput, "the input \(path) looks like \(image.type.name) but its header is unreadable; is the file damaged?")
        }
        let dimensions = "\(width)×\(height)"
        if let maxPixels = limits.maxPixels, width * height > maxPixels {
            throw RecraftError(.invalidInput,
                "the input \(path) is \(dimensions) = \(width * height) pixels; \(what) takes at most \(maxPixels) pixels (\(maxPixels / 1_000_000) MP): scale it down")
        }
        if let maxSide = limits.maxSide, max(width, height) > maxSide {
            throw RecraftError(.invalidInput,
                "the input \(path) is \(dimensions); \(what) takes sides of at most \(maxSide) px: scale it down")
        }
        if let minSide = limits.minSide, min(width, height) < minSide {
            throw RecraftError(.invalidInput,
                "the input \(path) is \(dimensions); \(what) needs each side to be at least \(minSide) px: scale it up first")
        }
        return image
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
