// One image job: check the input against the dialect's limits, decode, run the
// operation, encode. Pure and synchronous; callers run it on a thread pool, never on
// the server's event loop.

import Foundation

/// The documented input limits of one operation in one dialect.
struct ImageLimits: Sendable, Hashable {
    var maxBytes: Int
    var maxMegapixels: Int? = nil
    var minSide: Int? = nil
    var maxSide: Int? = nil
    var formats: Set<ImageFormat> = [.png, .jpeg, .webp]

    static let megabyte = 1024 * 1024

    static let marketCrisp = ImageLimits(maxBytes: 10 * megabyte)
    static let marketRemoveBackground = ImageLimits(maxBytes: 5 * megabyte, maxMegapixels: 16, minSide: 256, maxSide: 4096)

    /// Official Recraft (wire-spec D.3).
    static func recraft(_ operation: ImageOperation) -> ImageLimits {
        var limits = ImageLimits(maxBytes: 10 * megabyte, maxMegapixels: 16, minSide: 256, maxSide: 4096)
        if operation == .crispUpscale || operation == .clarityUpscale { limits.minSide = 32 }
        if operation == .removeBackground { limits.formats.insert(.svg) }
        return limits
    }

    /// The legacy mirror: the older, stricter 5 MB cap.
    static let mirror = ImageLimits(maxBytes: 5 * megabyte, maxMegapixels: 16, minSide: 256, maxSide: 4096)

    /// A message naming the broken limit and the actual value, or nil if the input fits.
    func violation(byteCount: Int, format: ImageFormat, width: Int, height: Int) -> String? {
        if byteCount > maxBytes {
            return "image is \(Self.describe(bytes: byteCount)); the limit is \(Self.describe(bytes: maxBytes))"
        }
        guard formats.contains(format) else {
            let accepted = formats.map(\.rawValue).sorted().joined(separator: ", ")
            return "image format \(format.rawValue) is not accepted (accepted: \(accepted))"
        }
        if format == .svg { return nil }
        // "16 MP" is read as 4096 x 4096 = 16 x 2^20 pixels, so the largest square the side
        // limit allows also passes the pixel limit.
        if let maxMegapixels, width * height > maxMegapixels * 1_048_576 {
            return "image is \(width)x\(height) (\(width * height) pixels); the limit is \(maxMegapixels) MP "
                + "(\(maxMegapixels * 1_048_576) pixels)"
        }
        if let maxSide, max(width, height) > maxSide {
            return "image is \(width)x\(height); the longest side must be at most \(maxSide) px"
        }
        if let minSide, min(width, height) < minSide {
            return "image is \(width)x\(height); the shortest side must be at least \(minSide) px"
        }
        return nil
    }

    static func describe(bytes: Int) -> String {
        bytes >= megabyte ? String(format: "%.1f MB", Double(bytes) / Double(megabyte)) : "\(bytes) bytes"
    }
}

struct ImageWorkError: Error, CustomStringConvertible, Equatable {
    var description: String
}

/// What an image job produced: the encoded bytes and their format.
typealias ImageWorkOutput = (bytes: [UInt8], format: ImageFormat)

struct ImageWork: Sendable, Hashable {
    var operation: ImageOperation
    /// Requested upscale factor (upscales only).
    var scale: Int = 4
    var output: ImageFormat
    var limits: ImageLimits

    /// Runs the job. Every failure is an `ImageWorkError` whose message a client can show.
    func run(_ input: [UInt8]) throws -> ImageWorkOutput {
        guard !input.isEmpty else { throw ImageWorkError(description: "image is empty (0 bytes)") }
        let probe: (format: ImageFormat, width: Int, height: Int)
        do {
            probe = try ImageCodec.probe(input)
        } catch {
            throw ImageWorkError(description: "could not decode image: \(error)")
        }
        if let violation = limits.violation(byteCount: input.count, format: probe.format, width: probe.width, height: probe.height) {
            throw ImageWorkError(description: violation)
        }
        if probe.format == .svg { return try passThroughSVG(input) }

        let image: RGBAImage
        do {
            image = try ImageCodec.decode(input)
        } catch {
            throw ImageWorkError(description: "could not decode image: \(error)")
        }
        switch operation {
        case .vectorize:
            return (Array(Vectorizer.svg(from: image).utf8), .svg)
        case .removeBackground:
            return (try encode(ImageOps.removeSmoothBackground(image)), output)
        case .crispUpscale, .clarityUpscale, .creativeUpscale, .generativeUpscale:
            let requested = operation == .creativeUpscale || operation == .generativeUpscale ? 4 : scale
            let factor = ImageOps.effectiveScale(width: image.width, height: image.height, requested: requested)
            var upscaled = ImageOps.resize(image, width: image.width * factor, height: image.height * factor)
            if operation == .creativeUpscale || operation == .generativeUpscale { upscaled = ImageOps.sharpen(upscaled) }
            return (try encode(upscaled), output)
        }
    }

    private func encode(_ image: RGBAImage) throws -> [UInt8] {
        do {
            return try ImageCodec.encode(image, as: output)
        } catch {
            throw ImageWorkError(description: "could not encode the result: \(error)")
        }
    }

    /// Recraft returns SVG for an SVG sent to removeBackground. The emulator cannot
    /// rasterise, so it returns the (checked) SVG as it came; it rejects active content
    /// as the real service rejects "unsafe SVG".
    private func passThroughSVG(_ input: [UInt8]) throws -> ImageWorkOutput {
        let text = String(decoding: input, as: UTF8.self).lowercased()
        for marker in ["<script", "javascript:", "onload=", "onerror=", "<foreignobject"] where text.contains(marker) {
            throw ImageWorkError(description: "unsafe SVG rejected (contains \(marker))")
        }
        return (input, .svg)
    }
}
