// The fault plan's matching and counting, without a network.

import XCTest

@testable import RecraftSandbox

final class FaultPlanTests: XCTestCase {
    private func request(_ path: String) -> SandboxRequest {
        SandboxRequest(endpoint: Endpoint(path: path) ?? .stats, method: .get, path: path, query: [:], headers: [:], body: [])
    }

    func testTimesSkipAndPathPatterns() throws {
        let plan = FaultPlan()
        try plan.add(SandboxFault(.httpStatus, path: "/api/v1/jobs/*", times: 2, skip: 1, status: 500))
        try plan.add(SandboxFault(.stall, path: "/files/*", delayMs: 5))
        XCTAssertNil(plan.effects(for: request("/api/v1/jobs/createTask")).replacement, "skipped")
        XCTAssertEqual(plan.effects(for: request("/api/v1/jobs/recordInfo")).replacement?.status, 500)
        XCTAssertNil(plan.effects(for: request("/v1/images/crispUpscale")).replacement, "other path")
        XCTAssertEqual(plan.effects(for: request("/api/v1/jobs/createTask")).replacement?.status, 500)
        XCTAssertNil(plan.effects(for: request("/api/v1/jobs/createTask")).replacement, "used up")
        XCTAssertEqual(plan.faults.count, 1)
        XCTAssertEqual(plan.effects(for: request("/files/results/a.png")).delayMs, 5)
        XCTAssertEqual(plan.effects(for: request("/sandbox/stats")).applied, 0)
        try plan.add(SandboxFault(.resetConnection, path: "/*"))
        XCTAssertNil(plan.effects(for: request("/sandbox/faults")).replacement, "admin paths are exempt")
        XCTAssertNotNil(plan.effects(for: request("/files/results/a.png")).replacement)
    }

    func testNilPathCoversProviderAPIsOnly() throws {
        let plan = FaultPlan(faults: [SandboxFault(.bodyCode, status: 455)])
        XCTAssertNotNil(plan.effects(for: request("/api/v1/jobs/createTask")).replacement)
        XCTAssertNotNil(plan.effects(for: request("/v1/images/vectorize")).replacement)
        XCTAssertNil(plan.effects(for: request("/files/results/a.png")).replacement)
        XCTAssertNil(plan.effects(for: request("/sandbox/faults")).replacement)
    }

    func testInvalidRulesAreRefused() {
        let plan = FaultPlan()
        XCTAssertThrowsError(try plan.add(SandboxFault(.httpStatus, status: 200)))
        XCTAssertThrowsError(try plan.add(SandboxFault(.unknownState)))
        XCTAssertThrowsError(try plan.add(SandboxFault(.stall)))
        XCTAssertThrowsError(try plan.add(SandboxFault(.resetConnection, probability: 2)))
        XCTAssertThrowsError(try plan.setRateLimits([SandboxRateLimit(path: "/x", limit: 1, windowMs: 0)]))
        XCTAssertEqual(plan.faults, [])
    }

    func testRateLimitDropsOverTheWindowAndRecovers() throws {
        let plan = FaultPlan(rateLimits: [SandboxRateLimit(path: "/api/v1/jobs/createTask", limit: 2, windowMs: 1_000, retryAfter: true)])
        let create = request("/api/v1/jobs/createTask")
        XCTAssertNil(plan.effects(for: create, at: 10_000).rateLimited)
        XCTAssertNil(plan.effects(for: create, at: 10_100).rateLimited)
        XCTAssertEqual(plan.effects(for: create, at: 10_200).rateLimited?.retryAfter, 1)
        XCTAssertNil(plan.effects(for: request("/api/v1/jobs/recordInfo"), at: 10_200).rateLimited, "other paths are free")
        XCTAssertNil(plan.effects(for: create, at: 11_001).rateLimited, "the first request left the window")
        XCTAssertNotNil(plan.effects(for: create, at: 11_050).rateLimited, "dropped requests do not count")
    }

    func testJSONFormDecodes() throws {
        let json = #"{"kind":"httpStatus","path":"/api/v1/jobs/createTask","status":429,"retryAfter":2,"times":1}"#
        let fault = try JSONDecoder().decode(SandboxFault.self, from: Data(json.utf8))
        XCTAssertEqual(fault, SandboxFault(.httpStatus, path: "/api/v1/jobs/createTask", times: 1, status: 429, retryAfter: 2))
    }
}
