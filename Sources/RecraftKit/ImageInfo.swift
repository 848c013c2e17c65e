/// The type and pixel size of an image, read from its header only.
struct ImageInfo: Equatable, Sendable {
    var type: InputCheck.ImageType
    /// nil when the header does not say (SVG) or could not be read.
    var width: Int?
    var height: Int?

    /// Reads the header of `bytes` (the start of a file). nil when the type is unknown.
    static func read(_ bytes: [UInt8]) -> ImageInfo? {
        guard let type = InputCheck.sniff(bytes) else { return nil }
        var info = ImageInfo(type: type)
        let size: (Int, Int)? =
            switch type {
            case .png: pngSize(bytes)
            case .jpeg: jpegSize(bytes)
            case .webp: webpSize(bytes)
            case .svg: nil
            }
        if let size { (info.width, info.height) = size }
        return info
    }

    private static func be32(_ b: [UInt8], _ at: Int) -> Int { b[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
    private static func be16(_ b: [UInt8], _ at: Int) -> Int { Int(b[at]) << 8 | Int(b[at + 1]) }
    private static func le16(_ b: [UInt8], _ at: Int) -> Int { Int(b[at]) | Int(b[at + 1]) << 8 }
    private static func le24(_ b: [UInt8], _ at: Int) -> Int { Int(b[at]) | Int(b[at + 1]) << 8 | Int(b[at + 2]) << 16 }

    /// IHDR is the first chunk: width and height at bytes 16 and 20.
    private static func pngSize(_ b: [UInt8]) -> (Int, Int)? {
        guard b.count >= 24, Array(b[12..<16]) == Array("IHDR".utf8) else { return nil }
        return (be32(b, 16), be32(b, 20))
    }

    /// Walks the segments to the first start-of-frame marker (SOF0–SOF15 but DHT, JPG, DAC).
    private static func jpegSize(_ b: [UInt8]) -> (Int, Int)? {
        var at = 2
        while at + 9 < b.count {
            guard b[at] == 0xFF else { return nil }
            let marker = b[at + 1]
            if marker == 0xFF {
                at += 1
                continue
            }  // fill byte
            if marker == 0xD8 || marker == 0x01 || (0xD0...0xD7).contains(marker) {
                at += 2
                continue
            }
            let length = be16(b, at + 2)
            guard length >= 2 else { return nil }
            if (0xC0...0xCF).contains(marker) && ![0xC4, 0xC8, 0xCC].contains(marker) {
                return (be16(b, at + 7), be16(b, at + 5))
            }
            at += 2 + length
        }
        return nil
    }

    /// VP8 (lossy), VP8L (lossless) or VP8X (extended) first chunk.
    private static func webpSize(_ b: [UInt8]) -> (Int, Int)? {
        guard b.count >= 30 else { return nil }
        switch String(decoding: b[12..<16], as: UTF8.self) {
        case "VP8 ":
            guard b[23] == 0x9D, b[24] == 0x01, b[25] == 0x2A else { return nil }
            return (le16(b, 26) & 0x3FFF, le16(b, 28) & 0x3FFF)
        case "VP8L":
            guard b[20] == 0x2F else { return nil }
            let bits = Int(b[21]) | Int(b[22]) << 8 | Int(b[23]) << 16 | Int(b[24]) << 24
            return ((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
        case "VP8X":
            return (le24(b, 24) + 1, le24(b, 27) + 1)
        default:
            return nil
        }
    }
}
