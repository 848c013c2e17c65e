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
    ///
    /// Returns the file open: what is uploaded later is read through this descriptor, so
    /// the file cannot be swapped (for a FIFO, a symlink, another image) after the check.
    static func check(_ path: String, against limits: InputLimits, preset: Preset, operation: Operation) throws(RecraftError) -> InputFile {
        let file = try InputFile.open(path)
        try check(file, against: limits, preset: preset, operation: operation)
        return file
    }

    @discardableResult
    private static func check(_ file: InputFile, against limits: InputLimits, preset: Preset, operation: Operation) throws(RecraftError) -> ImageInfo {
        let path = file.path
        let size = file.size
        let what = "\(preset.rawValue) \(operation.rawValue)"
        guard size > 0 else { throw RecraftError(.invalidInput, "the input \(path) is empty") }
        guard size <= limits.maxBytes else {
            throw RecraftError(
                .invalidInput,
                "the input \(path) is \(size) bytes; \(what) takes at most \(limits.maxBytes) bytes (\(limits.maxBytes / Catalog.megabyte) MB): shrink or recompress it"
            )
        }
        // JPEG headers can sit after large metadata; read the whole (size-capped) file then.
        guard var head = file.read(count: 256 << 10) else {
            throw RecraftError(.invalidInput, "cannot read the input \(path): \(String(cString: strerror(errno)))")
        }
        var image = ImageInfo.read(head)
        if image?.type == .jpeg, image?.width == nil, size > head.count, let whole = file.read(count: size) {
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
        // The header's numbers are the file's word: up to 2^32-1 per side in PNG, so the
        // product can exceed Int; overflow means "more than any limit".
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        if let maxPixels = limits.maxPixels, overflow || pixels > maxPixels {
            let count = overflow ? "more than \(Int.max)" : "\(pixels)"
            throw RecraftError(
                .invalidInput,
                "the input \(path) is \(dimensions) = \(count) pixels; \(what) takes at most \(maxPixels) pixels (\(maxPixels / 1_000_000) MP): scale it down")
        }
        if let maxSide = limits.maxSide, max(width, height) > maxSide {
            throw RecraftError(
                .invalidInput,
                "the input \(path) is \(dimensions); \(what) takes sides of at most \(maxSide) px: scale it down")
        }
        if let minSide = limits.minSide, min(width, height) < minSide {
            throw RecraftError(
                .invalidInput,
                "the input \(path) is \(dimensions); \(what) needs each side to be at least \(minSide) px: scale it up first")
        }
        return image
    }

    static func sniff(_ head: [UInt8]) -> ImageType? {
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if head.count >= 12, head.starts(with: Array("RIFF".utf8)), Array(head[8..<12]) == Array("WEBP".utf8) { return .webp }
        let text = String(decoding: head.prefix(256), as: UTF8.self)
        if text.contains("<svg") || (text.hasPrefix("<?xml") && text.contains("svg")) { return .svg }
        return nil
    }
}
