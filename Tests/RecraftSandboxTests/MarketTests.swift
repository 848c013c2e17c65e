// kie Market over real HTTP: createTask, recordInfo, states, errors, the full
// upload → create → poll → download round trip.

import Foundation
import XCTest

@testable import RecraftSandbox

final class MarketTests: XCTestCase {
    /// Polls recordInfo until a terminal state; returns every distinct state seen, in order, and the last record.
    static func pollToEnd(
        _ sandbox: Sandbox, _ taskId: String, every interval: Duration = .milliseconds(5)
    )
        async throws -> (states: [String], record: [String: Any])
    {
        var states = [String]()
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            let reply = try await HTTP.get("\(sandbox.baseURL)/api/v1/jobs/recordInfo?taskId=\(taskId)").json()
            XCTAssertEqual(reply.int("code"), 200)
            let data = try XCTUnwrap(reply.object("data"))
            let state = try XCTUnwrap(data.string("state"))
            if states.last != state { states.append(state) }
            if state == "success" || state == "fail" { return (states, data) }
            try await Task.sleep(for: interval)
        }
        XCTFail("task \(taskId) never ended; states \(states)")
        return (states, [:])
    }

    static func upload(_ sandbox: Sandbox, _ bytes: [UInt8], name: String = "in.png") async throws -> String {
        let reply = try await HTTP.postMultipart(
            "\(sandbox.baseURL)/api/file-stream-upload", fields: [("uploadPath", "tests/in"), ("fileName", name)],
            file: ("file", name, "image/png", bytes)
        ).json()
        return try XCTUnwrap(reply.object("data")?.string("downloadUrl"))
    }

    func testStatesInOrderThenResultIsFourTimesLarger() async throws {
        try await withSandbox({ $0.taskDuration = .milliseconds(400) }) { sandbox in
            let input = try TestImages.png(TestImages.gradient(width: 24, height: 16))
            let url = try await Self.upload(sandbox, input)
            let created = try await HTTP.postJSON(
                "\(sandbox.baseURL)/api/v1/jobs/createTask",
                [
                    "model": "recraft/crisp-upscale", "input": ["image": url]
                ])
            XCTAssertEqual(created.status, 200)
            let body = try created.json()
            XCTAssertEqual(body.int("code"), 200)
            XCTAssertEqual(body.string("msg"), "success")
            let taskId = try XCTUnwrap(body.object("data")?.string("taskId"))
            XCTAssertNotNil(taskId.range(of: "^[0-9a-f]{32}$", options: .regularExpression))

            let (states, record) = try await Self.pollToEnd(sandbox, taskId)
            XCTAssertEqual(states, ["waiting", "queuing", "generating", "success"])
            XCTAssertEqual(record.string("model"), "recraft/crisp-upscale")
            XCTAssertEqual(record.string("failCode"), "")
            let param = try JSONSerialization.jsonObject(with: Data(try XCTUnwrap(record.string("param")).utf8)) as? [String: Any]
            XCTAssertEqual(param?.string("model"), "recraft/crisp-upscale")
            XCTAssertGreaterThanOrEqual(try XCTUnwrap(record.int("costTime")), 390, "milliseconds")
            XCTAssertGreaterThanOrEqual(try XCTUnwrap(record.int("completeTime")), try XCTUnwrap(record.int("createTime")))
            let resultJson = try XCTUnwrap(record.string("resultJson"))
            let urls = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(resultJson.utf8)) as? [String: Any])?["resultUrls"] as? [String])
            XCTAssertEqual(urls.count, 1)

            let download = try await HTTP.get(urls[0], bearer: nil)
            XCTAssertEqual(download.status, 200)
            XCTAssertEqual(download.header("Content-Type"), "image/png")
            XCTAssertEqual(download.header("Content-Length"), String(download.body.count))
            let image = try ImageCodec.decode(download.body)
            XCTAssertEqual([image.width, image.height], [96, 64])
        }
    }

    func testEnvelopeErrors() async throws {
        try await withSandbox({ $0.apiKey = "right" }) { sandbox in
            let create = "\(sandbox.baseURL)/api/v1/jobs/createTask"
            let valid: [String: Any] = ["model": "recraft/crisp-upscale", "input": ["image": "http://127.0.0.1:1/x.png"]]
            for bearer in [nil, "wrong"] as [String?] {
                let reply = try await HTTP.postJSON(create, valid, bearer: bearer)
                XCTAssertEqual(reply.status, 200, "kie answers auth errors with HTTP 200")
                XCTAssertEqual(try reply.json().int("code"), 401)
                XCTAssertEqual(try reply.json().string("msg"), "You do not have access permissions")
                XCTAssertTrue(try reply.json().isNull("data"))
            }
            let unknown = try await HTTP.postJSON(create, ["model": "recraft/nope", "input": ["image": "x"]], bearer: "right").json()
            XCTAssertEqual(unknown.int("code"), 422)
            XCTAssertEqual(unknown.string("msg"), "The page does not exist or is not published")
            let missing = try await HTTP.postJSON(create, ["model": "recraft/remove-background", "input": [:]], bearer: "right").json()
            XCTAssertEqual(missing.int("code"), 422)
            XCTAssertEqual(missing.string("msg"), "input.image is required")

            let info = "\(sandbox.baseURL)/api/v1/jobs/recordInfo"
            let noId = try await HTTP.get(info, bearer: "right").json()
            XCTAssertEqual(noId.int("code"), 400)
            XCTAssertEqual(noId.string("msg"), "taskId parameter is required")
            let unknownId = try await HTTP.get("\(info)?taskId=0123456789abcdef0123456789abcdef", bearer: "right").json()
            XCTAssertEqual(unknownId.int("code"), 422)
            XCTAssertEqual(unknownId.string("msg"), "recordInfo is null")
            XCTAssertTrue(unknownId.isNull("data"))
            let wrongKey = try await HTTP.get("\(info)?taskId=x", bearer: "wrong").json()
            XCTAssertEqual(wrongKey.int("code"), 401)
            XCTAssertEqual(sandbox.stats().tasksCreated, 0)
        }
    }

    func testNoUserAgentGetsCloudflare1010() async throws {
        try await withSandbox { sandbox in
            let reply = TestHTTPServer.rawExchange(
                port: sandbox.port,
                "GET /api/v1/jobs/recordInfo?taskId=x HTTP/1.1\r\n"
                    + "Host: 127.0.0.1\r\nAuthorization: Bearer k\r\nConnection: close\r\n\r\n")
            XCTAssertTrue(reply.hasPrefix("HTTP/1.1 403"), reply)
            XCTAssertTrue(reply.lowercased().contains("content-type: text/plain"), reply)
            XCTAssertTrue(reply.hasSuffix("error code: 1010"), reply)
        }
    }

    func testFailuresEndTheTaskWithFailCode422() async throws {
        try await withSandbox { sandbox in
            let tooSmall = try await Self.upload(sandbox, try TestImages.png(TestImages.gradient(width: 100, height: 300)))
            let cases: [(model: String, image: String, message: String)] = [
                ("recraft/remove-background", tooSmall, "shortest side must be at least 256"),
                ("recraft/crisp-upscale", "https://example.com/in.png", "could not fetch image"),
                ("recraft/crisp-upscale", "\(sandbox.baseURL)/files/uploads/none.png", "HTTP 404"),
                ("recraft/crisp-upscale", "http://127.0.0.1:1/in.png", "could not fetch image")
            ]
            for testCase in cases {
                let created = try await HTTP.postJSON(
                    "\(sandbox.baseURL)/api/v1/jobs/createTask",
                    ["model": testCase.model, "input": ["image": testCase.image]]
                ).json()
                let taskId = try XCTUnwrap(created.object("data")?.string("taskId"), "\(created)")
                let (states, record) = try await Self.pollToEnd(sandbox, taskId)
                XCTAssertEqual(states.last, "fail")
                XCTAssertEqual(record.string("failCode"), "422")
                XCTAssertEqual(record.string("resultJson"), "")
                XCTAssertTrue(record.string("failMsg")?.contains(testCase.message) == true, "\(record)")
            }
        }
    }

    func testMessageKeyQuirkAndDataURLRefusal() async throws {
        try await withSandbox({ $0.useMessageKey = true }) { sandbox in
            let reply = try await HTTP.postJSON(
                "\(sandbox.baseURL)/api/v1/jobs/createTask",
                [
                    "model": "recraft/crisp-upscale", "input": ["image": "data:image/png;base64,AAAA"]
                ]
            ).json()
            XCTAssertEqual(reply.int("code"), 422)
            XCTAssertNil(reply["msg"])
            XCTAssertTrue(reply.string("message")?.contains("URL") == true)
        }
    }

    func testRemoveBackgroundResultHasTransparency() async throws {
        try await withSandbox { sandbox in
            let url = try await Self.upload(sandbox, try TestImages.png(TestImages.subjectOnWhite()))
            let created = try await HTTP.postJSON(
                "\(sandbox.baseURL)/api/v1/jobs/createTask",
                ["model": "recraft/remove-background", "input": ["image": url]]
            ).json()
            let taskId = try XCTUnwrap(created.object("data")?.string("taskId"))
            let (_, record) = try await Self.pollToEnd(sandbox, taskId)
            let resultJson = try XCTUnwrap(record.string("resultJson"))
            let urls = (try JSONSerialization.jsonObject(with: Data(resultJson.utf8)) as? [String: Any])?["resultUrls"] as? [String]
            let image = try ImageCodec.decode(try await HTTP.get(try XCTUnwrap(urls?.first), bearer: nil).body)
            XCTAssertEqual([image.width, image.height], [300, 260])
            XCTAssertEqual(image.pixels[3], 0, "corner is transparent")
            XCTAssertEqual(image.pixels[(130 * 300 + 150) * 4 + 3], 255, "subject is opaque")
        }
    }
}
