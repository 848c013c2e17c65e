// kie's upload API over real HTTP: stream, base64 and URL uploads, reply shapes, errors.

import Foundation
import XCTest

@testable import RecraftSandbox

final class UploadTests: XCTestCase {
    func testStreamUploadReplyAndHosting() async throws {
        try await withSandbox { sandbox in
            let png = try TestImages.png(TestImages.gradient(width: 8, height: 8))
            let reply = try await HTTP.postMultipart(
                "\(sandbox.baseURL)/api/file-stream-upload", fields: [("uploadPath", "a/b"), ("fileName", "x.png")],
                file: ("file", "whatever.png", "application/octet-stream", png)
            )
            XCTAssertEqual(reply.status, 200)
            let body = try reply.json()
            XCTAssertEqual(body["success"] as? Bool, true)
            XCTAssertEqual(body.int("code"), 200)
            XCTAssertEqual(body.string("msg"), "File uploaded successfully")
            let data = try XCTUnwrap(body.object("data"))
            XCTAssertEqual(data.string("fileName"), "x.png")
            XCTAssertEqual(data.string("filePath"), "a/b/x.png")
            XCTAssertEqual(data.int("fileSize"), png.count)
            XCTAssertEqual(data.string("mimeType"), "image/png", "sniffed from the bytes")
            XCTAssertNotNil(data.string("uploadedAt"))
            XCTAssertNil(data["fileUrl"])
            let url = try XCTUnwrap(data.string("downloadUrl"))
            XCTAssertTrue(url.hasPrefix(sandbox.baseURL + "/files/"))
            let fetched = try await HTTP.get(url, bearer: nil)
            XCTAssertEqual(fetched.body, png)

            // Re-using the name overwrites.
            let other = try TestImages.png(TestImages.gradient(width: 4, height: 4))
            _ = try await HTTP.postMultipart(
                "\(sandbox.baseURL)/api/file-stream-upload",
                fields: [("uploadPath", "a/b"), ("fileName", "x.png")],
                file: ("file", "x.png", "image/png", other))
            let downloaded = try await HTTP.get(url, bearer: nil).body
            XCTAssertEqual(downloaded, other)

            // No fileName: a random one, with the extension of what was sent.
            let random = try await HTTP.postMultipart(
                "\(sandbox.baseURL)/api/file-stream-upload", fields: [("uploadPath", "r")],
                file: ("file", "x", "image/png", png)
            ).json()
            XCTAssertTrue(random.object("data")?.string("fileName")?.hasSuffix(".png") == true)
            XCTAssertEqual(sandbox.stats().uploads, 3)
        }
    }

    func testOddFileNamesGiveUsableURLs() async throws {
        try await withSandbox { sandbox in
            for name in ["my photo #1.png", "100%;ü?.png", "a%41.png"] {
                let reply = try await HTTP.postMultipart(
                    "\(sandbox.baseURL)/api/file-stream-upload",
                    fields: [("uploadPath", "odd dir"), ("fileName", name)],
                    file: ("file", "a.png", "image/png", [7, 8, 9])
                ).json()
                let data = try XCTUnwrap(reply.object("data"))
                XCTAssertEqual(data.string("fileName"), name)
                let url = try XCTUnwrap(data.string("downloadUrl"))
                XCTAssertNotNil(URL(string: url), url)
                let downloaded = try await HTTP.get(url, bearer: nil)
                XCTAssertEqual(downloaded.body, [7, 8, 9], url)

                // The sandbox reads its own URL back as an input, too.
                let created = try await HTTP.postJSON("\(sandbox.baseURL)/v1/images/crispUpscale", ["image_url": url])
                XCTAssertTrue(created.text.contains("could not decode image"), created.text)
            }
        }
    }

    func testOlderShapeCarriesFileUrlOnly() async throws {
        try await withSandbox({ $0.omitUploadDownloadURL = true }) { sandbox in
            let reply = try await HTTP.postMultipart(
                "\(sandbox.baseURL)/api/file-stream-upload", fields: [("uploadPath", "p")],
                file: ("file", "a.png", "image/png", [1, 2, 3])
            ).json()
            let data = try XCTUnwrap(reply.object("data"))
            XCTAssertNil(data["downloadUrl"])
            let url = try XCTUnwrap(data.string("fileUrl"))
            let downloaded = try await HTTP.get(url, bearer: nil).body
            XCTAssertEqual(downloaded, [1, 2, 3])
            XCTAssertEqual(data.string("mimeType"), "image/png", "declared type when the bytes say nothing")
        }
    }

    func testBase64AndURLUploads() async throws {
        try await withSandbox { sandbox in
            let png = try TestImages.png(TestImages.gradient(width: 5, height: 5))
            let dataURL = "data:image/png;base64," + Data(png).base64EncodedString()
            for payload in [dataURL, Data(png).base64EncodedString()] {
                let reply = try await HTTP.postJSON(
                    "\(sandbox.baseURL)/api/file-base64-upload",
                    ["base64Data": payload, "uploadPath": "b64"]
                ).json()
                let url = try XCTUnwrap(reply.object("data")?.string("downloadUrl"), "\(reply)")
                let downloaded = try await HTTP.get(url, bearer: nil).body
                XCTAssertEqual(downloaded, png)
            }
            // A URL upload from another loopback server.
            let origin = try TestHTTPServer { _ in (200, "image/png", png) }
            defer { origin.stop() }
            let reply = try await HTTP.postJSON(
                "\(sandbox.baseURL)/api/file-url-upload",
                ["fileUrl": "\(origin.baseURL)/pic.png", "uploadPath": "u", "fileName": "pic.png"]
            ).json()
            let url = try XCTUnwrap(reply.object("data")?.string("downloadUrl"), "\(reply)")
            let downloaded = try await HTTP.get(url, bearer: nil).body
            XCTAssertEqual(downloaded, png)
            XCTAssertEqual(origin.requests.first?.headers["user-agent"]?.isEmpty, false)
        }
    }

    func testUploadErrors() async throws {
        try await withSandbox({ $0.apiKey = "k" }) { sandbox in
            let stream = "\(sandbox.baseURL)/api/file-stream-upload"
            let unauthorised = try await HTTP.postMultipart(
                stream, fields: [("uploadPath", "p")],
                file: ("file", "a", "image/png", [1]), bearer: "bad")
            XCTAssertEqual(unauthorised.status, 401)
            XCTAssertEqual(try unauthorised.json().int("code"), 401)
            let cases: [HTTPResult] = [
                try await HTTP.postMultipart(stream, fields: [("uploadPath", "p")], bearer: "k"),
                try await HTTP.postMultipart(stream, file: ("file", "a", "image/png", [1]), bearer: "k"),
                try await HTTP.postMultipart(stream, fields: [("uploadPath", "/lead")], file: ("file", "a", "image/png", [1]), bearer: "k"),
                try await HTTP.postMultipart(stream, fields: [("uploadPath", "a/../b")], file: ("file", "a", "image/png", [1]), bearer: "k"),
                try await HTTP.postMultipart(
                    stream, fields: [("uploadPath", "p"), ("fileName", "x/y")],
                    file: ("file", "a", "image/png", [1]), bearer: "k"),
                try await HTTP.send(
                    "POST", stream, headers: ["Content-Type": "multipart/form-data; boundary=zz"],
                    body: Array("--zz\r\ngarbage".utf8), bearer: "k"),
                try await HTTP.postJSON("\(sandbox.baseURL)/api/file-base64-upload", ["base64Data": "@@@", "uploadPath": "p"], bearer: "k"),
                try await HTTP.postJSON(
                    "\(sandbox.baseURL)/api/file-url-upload",
                    ["fileUrl": "https://example.com/a.png", "uploadPath": "p"], bearer: "k")
            ]
            for (index, reply) in cases.enumerated() {
                XCTAssertEqual(reply.status, 400, "case \(index): \(reply.text)")
                XCTAssertEqual(try reply.json()["success"] as? Bool, false, "case \(index)")
            }
            XCTAssertEqual(sandbox.stats().uploads, 0)
        }
    }

    func testBodyOverTheCapIs413() async throws {
        try await withSandbox { sandbox in
            let big = [UInt8](repeating: 0x41, count: Sandbox.maxBodyBytes + 1)
            let reply = try await HTTP.send(
                "POST", "\(sandbox.baseURL)/api/file-base64-upload",
                headers: ["Content-Type": "application/json"], body: big)
            XCTAssertEqual(reply.status, 413)
        }
    }
}
