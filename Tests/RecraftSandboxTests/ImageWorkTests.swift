// Codecs and image operations, without a network.

import XCTest

@testable import RecraftSandbox

#if canImport(FoundationXML)
import FoundationXML
#endif

final class ImageWorkTests: XCTestCase {
    func testCodecsRoundTripEveryFormat() throws {
        let image = TestImages.gradient(width: 37, height: 21)  // odd sizes on purpose
        for format in [ImageFormat.png, .webp, .jpeg] {
            let encoded = try ImageCodec.encode(image, as: format)
            XCTAssertEqual(ImageFormat.sniff(encoded), format)
            let probe = try ImageCodec.probe(encoded)
            XCTAssertEqual(probe.width, 37)
            XCTAssertEqual(probe.height, 21)
            let decoded = try ImageCodec.decode(encoded)
            XCTAssertEqual(decoded.width, 37)
            XCTAssertEqual(decoded.height, 21)
            if format != .jpeg { XCTAssertEqual(decoded.pixels, image.pixels, "\(format) is lossless") }
        }
    }

    func testHostileBytesThrowInsteadOfTrapping() throws {
        let png = try TestImages.png(TestImages.gradient(width: 16, height: 16))
        let jpeg = try TestImages.jpeg(TestImages.gradient(width: 16, height: 16))
        let webp = try TestImages.webp(TestImages.gradient(width: 16, height: 16))
        var cases: [[UInt8]] = [[], [0x89], Array(png.prefix(30)), Array(jpeg.prefix(40)), Array(webp.prefix(20)), Array("hello".utf8)]
        // A PNG header claiming 100000 x 100000 must be refused before any allocation.
        var huge = png
        huge.replaceSubrange(16..<24, with: [0, 1, 0x86, 0xA0, 0, 1, 0x86, 0xA0])
        cases.append(huge)
        for bytes in cases { XCTAssertThrowsError(try ImageCodec.decode(bytes)) }
    }

    func testUpscaleIsFourTimesAndCappedAt16MP() throws {
        let work = ImageWork(operation: .crispUpscale, scale: 4, output: .png, limits: .marketCrisp)
        let result = try work.run(try TestImages.png(TestImages.gradient(width: 20, height: 10)))
        let decoded = try ImageCodec.decode(result.bytes)
        XCTAssertEqual([decoded.width, decoded.height], [80, 40])
        XCTAssertEqual(ImageOps.effectiveScale(width: 2000, height: 2000, requested: 4), 2)
        XCTAssertEqual(ImageOps.effectiveScale(width: 1300, height: 1300, requested: 4), 3)
        XCTAssertEqual(ImageOps.effectiveScale(width: 4096, height: 4096, requested: 4), 2, "never below 2x")
        XCTAssertEqual(ImageOps.effectiveScale(width: 100, height: 100, requested: 2), 2)
    }

    func testRemoveBackgroundClearsTheBorderColourOnly() {
        let out = ImageOps.removeBackground(TestImages.subjectOnWhite())
        func alpha(_ x: Int, _ y: Int) -> UInt8 { out.pixels[(y * out.width + x) * 4 + 3] }
        XCTAssertEqual(alpha(0, 0), 0)
        XCTAssertEqual(alpha(299, 259), 0)
        XCTAssertEqual(alpha(40, 130), 0)
        XCTAssertEqual(alpha(150, 130), 255, "the subject stays opaque")
    }

    func testLimitsNameTheLimitAndTheActualValue() throws {
        let small = try TestImages.png(TestImages.gradient(width: 100, height: 300))
        let work = ImageWork(operation: .removeBackground, output: .png, limits: .marketRemoveBackground)
        XCTAssertThrowsError(try work.run(small)) { error in
            XCTAssertTrue("\(error)".contains("100x300"), "\(error)")
            XCTAssertTrue("\(error)".contains("256"), "\(error)")
        }
        let violation = ImageLimits.mirror.violation(byteCount: 6 * 1024 * 1024, format: .png, width: 300, height: 300)
        XCTAssertEqual(violation, "image is 6.0 MB; the limit is 5.0 MB")
        XCTAssertNil(ImageLimits.recraft(.crispUpscale).violation(byteCount: 10, format: .png, width: 4096, height: 4096))
        XCTAssertNotNil(ImageLimits.recraft(.crispUpscale).violation(byteCount: 10, format: .png, width: 31, height: 100))
        XCTAssertNotNil(ImageLimits.recraft(.vectorize).violation(byteCount: 10, format: .svg, width: 0, height: 0))
    }

    func testVectorizeEmitsParsableSVGOfTheRightSize() throws {
        let svg = Vectorizer.svg(from: TestImages.subjectOnWhite(width: 64, height: 48))
        let delegate = RootElementReader()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = delegate
        XCTAssertTrue(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        XCTAssertEqual(delegate.root, "svg")
        XCTAssertEqual(delegate.rootAttributes["width"], "64")
        XCTAssertEqual(delegate.rootAttributes["viewBox"], "0 0 64 48")
        XCTAssertEqual(delegate.paths, 2, "white and red")
    }

    func testLargeInputsAreVectorizedOnABoundedGrid() throws {
        let svg = Vectorizer.svg(from: TestImages.gradient(width: 1500, height: 600))
        XCTAssertTrue(svg.contains("width=\"1500\" height=\"600\" viewBox=\"0 0 512 204\""), String(svg.prefix(300)))
    }
}

/// Records the root element of an XML document and counts its <path>s.
final class RootElementReader: NSObject, XMLParserDelegate {
    var root: String?
    var rootAttributes = [String: String]()
    var paths = 0

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String]
    ) {
        if root == nil { (root, rootAttributes) = (name, attributes) }
        if name == "path" { paths += 1 }
    }
}
