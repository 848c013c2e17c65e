// Callbacks (delivery, shape, kie's HMAC signature) and the counters a client's tests
// read: in-process `stats()` and the `/sandbox/stats` endpoint.

import Foundation
import XCTest

@testable import RecraftSandbox

final class CallbackAndStatsTests: XCTestCase {
    func testMarketCallbackIsDeliveredAndSigned() async throws {
        let receiver = try TestHTTPServer()
        defer { receiver.stop() }
        try await withSandbox({ $0.webhookSecret = "s3cret" }) { sandbox in
            let url = try await MarketTests.upload(sandbox, try TestImages.png(TestImages.gradient(width: 8, height: 8)))
            let created = try await HTTP.postJSON(
                "\(sandbox.baseURL)/api/v1/jobs/createTask",
                [
                    "model": "recraft/crisp-upscale", "callBackUrl": "\(receiver.baseURL)/kie/cb?token=abc", "input": ["image": url]
                ]
            ).json()
            let taskId = try XCTUnwrap(created.object("data")?.string("taskId"))
            let requests = await receiver.waitForRequests(1)
            let callback = try XCTUnwrap(requests.first)
            XCTAssertEqual(callback.method, "POST")
            XCTAssertEqual(callback.path, "/kie/cb?token=abc")
            XCTAssertEqual(callback.headers["content-type"], "application/json")

            let body = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(callback.body)) as? [String: Any])
            XCTAssertEqual(body.int("code"), 200)
            XCTAssertEqual(body.string("msg"), "Playground task completed successfully.")
            let data = try XCTUnwrap(body.object("data"))
            XCTAssertEqual(data.string("taskId"), taskId)
            XCTAssertEqual(data.string("state"), "success")
            XCTAssertNotNil(data.string("resultJson"))
            XCTAssertEqual((data["creditsConsumed"] as? NSNumber)?.doubleValue, 0.5)

            // The callback comes when the task has ended: a poll now says success too.
            let record = try await HTTP.get("\(sandbox.baseURL)/api/v1/jobs/recordInfo?taskId=\(taskId)").json()
            XCTAssertEqual(record.object("data")?.string("state"), "success")

            let timestamp = try XCTUnwrap(callback.headers["x-webhook-timestamp"])
            let signature = try XCTUnwrap(callback.headers["x-webhook-signature"])
            XCTAssertLessThan(abs((Int(timestamp) ?? 0) - Int(Date().timeIntervalSince1970)), 60, "unix seconds")
            let expected = HMACSHA256.authenticationCode(key: Array("s3cret".utf8), message: Array("\(taskId).\(timestamp)".utf8))
            XCTAssertEqual(Data(base64Encoded: signature).map(Array.init), expected)
            XCTAssertEqual(sandbox.stats().callbacksSent, 1)
        }
    }

    func testFailedAndDedicatedCallbacksUnsignedWithoutSecret() async throws {
        let receiver = try TestHTTPServer()
        defer { receiver.stop() }
        try await withSandbox { sandbox in
            _ = try await HTTP.postJSON(
                "\(sandbox.baseURL)/api/v1/jobs/createTask",
                [
                    "model": "recraft/remove-background", "callBackUrl": receiver.baseURL + "/m",
                    "input": ["image": "http://10.1.2.3/in.png"]
                ])
            _ = try await HTTP.postJSON(
                "\(sandbox.baseURL)/api/v1/recraft/upscale",
                [
                    "image_url": "\(sandbox.baseURL)/files/missing.png", "callBackUrl": receiver.baseURL + "/d"
                ])
            let requests = await receiver.waitForRequests(2)
            XCTAssertEqual(requests.count, 2)
            for request in requests {
                XCTAssertNil(request.headers["x-webhook-signature"])
                let body = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
                XCTAssertEqual(body.int("code"), 501)
                let data = try XCTUnwrap(body.object("data"))
                if request.path == "/m" {
                    XCTAssertEqual(body.string("msg"), "Playground task failed.")
                    XCTAssertEqual(data.string("state"), "fail")
                    XCTAssertTrue(data.isNull("resultJson"))
                    XCTAssertEqual(data.string("failCode"), "422")
                } else {
                    XCTAssertEqual(data.int("status"), 3)
                    XCTAssertTrue(data.isNull("response"))
                }
            }
        }
    }

    func testStatsCountEverythingAndReset() async throws {
        try await withSandbox { sandbox in
            let url = try await MarketTests.upload(sandbox, try TestImages.png(TestImages.gradient(width: 8, height: 8)))
            let created = try await HTTP.postJSON(
                "\(sandbox.baseURL)/api/v1/jobs/createTask",
                ["model": "recraft/crisp-upscale", "input": ["image": url]]
            ).json()
            let taskId = try XCTUnwrap(created.object("data")?.string("taskId"))
            _ = try await MarketTests.pollToEnd(sandbox, taskId, every: .milliseconds(20))
            _ = try await HTTP.get(url, bearer: nil)
            _ = try await HTTP.get(url, bearer: "leaked")
            _ = try await HTTP.postMultipart(
                "\(sandbox.baseURL)/v1/images/crispUpscale",
                file: ("image", "a.png", "image/png", try TestImages.png(TestImages.gradient(width: 32, height: 32))))

            let stats = sandbox.stats()
            XCTAssertEqual(stats.uploads, 1)
            XCTAssertEqual(stats.tasksCreated, 1)
            XCTAssertEqual(stats.syncRequests, 1)
            XCTAssertGreaterThanOrEqual(stats.pollRequests, 2)
            XCTAssertEqual(stats.fileDownloads, 2)
            XCTAssertEqual(stats.fileDownloadsWithAuthorization, 1)
            XCTAssertEqual(stats.requestsByPath["/api/v1/jobs/recordInfo"], stats.pollRequests)
            XCTAssertEqual(stats.requestsByPath["/api/file-stream-upload"], 1)

            let served = try await HTTP.get("\(sandbox.baseURL)/sandbox/stats", bearer: nil)
            XCTAssertEqual(served.status, 200)
            let decoded = try JSONDecoder().decode(SandboxStats.self, from: Data(served.body))
            XCTAssertEqual(decoded.fileDownloadsWithAuthorization, 1)
            XCTAssertEqual(decoded.tasksCreated, 1)
            XCTAssertNotNil(try served.json()["requestsByPath"] as? [String: Any], "camelCase keys")

            let reset = try await HTTP.send("POST", "\(sandbox.baseURL)/sandbox/reset", bearer: nil)
            XCTAssertEqual(reset.status, 200)
            XCTAssertEqual(sandbox.stats().tasksCreated, 0)
            XCTAssertEqual(sandbox.stats().requestsByPath, [:])
        }
    }

    func testUnknownFilesAndMethods() async throws {
        try await withSandbox { sandbox in
            let missing = try await HTTP.get("\(sandbox.baseURL)/files/results/nothing.png", bearer: nil)
            XCTAssertEqual(missing.status, 404)
            let wrongMethod = try await HTTP.get("\(sandbox.baseURL)/api/v1/jobs/createTask")
            XCTAssertEqual(wrongMethod.status, 405)
            XCTAssertEqual(sandbox.stats().fileDownloads, 1)
        }
    }

    func testShutdownDoesNotWaitForAHangingCallbackReceiver() async throws {
        // A receiver that accepts the request and never answers.
        let receiver = try TestHTTPServer { _ in
            Thread.sleep(forTimeInterval: 30)
            return (200, "text/plain", [])
        }
        defer { receiver.stop() }
        let sandbox = try await Sandbox.start()
        _ = try await HTTP.postJSON(
            "\(sandbox.baseURL)/api/v1/jobs/createTask",
            [
                "model": "recraft/crisp-upscale", "callBackUrl": receiver.baseURL + "/slow",
                "input": ["image": "http://127.0.0.1:1/in.png"]
            ])
        _ = await receiver.waitForRequests(1)
        let started = ContinuousClock.now
        await sandbox.shutdown()
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(5))
    }

    func testShutdownStopsListening() async throws {
        let sandbox = try await Sandbox.start()
        XCTAssertTrue(sandbox.baseURL.hasPrefix("http://127.0.0.1:"))
        XCTAssertGreaterThan(sandbox.port, 0)
        let port = sandbox.port
        await sandbox.shutdown()
        XCTAssertEqual(TestHTTPServer.rawExchange(port: port, "GET /sandbox/stats HTTP/1.1\r\nHost: x\r\n\r\n"), "")
    }
}
