// Decoding PNG/JPEG/WebP to RGBA8 and encoding RGBA8 back, through libpng's simplified
// API, libturbojpeg and libwebp. Every size is checked before anything is allocated,
// so a hostile header cannot make the sandbox reserve gigabytes.

import CImageCodecs
import Foundation

/// An 8-bit RGBA raster, rows top to bottom, no padding.
struct RGBAImage: Sendable {
    var width: Int
    var height: Int
    var pixels: [UInt8]

    init(width: Int, height: Int, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    init(width: Int, height: Int, fill: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)) {
        self.width = width
        self.height = height
        var pixels = [UInt8](repeating: 0, count: width * height * 4)
        for i in stride(from: 0, to: pixels.count, by: 4) {
            pixels[i] = fill.0
            pixels[i + 1] = fill.1
            pixels[i + 2] = fill.2
            pixels[i + 3] = fill.3
        }
        self.pixels = pixels
    }
}

enum ImageFormat: String, Sendable {
    case png, jpeg, webp, svg

    var mimeType: String {
        switch self {
        case .png: "image/png"
        case .jpeg: "image/jpeg"
        case .webp: "image/webp"
        case .svg: "image/svg+xml"
        }
    }

    var fileExtension: String {
        switch self {
        case .png: "png"
        case .jpeg: "jpg"
        case .webp: "webp"
        case .svg: "svg"
        }
    }

    /// Detects the format by magic bytes (SVG: by its root element in the first 1 KiB).
    static func sniff(_ bytes: [UInt8]) -> ImageFormat? {
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if bytes.count >= 12, bytes.starts(with: Array("RIFF".utf8)), Array(bytes[8..<12]) == Array("WEBP".utf8) {
            return .webp
        }
        let head = String(decoding: bytes.prefix(1024), as: UTF8.self).lowercased()
        if head.contains("<svg") { return .svg }
        return nil
    }
}

struct ImageCodecError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

enum ImageCodec {
    /// The largest raster the sandbox will decode (16 MP, the biggest any dialect accepts).
    static let maxDecodePixels = 4096 * 4096

    /// Format and dimensions read from the header only, without decoding pixels.
    static func probe(_ bytes: [UInt8]) throws -> (format: ImageFormat, width: Int, height: Int) {
        guard let format = ImageFormat.sniff(bytes) else {
            throw ImageCodecError("unsupported image format (expected PNG, JPEG or WebP)")
        }
        switch format {
        case .png:
            // IHDR is always the first chunk: width and height are big-endian at 16 and 20.
            guard bytes.count >= 24 else { throw ImageCodecError("truncated PNG header") }
            let width = bytes[16..<20].reduce(0) { $0 << 8 | Int($1) }
            let height = bytes[20..<24].reduce(0) { $0 << 8 | Int($1) }
            return (format, width, height)
        case .jpeg:
            guard let handle = tjInitDecompress() else { throw ImageCodecError("libturbojpeg unavailable") }
            defer { tjDestroy(handle) }
            var width: Int32 = 0
            var height: Int32 = 0
            var subsampling: Int32 = 0
            var colorspace: Int32 = 0
            let status = bytes.withUnsafeBufferPointer {
                tjDecompressHeader3(handle, $0.baseAddress, UInt(bytes.count), &width, &height, &subsampling, &colorspace)
            }
            guard status == 0 else { throw ImageCodecError("corrupt JPEG header") }
            return (format, Int(width), Int(height))
        case .webp:
            var width: Int32 = 0
            var height: Int32 = 0
            let ok = bytes.withUnsafeBufferPointer { WebPGetInfo($0.baseAddress, bytes.count, &width, &height) }
            guard ok != 0 else { throw ImageCodecError("corrupt WebP header") }
            return (format, Int(width), Int(height))
        case .svg:
            return (format, 0, 0)
        }
    }

    static func decode(_ bytes: [UInt8]) throws -> RGBAImage {
        let (format, width, height) = try probe(bytes)
        guard width > 0, height > 0 else { throw ImageCodecError("image has no pixels") }
        guard width <= 65_535, height <= 65_535, width * height <= maxDecodePixels else {
            throw ImageCodecError("image is \(width)x\(height); the sandbox decodes at most 16 MP")
        }
        switch format {
        case .png: return try decodePNG(bytes)
        case .jpeg: return try decodeJPEG(bytes, width: width, height: height)
        case .webp: return try decodeWebP(bytes, width: width, height: height)
        case .svg: throw ImageCodecError("SVG cannot be rasterised by the sandbox")
        }
    }

    private static func decodePNG(_ bytes: [UInt8]) throws -> RGBAImage {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        defer { png_image_free(&image) }
        let begun = bytes.withUnsafeBufferPointer { png_image_begin_read_from_memory(&image, $0.baseAddress, $0.count) }
        guard begun != 0 else { throw ImageCodecError("corrupt PNG: \(message(of: &image))") }
        let width = Int(image.width)
        let height = Int(image.height)
        guard width > 0, height > 0, width * height <= maxDecodePixels else {
            throw ImageCodecError("PNG is \(width)x\(height); the sandbox decodes at most 16 MP")
        }
        image.format = PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA  // PNG_FORMAT_RGBA
        var pixels = [UInt8](repeating: 0, count: width * height * 4)
        let finished = pixels.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
        guard finished != 0 else { throw ImageCodecError("corrupt PNG: \(message(of: &image))") }
        return RGBAImage(width: width, height: height, pixels: pixels)
    }

    private static func message(of image: inout png_image) -> String {
        withUnsafeBytes(of: &image.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    private static func decodeJPEG(_ bytes: [UInt8], width: Int, height: Int) throws -> RGBAImage {
        guard let handle = tjInitDecompress() else { throw ImageCodecError("libturbojpeg unavailable") }
        defer { tjDestroy(handle) }
        var pixels = [UInt8](repeating: 0, count: width * height * 4)
        let status = bytes.withUnsafeBufferPointer { source in
            pixels.withUnsafeMutableBufferPointer { target in
                tjDecompress2(
                    handle, source.baseAddress, UInt(source.count), target.baseAddress,
                    Int32(width), 0, Int32(height), Int32(TJPF_RGBA.rawValue), 0)
            }
        }
        guard status == 0 else { throw ImageCodecError("corrupt JPEG data") }
        return RGBAImage(width: width, height: height, pixels: pixels)
    }

    private static func decodeWebP(_ bytes: [UInt8], width: Int, height: Int) throws -> RGBAImage {
        var pixels = [UInt8](repeating: 0, count: width * height * 4)
        let capacity = pixels.count
        let result = bytes.withUnsafeBufferPointer { source in
            pixels.withUnsafeMutableBufferPointer { target in
                WebPDecodeRGBAInto(source.baseAddress, source.count, target.baseAddress, capacity, Int32(width * 4))
            }
        }
        guard result != nil else { throw ImageCodecError("corrupt or animated WebP data") }
        return RGBAImage(width: width, height: height, pixels: pixels)
    }

    static func encode(_ image: RGBAImage, as format: ImageFormat) throws -> [UInt8] {
        guard image.width > 0, image.height > 0, image.pixels.count == image.width * image.height * 4 else {
            throw ImageCodecError("cannot encode an empty image")
        }
        switch format {
        case .png: return try encodePNG(image)
        case .jpeg: return try encodeJPEG(image)
        case .webp: return try encodeWebP(image)
        case .svg: throw ImageCodecError("SVG output comes from the vectorizer, not the codec")
        }
    }

    private static func encodePNG(_ source: RGBAImage) throws -> [UInt8] {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(source.width)
        image.height = UInt32(source.height)
        image.format = PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA
        // Speed over size: an emulator's results are read once and thrown away.
        image.flags = UInt32(PNG_IMAGE_FLAG_FAST)
        defer { png_image_free(&image) }
        var size = 0
        // First call with no buffer asks for the size, the second writes.
        let sized = source.pixels.withUnsafeBytes { png_image_write_to_memory(&image, nil, &size, 0, $0.baseAddress, 0, nil) }
        guard sized != 0, size > 0 else { throw ImageCodecError("PNG encoding failed: \(message(of: &image))") }
        var output = [UInt8](repeating: 0, count: size)
        let written = source.pixels.withUnsafeBytes { pixels in
            output.withUnsafeMutableBytes { png_image_write_to_memory(&image, $0.baseAddress, &size, 0, pixels.baseAddress, 0, nil) }
        }
        guard written != 0 else { throw ImageCodecError("PNG encoding failed: \(message(of: &image))") }
        return Array(output.prefix(size))
    }

    private static func encodeJPEG(_ image: RGBAImage) throws -> [UInt8] {
        guard let handle = tjInitCompress() else { throw ImageCodecError("libturbojpeg unavailable") }
        defer { tjDestroy(handle) }
        var buffer: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        let status = image.pixels.withUnsafeBufferPointer {
            tjCompress2(
                handle, $0.baseAddress, Int32(image.width), 0, Int32(image.height), Int32(TJPF_RGBA.rawValue),
                &buffer, &size, Int32(TJSAMP_420.rawValue), 90, 0)
        }
        defer { tjFree(buffer) }
        guard status == 0, let buffer else { throw ImageCodecError("JPEG encoding failed") }
        return Array(UnsafeBufferPointer(start: buffer, count: Int(size)))
    }

    /// Lossless WebP at libwebp's fastest lossless preset (level 0): the simple
    /// `WebPEncodeLosslessRGBA` spends several times longer for a slightly smaller file.
    private static func encodeWebP(_ image: RGBAImage) throws -> [UInt8] {
        var config = WebPConfig()
        guard WebPConfigInit(&config) != 0, WebPConfigLosslessPreset(&config, 0) != 0 else {
            throw ImageCodecError("WebP encoder unavailable")
        }
        config.exact = 1  // keep RGB under transparent pixels, as lossless should
        var picture = WebPPicture()
        guard WebPPictureInit(&picture) != 0 else { throw ImageCodecError("WebP encoder unavailable") }
        picture.use_argb = 1
        picture.width = Int32(image.width)
        picture.height = Int32(image.height)
        defer { WebPPictureFree(&picture) }
        let imported = image.pixels.withUnsafeBufferPointer {
            WebPPictureImportRGBA(&picture, $0.baseAddress, Int32(image.width * 4))
        }
        guard imported != 0 else { throw ImageCodecError("WebP encoding failed (out of memory)") }
        var writer = WebPMemoryWriter()
        WebPMemoryWriterInit(&writer)
        defer { WebPMemoryWriterClear(&writer) }
        let encoded = withUnsafeMutablePointer(to: &writer) { writerPointer in
            picture.writer = WebPMemoryWrite
            picture.custom_ptr = UnsafeMutableRawPointer(writerPointer)
            return WebPEncode(&config, &picture)
        }
        guard encoded != 0, let memory = writer.mem, writer.size > 0 else {
            throw ImageCodecError("WebP encoding failed (error \(picture.error_code.rawValue))")
        }
        return Array(UnsafeBufferPointer(start: memory, count: writer.size))
    }
}
