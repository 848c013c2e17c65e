// Recraft's synchronous tools and the legacy mirror over real HTTP.

import Foundation
import XCTest

@testable import RecraftSandbox

#if canImport(FoundationXML)
import FoundationXML
#endif

final class RecraftTests: XCTestCase {
    /// The result bytes of a successful reply, by URL or b64_json.
    static func resultBytes(_ reply: HTTPResult) async throws -> [UInt8] {
        XCTAssertEqual(reply.status, 200, reply.text)
        let body = try reply.json()
        XCTAssertNotNil(body.int("created"))
        let image = try XCTUnwrap(body.object("image"))
        XCTAssertNotNil(image.string("image_id").flatMap(UUID.init(uuidString:)))
        if let b64 = image.string("b64_json") {
            XCTAssertNil(image["url"])
            return try XCTUnwrap(Data(base64Encoded: b64).map(Array.init))
        }
        let download = try await HTTP.get(try XCTUnwrap(image.string("url")), bearer: nil)
        XCTAssertEqual(download.status, 200)
        return download.body
    }

    func testCrispUpscaleMultipartWithImageOrFileField() async throws {
        try await withSandbox { sandbox in
            let png = try TestImages.png(TestImages.gradient(width: 40, height: 32))
            for field in ["image", "file"] {
                let reply = try await HTTP.postMultipart(
                    "\(sandbox.baseURL)/v1/images/crispUpscale",
                    file: (field, "in.png", "image/png", png))
                XCTAssertEqual(try reply.json().int("credits"), 4)
                let bytes = try await Self.resultBytes(reply)
                XCTAssertEqual(ImageFormat.sniff(bytes), .webp, "lossless WebP by default")
                let image = try ImageCodec.decode(bytes)
                XCTAssertEqual([image.width, image.height], [160, 128])
            }
            let b64 = try await HTTP.postMultipart(
                "\(sandbox.baseURL)/v1/images/crispUpscale",
                fields: [("response_format", "b64_json"), ("image_format", "png")],
                file: ("image", "in.png", "image/png", png))
            let b64Bytes = try await Self.resultBytes(b64)
            XCTAssertEqual(ImageFormat.sniff(b64Bytes), .png)
            XCTAssertEqual(sandbox.stats().syncRequests, 3)
        }
    }

    func testJSONWithURLAndDataURL() async throws {
        try await withSandbox { sandbox in
            let jpeg = try TestImages.jpeg(TestImages.subjectOnWhite())
            let url = try await MarketTests.upload(sandbox, jpeg, name: "in.jpg")
            let dataURL = "data:image/jpeg;base64," + Data(jpeg).base64EncodedString()
            for (source, format) in [(url, "url"), (dataURL, "b64_json")] {
                let reply = try await HTTP.postJSON(
                    "\(sandbox.baseURL)/v1/images/removeBackground",
                    ["image_url": source, "response_format": format, "image_format": "png"])
                XCTAssertEqual(try reply.json().int("credits"), 10)
                let image = try ImageCodec.decode(try await Self.resultBytes(reply))
                XCTAssertEqual([image.width, image.height], [300, 260])
                XCTAssertEqual(image.pixels[3], 0, "background removed")
                XCTAssertEqual(image.pixels[(130 * 300 + 150) * 4 + 3], 255)
            }
            // Another loopback server hosts the input.
            let origin = try TestHTTPServer { _ in (200, "image/jpeg", jpeg) }
            defer { origin.stop() }
            let creative = try await HTTP.postJSON(
                "\(sandbox.baseURL)/v1/images/creativeUpscale",
                ["image_url": "\(origin.baseURL)/in.jpg"])
            XCTAssertEqual(try creative.json().int("credits"), 250)
            let image = try ImageCodec.decode(try await Self.resultBytes(creative))
            XCTAssertEqual([image.width, image.height], [1200, 1040])
        }
    }

    func testVectorizeReturnsSVGThatParses() async throws {
        try await withSandbox { sandbox in
            let png = try TestImages.png(TestImages.subjectOnWhite(width: 256, height: 256))
            let reply = try await HTTP.postMultipart(
                "\(sandbox.baseURL)/v1/images/vectorize",
                file: ("image", "in.png", "image/png", png))
            let url = try XCTUnwrap(try reply.json().object("image")?.string("url"))
            let download = try await HTTP.get(url, bearer: nil)
            XCTAssertEqual(download.header("Content-Type"), "image/svg+xml")
            let reader = RootElementReader()
            let parser = XMLParser(data: Data(download.body))
            parser.delegate = reader
            XCTAssertTrue(parser.parse())
            XCTAssertEqual(reader.root, "svg")
            XCTAssertEqual(reader.rootAttributes["width"], "256")
        }
    }

    func testErrors() async throws {
        try await withSandbox({ $0.apiKey = "k" }) { sandbox in
            let png = try TestImages.png(TestImages.gradient(width: 16, height: 300))
            let crisp = "\(sandbox.baseURL)/v1/images/crispUpscale"
            let unauthorised = try await HTTP.postMultipart(crisp, file: ("image", "a.png", "image/png", png), bearer: "nope")
            XCTAssertEqual(unauthorised.status, 401)
            XCTAssertEqual(unauthorised.text, "request unauthorized")
            XCTAssertTrue(unauthorised.header("Content-Type")?.hasPrefix("text/plain") == true)

            let notFound = try await HTTP.postJSON("\(sandbox.baseURL)/v1/images/upscaleEverything", [:], bearer: "k")
            XCTAssertEqual(notFound.status, 404)
            XCTAssertEqual(notFound.text, "404 page not found")

            let tooNarrow = try await HTTP.postMultipart(crisp, file: ("image", "a.png", "image/png", png), bearer: "k")
            XCTAssertEqual(tooNarrow.status, 400)
            XCTAssertEqual(try tooNarrow.json().string("code"), "invalid_image")
            let message = try XCTUnwrap(try tooNarrow.json().string("message"))
            XCTAssertTrue(message.contains("16x300") && message.contains("32"), message)

            let badOption = try await HTTP.postMultipart(
                crisp, fields: [("response_format", "xml")],
                file: ("image", "a.png", "image/png", png), bearer: "k")
            XCTAssertEqual(badOption.status, 400)
            XCTAssertTrue(try badOption.json().string("message")?.contains("response_format") == true)

            let notAnImage = try await HTTP.postJSON(crisp, ["image_url": "data:image/png;base64,aGVsbG8="], bearer: "k")
            XCTAssertEqual(notAnImage.status, 400)
            XCTAssertEqual(try notAnImage.json().string("code"), "invalid_image")

            let noImage = try await HTTP.postJSON(crisp, ["response_format": "url"], bearer: "k")
            XCTAssertEqual(noImage.status, 400)

            let unsafe = Array("<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".utf8)
            let svg = try await HTTP.postMultipart(
                "\(sandbox.baseURL)/v1/images/removeBackground",
                file: ("image", "a.svg", "image/svg+xml", unsafe), bearer: "k")
            XCTAssertEqual(svg.status, 400)
            XCTAssertTrue(svg.text.contains("unsafe SVG"))
        }
    }

    func testMirrorPathsAndStricterLimits() async throws {
        try await withSandbox { sandbox in
            let png = try TestImages.png(TestImages.gradient(width: 256, height: 256))
            let expectations: [(path: String, credits: Int, side: Int)] = [
                ("generativeUpscale", 250, 1024), ("clarityUpscale", 4, 1024), ("removeBackground", 10, 256)
            ]
            for expectation in expectations {
                let reply = try await HTTP.postMultipart(
                    "\(sandbox.baseURL)/recraft/v1/images/\(expectation.path)",
                    fields: [("response_format", "url")],
                    file: ("file", "in.png", "image/png", png))
                XCTAssertEqual(try reply.json().int("credits"), expectation.credits)
                let bytes = try await Self.resultBytes(reply)
                XCTAssertEqual(ImageFormat.sniff(bytes), .png)
                XCTAssertEqual(try ImageCodec.decode(bytes).width, expectation.side)
            }
            // 32 px is fine on the official crisp, too small for the mirror (256 minimum).
            let small = try TestImages.png(TestImages.gradient(width: 64, height: 64))
            let official = try await HTTP.postMultipart(
                "\(sandbox.baseURL)/v1/images/crispUpscale",
                file: ("image", "s.png", "image/png", small))
            XCTAssertEqual(official.status, 200)
            let mirror = try await HTTP.postMultipart(
                "\(sandbox.baseURL)/recraft/v1/images/clarityUpscale",
                file: ("file", "s.png", "image/png", small))
            XCTAssertEqual(mirror.status, 400)
            XCTAssertTrue(mirror.text.contains("256"), mirror.text)
            let unauthorised = try await HTTP.postMultipart(
                "\(sandbox.baseURL)/recraft/v1/images/clarityUpscale",
                file: ("file", "s.png", "image/png", small), bearer: nil)
            XCTAssertEqual(unauthorised.status, 401)
            XCTAssertEqual(unauthorised.text, "request unauthorized")
        }
    }

    func testSyncDelayIsApplied() async throws {
        try await withSandbox({ $0.syncDelay = .milliseconds(150) }) { sandbox in
            let png = try TestImages.png(TestImages.gradient(width: 32, height: 32))
            let started = ContinuousClock.now
            let reply = try await HTTP.postMultipart(
                "\(sandbox.baseURL)/v1/images/crispUpscale",
                file: ("image", "in.png", "image/png", png))
            XCTAssertEqual(reply.status, 200)
            XCTAssertGreaterThanOrEqual(ContinuousClock.now - started, .milliseconds(150))
        }
    }
}
