import FoundationEssentials
import RecraftSandbox
import TestSupport
import Testing

@testable import RecraftKit

/// Refusals before anything is sent: each names the limit and the actual value, and the
/// sandbox sees no request at all.
@Suite struct InputCheckTests {
    func refusal(_ preset: Preset, _ request: JobRequest) async throws -> RecraftError? {
        let sandbox = try await Sandbox.start()
        defer { Task { await sandbox.shutdown() } }
        let client = try ProviderMatrixTests.client(preset, sandbox: sandbox)
        defer { #expect(sandbox.stats().requestsByPath.isEmpty, "a request was sent") }
        do {
            _ = try client.submit(request)
            return nil
        } catch { return error }
    }

    func write(_ bytes: [UInt8]) throws -> String {
        let path = try TestImages.file(width: 1, height: 1) + ".bin"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// A PNG whose header claims a size (the pixel data is not read by the checks).
    func fakePNG(width: Int, height: Int) throws -> String {
        var png = TestImages.png(width: 1, height: 1)
        for (offset, value) in [(16, width), (20, height)] {
            for i in 0..<4 { png[offset + i] = UInt8((value >> (24 - 8 * i)) & 0xFF) }
        }
        return try write(png)
    }

    @Test func unofferedOperationNamesThePresetsThatOfferIt() async throws {
        let error = try await refusal(.kie, JobRequest(operation: .vectorize, image: .file(try fakePNG(width: 300, height: 300))))
        #expect(error?.code == .unsupported)
        #expect(error?.message.contains("presets that do: recraft") == true, "\(error?.message ?? "")")
    }

    @Test func unofferedOptionNamesThePresetsThatTakeIt() async throws {
        let error = try await refusal(.kie, JobRequest(operation: .crispUpscale, image: .url("https://x/a.png"), options: ["scale": .number(2)]))
        #expect(error?.code == .unsupported)
        #expect(error?.message.contains("kie-recraft") == true, "\(error?.message ?? "")")
        let bad = try await refusal(.kieRecraft, JobRequest(operation: .crispUpscale, image: .url("https://x/a.png"), options: ["scale": .number(3)]))
        #expect(bad?.code == .invalidArgument)
        #expect(bad?.message.contains("2 or 4") == true, "\(bad?.message ?? "")")
    }

    @Test func oversizeFileNamesTheLimitAndTheSize() async throws {
        var big = TestImages.png(width: 300, height: 300)
        big += [UInt8](repeating: 0, count: 5_200_000 - big.count)
        let error = try await refusal(.kie, JobRequest(operation: .removeBackground, image: .file(try write(big))))
        #expect(error?.code == .invalidInput)
        #expect(error?.message.contains("5200000 bytes") == true && error?.message.contains("5000000") == true, "\(error?.message ?? "")")
    }

    @Test func wrongTypeIsRefused() async throws {
        let gif = try await refusal(.recraft, JobRequest(operation: .crispUpscale, image: .file(try write(Array("GIF89a....".utf8)))))
        #expect(gif?.code == .invalidInput)
        let svg = try write(Array("<svg xmlns='http://www.w3.org/2000/svg' width='300' height='300'/>".utf8))
        let error = try await refusal(.recraft, JobRequest(operation: .crispUpscale, image: .file(svg)))
        #expect(error?.message.contains("is SVG") == true, "\(error?.message ?? "")")
    }

    @Test func tooSmallAndTooLargeDimensionsAreRefused() async throws {
        let small = try await refusal(.recraft, JobRequest(operation: .crispUpscale, image: .file(try fakePNG(width: 16, height: 100))))
        #expect(small?.code == .invalidInput)
        #expect(small?.message.contains("16×100") == true && small?.message.contains("at least 32") == true, "\(small?.message ?? "")")
        let large = try await refusal(.kie, JobRequest(operation: .removeBackground, image: .file(try fakePNG(width: 5000, height: 300))))
        #expect(large?.message.contains("5000×300") == true && large?.message.contains("4096") == true, "\(large?.message ?? "")")
        let pixels = try await refusal(.recraft, JobRequest(operation: .vectorize, image: .file(try fakePNG(width: 4096, height: 4096))))
        #expect(pixels?.message.contains("16000000 pixels") == true, "\(pixels?.message ?? "")")
    }

    @Test func readsJPEGAndWebPHeaders() {
        let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x4A, 0x46, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x01, 0x2C, 0x02, 0x58, 0x03]
        #expect(ImageInfo.read(jpeg) == ImageInfo(type: .jpeg, width: 600, height: 300))
        var vp8x = Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WEBPVP8X".utf8) + [10, 0, 0, 0, 0, 0, 0, 0]
        vp8x += [0x1F, 0x03, 0x00, 0xC7, 0x00, 0x00]  // 800 × 200
        #expect(ImageInfo.read(vp8x) == ImageInfo(type: .webp, width: 800, height: 200))
        let bits = (640 - 1) | (480 - 1) << 14
        var vp8l = Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WEBPVP8L".utf8) + [5, 0, 0, 0, 0x2F]
        vp8l += [UInt8(bits & 0xFF), UInt8((bits >> 8) & 0xFF), UInt8((bits >> 16) & 0xFF), UInt8((bits >> 24) & 0xFF), 0, 0, 0, 0, 0]
        #expect(ImageInfo.read(vp8l) == ImageInfo(type: .webp, width: 640, height: 480))
        #expect(ImageInfo.read(Array("nope".utf8)) == nil)
    }
}
