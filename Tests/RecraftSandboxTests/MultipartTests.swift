// The multipart parser, without a network: well-formed bodies, quirks, hostile input.

import XCTest

@testable import RecraftSandbox

final class MultipartTests: XCTestCase {
    func testBoundaryFromContentType() {
        XCTAssertEqual(Multipart.boundary(fromContentType: "multipart/form-data; boundary=abc"), "abc")
        XCTAssertEqual(Multipart.boundary(fromContentType: "Multipart/Form-Data; charset=utf-8; Boundary=\"a b;c\""), "a b;c")
        XCTAssertNil(Multipart.boundary(fromContentType: "application/json"))
        XCTAssertNil(Multipart.boundary(fromContentType: "multipart/form-data"))
        XCTAssertNil(Multipart.boundary(fromContentType: "multipart/form-data; boundary=" + String(repeating: "x", count: 71)))
    }

    func testParsesFieldsAndFiles() throws {
        let body =
            Array(
                ("--XyZ\r\nContent-Disposition: form-data; name=\"uploadPath\"\r\n\r\nimages/in\r\n"
                    + "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a;b.png\"\r\nContent-Type: image/png\r\n\r\n").utf8)
            + [0, 1, 2, 13, 10, 45, 45, 3] + Array("\r\n--XyZ--\r\n".utf8)
        let parts = try Multipart.parse(body, boundary: "XyZ")
        XCTAssertEqual(parts.count, 2)
        XCTAssertEqual(parts[0].name, "uploadPath")
        XCTAssertEqual(parts[0].text, "images/in")
        XCTAssertEqual(parts[1].filename, "a;b.png")
        XCTAssertEqual(parts[1].contentType, "image/png")
        XCTAssertEqual(parts[1].body, [0, 1, 2, 13, 10, 45, 45, 3], "a CRLF-- inside content is not a boundary")
    }

    func testMalformedBodiesAreErrorsNotTraps() {
        let cases = [
            "", "--XyZ", "--XyZ\r\n", "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno end",
            "--XyZ\r\nno header end", "--XyZgarbage", "nothing here", "--XyZ\r\nContent-Disposition: form-data\r\n\r\nx\r\n--XyZ--"
        ]
        for text in cases {
            XCTAssertThrowsError(try Multipart.parse(Array(text.utf8), boundary: "XyZ"), "should reject: \(text.debugDescription)")
        }
        // Random bytes never trap.
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let noise = (0..<Int.random(in: 0..<64, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            _ = try? Multipart.parse(Array("--XyZ\r\n".utf8) + noise, boundary: "XyZ")
        }
    }
}
