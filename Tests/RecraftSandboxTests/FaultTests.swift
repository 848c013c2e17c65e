// Faults over real HTTP: what a client sees when the sandbox misbehaves on request.

import Foundation
import XCTest

@testable import RecraftSandbox

final class FaultTests: XCTestCase {
    private let createPath = "/api/v1/jobs/createTask"

    private func createBody(_ sandbox: Sandbox) -> [String: Any] {
        ["model": "recraft/crisp-upscale", "input": ["image": "\(sandbox.baseURL)/files/uploads/x.png"]]
    }

    func testHTTP429WithRetryAfterThenNormalService() async throws {
        try await withSandbox { sandbox in
            try sandbox.addFault(SandboxFault(.httpStatus, path: createPath, times: 1, status: 429, retryAfter: 3))
            let limited = try await HTTP.postJSON(sandbox.baseURL + createPath, createBody(sandbox))
            XCTAssertEqual(limited.status, 429)
            XCTAssertEqual(limited.header("Retry-After"), "3")
            XCTAssertEqual(try limited.json().int("code"), 429, "kie paths keep kie's envelope")
            let accepted = try await HTTP.postJSON(sandbox.baseURL + createPath, createBody(sandbox))
            XCTAssertEqual(try accepted.json().int("code"), 200)
            XCTAssertEqual(sandbox.stats().faultsInjected, 1)
            XCTAssertEqual(sandbox.stats().tasksCreated, 1)
        }
    }

    func testBodyCodesAndRecraftStatuses() async throws {
        try await withSandbox { sandbox in
            try sandbox.addFault(SandboxFault(.bodyCode, path: createPath, times: 1, status: 433, message: "sub-key over its limit"))
            try sandbox.addFault(SandboxFault(.httpStatus, path: "/v1/images/*", times: 1, status: 503))
            let overLimit = try await HTTP.postJSON(sandbox.baseURL + createPath, createBody(sandbox))
            XCTAssertEqual(overLimit.status, 200)
            XCTAssertEqual(try overLimit.json().int("code"), 433)
            XCTAssertEqual(try overLimit.json().string("msg"), "sub-key over its limit")
            let unavailable = try await HTTP.postJSON(sandbox.baseURL + "/v1/images/crispUpscale", ["image_url": "x"])
            XCTAssertEqual(unavailable.status, 503)
            XCTAssertTrue(unavailable.header("Content-Type")?.hasPrefix("text/plain") == true)
        }
    }

    func testResetTruncateAndMalformedJSON() async throws {
        try await withSandbox { sandbox in
            let request = "GET /sandbox/stats HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            let info =
                "GET /api/v1/jobs/recordInfo?taskId=x HTTP/1.1\r\nHost: x\r\nUser-Agent: t\r\nAuthorization: Bearer k\r\n"
                + "Connection: close\r\n\r\n"
            try sandbox.addFault(SandboxFault(.resetConnection, path: "/api/v1/jobs/recordInfo", times: 1))
            XCTAssertEqual(TestHTTPServer.rawExchange(port: sandbox.port, info), "", "no reply at all")

            try sandbox.addFault(SandboxFault(.truncateBody, path: "/api/v1/jobs/recordInfo", times: 1))
            let truncated = TestHTTPServer.rawExchange(port: sandbox.port, info)
            let full = TestHTTPServer.rawExchange(port: sandbox.port, info)
            XCTAssertTrue(truncated.hasPrefix("HTTP/1.1 200"), truncated)
            let fullBody = try XCTUnwrap(full.components(separatedBy: "\r\n\r\n").last)
            let cutBody = try XCTUnwrap(truncated.components(separatedBy: "\r\n\r\n").last)
            XCTAssertEqual(cutBody, String(fullBody.prefix(fullBody.utf8.count / 2)))
            XCTAssertTrue(truncated.lowercased().contains("content-length: \(fullBody.utf8.count)"), truncated)

            try sandbox.addFault(SandboxFault(.malformedJSON, path: "/api/v1/jobs/recordInfo", times: 1))
            let malformed = try await HTTP.get(sandbox.baseURL + "/api/v1/jobs/recordInfo?taskId=x")
            XCTAssertEqual(malformed.status, 200)
            XCTAssertThrowsError(try JSONSerialization.jsonObject(with: Data(malformed.body)))
            XCTAssertFalse(TestHTTPServer.rawExchange(port: sandbox.port, request).isEmpty, "the server lives on")
        }
    }

    func testStallUnknownStateFailedTaskAndMissingResult() async throws {
        try await withSandbox { sandbox in
            let url = try await MarketTests.upload(sandbox, try TestImages.png(TestImages.gradient(width: 8, height: 8)))
            let body: [String: Any] = ["model": "recraft/crisp-upscale", "input": ["image": url]]

            try sandbox.addFault(SandboxFault(.stall, path: createPath, times: 1, delayMs: 200))
            let started = ContinuousClock.now
            let created = try await HTTP.postJSON(sandbox.baseURL + createPath, body).json()
            XCTAssertGreaterThanOrEqual(ContinuousClock.now - started, .milliseconds(200))
            let taskId = try XCTUnwrap(created.object("data")?.string("taskId"))

            try sandbox.addFault(SandboxFault(.unknownState, path: "/api/v1/jobs/recordInfo", times: 1, state: "pending"))
            let odd = try await HTTP.get("\(sandbox.baseURL)/api/v1/jobs/recordInfo?taskId=\(taskId)").json()
            XCTAssertEqual(odd.object("data")?.string("state"), "pending")

            try sandbox.addFault(SandboxFault(.failTask, path: createPath, times: 1, message: "Internal server error", failCode: "500"))
            let doomed = try await HTTP.postJSON(sandbox.baseURL + createPath, body).json()
            let (states, record) = try await MarketTests.pollToEnd(sandbox, try XCTUnwrap(doomed.object("data")?.string("taskId")))
            XCTAssertEqual(states.last, "fail")
            XCTAssertEqual(record.string("failCode"), "500")

            let (_, done) = try await MarketTests.pollToEnd(sandbox, taskId)
            let resultJson = try XCTUnwrap(done.string("resultJson"))
            let result = try XCTUnwrap(
                ((try JSONSerialization.jsonObject(with: Data(resultJson.utf8)) as? [String: Any])?["resultUrls"]
                    as? [String])?.first)
            try sandbox.addFault(SandboxFault(.httpStatus, path: "/files/results/*", times: 1, status: 404))
            let gone = try await HTTP.get(result, bearer: nil)
            XCTAssertEqual(gone.status, 404)
            let back = try await HTTP.get(result, bearer: nil)
            XCTAssertEqual(back.status, 200)
        }
    }

    func testRateLimitDropsWith429AndTheAdminEndpoint() async throws {
        try await withSandbox({ $0.rateLimits = [SandboxRateLimit(path: "/api/v1/jobs/createTask", limit: 2, windowMs: 60_000, retryAfter: true)] }) {
            sandbox in
            var codes = [Int]()
            for _ in 0..<3 { codes.append(try await HTTP.postJSON(sandbox.baseURL + createPath, createBody(sandbox)).status) }
            XCTAssertEqual(codes, [200, 200, 429])
            XCTAssertEqual(sandbox.stats().tasksCreated, 2, "the dropped request was not queued")
            XCTAssertEqual(sandbox.stats().rateLimited, 1)

            let admin = sandbox.baseURL + "/sandbox/faults"
            let listed = try await HTTP.get(admin, bearer: nil).json()
            XCTAssertEqual((listed["rateLimits"] as? [Any])?.count, 1)
            let added = try await HTTP.send(
                "POST", admin, headers: ["Content-Type": "application/json"],
                body: Array(#"{"kind":"bodyCode","status":455,"path":"/api/v1/jobs/recordInfo"}"#.utf8), bearer: nil)
            XCTAssertEqual((try added.json()["faults"] as? [Any])?.count, 1)
            let maintenance = try await HTTP.get(sandbox.baseURL + "/api/v1/jobs/recordInfo?taskId=x").json()
            XCTAssertEqual(maintenance.int("code"), 455)
            let refused = try await HTTP.send("POST", admin, body: Array(#"{"kind":"stall"}"#.utf8), bearer: nil)
            XCTAssertEqual(refused.status, 400)

            _ = try await HTTP.send("DELETE", admin, bearer: nil)
            XCTAssertEqual(sandbox.faults.faults, [])
            let afterClear = try await HTTP.postJSON(sandbox.baseURL + createPath, createBody(sandbox))
            XCTAssertEqual(afterClear.status, 200)
        }
    }
}
